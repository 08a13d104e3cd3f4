#![warn(missing_docs)]
//! `zcrm-modules`: typed Zoho CRM modules, generated from the project's `specs/` by
//! `cargo xtask codegen` and committed. Each module has a feature (`leads`, `deals`, ...;
//! `api` for the API groups; `full` enables all): a read type (`leads::Lead`), an update type (`leads::LeadUpdate`), a
//! field enum (`leads::LeadField`), open picklist enums (`leads::LeadStatus`) and a marker for
//! `client.records(leads::Leads)`.
//!
//! ```
//! # #[cfg(feature = "leads")] {
//! use zcrm_modules::leads::{Lead, LeadStatus, LeadUpdate};
//! let update = LeadUpdate::new().last_name("Doe").lead_status(LeadStatus::Contacted);
//! assert_eq!(serde_json::to_value(&update).unwrap(), serde_json::json!({"Last_Name": "Doe", "Lead_Status": "Contacted"}));
//! let lead: Lead = serde_json::from_str(r#"{"Last_Name":"Doe","Lead_Status":"Brand New","Fax":null}"#).unwrap();
//! assert_eq!(lead.lead_status, Some(LeadStatus::Other("Brand New".into())));
//! # }
//! let leads = zcrm_modules::catalogue::module("Leads").unwrap();
//! assert!(leads.field("Last_Name").unwrap().mandatory);
//! ```

#[rustfmt::skip]
mod generated;

#[allow(unused_imports)]
pub use generated::*;
pub use zcrm_core;

// The `core-*` features turn zcrm-core's parts on (CI builds the library alone with each, so
// these fail to compile if a forward is missing).
#[cfg(feature = "core-redis")]
const _: Option<zcrm_core::store::RedisStore> = None;
#[cfg(feature = "core-db")]
const _: Option<zcrm_core::store::DbStore> = None;
#[cfg(feature = "core-logging")]
const _: () = {
    let _ = zcrm_core::logging::init;
};

/// The guide for people coming from the official Python SDK (`docs/from-python-sdk.md`, linked
/// into this crate so that the package holds it),
/// here so that `cargo test` compiles every snippet of it.
#[cfg(doctest)]
#[doc = include_str!("../docs/from-python-sdk.md")]
pub struct FromPythonSdkGuide;

#[cfg(test)]
mod tests {
    #[test]
    fn standard_modules_are_present() {
        for m in [
            "Leads",
            "Contacts",
            "Accounts",
            "Deals",
            "Tasks",
            "Events",
            "Calls",
            "Products",
            "Quotes",
            "Sales_Orders",
            "Purchase_Orders",
            "Invoices",
            "Campaigns",
            "Vendors",
            "Price_Books",
            "Cases",
            "Solutions",
            "Notes",
            "Services__s",
            "Appointments__s",
        ] {
            assert!(crate::catalogue::module(m).is_some(), "{m}");
        }
        assert_eq!(
            crate::catalogue::module("Deals")
                .unwrap()
                .field("Stage")
                .unwrap()
                .data_type,
            "picklist"
        );
        let appointment_for = crate::catalogue::module("Appointments__s")
            .unwrap()
            .field("Appointment_For")
            .unwrap();
        assert_eq!(appointment_for.data_type, "multi_module_lookup");
        assert!(appointment_for.mandatory);
    }
}
