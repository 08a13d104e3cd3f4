//! Static facts about each module: its API name, labels and fields.

/// A module as the metadata describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// API name (`Leads`).
    pub api_name: &'static str,
    /// Singular label.
    pub singular_label: &'static str,
    /// Plural label.
    pub plural_label: &'static str,
    /// `default`, `custom`, `subform`, ...
    pub generated_type: &'static str,
    /// Fields, sorted by API name.
    pub fields: &'static [FieldInfo],
}

/// A field as the metadata describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// API name (`Last_Name`).
    pub api_name: &'static str,
    /// Zoho data type (`text`, `picklist`, ...).
    pub data_type: &'static str,
    /// Required on create.
    pub mandatory: bool,
    /// Never writable.
    pub read_only: bool,
}

impl ModuleInfo {
    /// A field by API name.
    pub fn field(&self, api_name: &str) -> Option<&'static FieldInfo> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }
}

/// Every generated module.
pub fn modules() -> &'static [ModuleInfo] {
    crate::generated::catalogue::MODULES
}

/// A module by API name.
pub fn module(api_name: &str) -> Option<&'static ModuleInfo> {
    modules().iter().find(|m| m.api_name == api_name)
}

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
            assert!(super::module(m).is_some(), "{m}");
        }
        assert_eq!(
            super::module("Deals")
                .unwrap()
                .field("Stage")
                .unwrap()
                .data_type,
            "picklist"
        );
        let appointment_for = super::module("Appointments__s")
            .unwrap()
            .field("Appointment_For")
            .unwrap();
        assert_eq!(appointment_for.data_type, "multi_module_lookup");
        assert!(appointment_for.mandatory);
    }
}
