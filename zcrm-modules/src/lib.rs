//! `zcrm-modules`: what the code generator knows about Zoho CRM modules, generated from the
//! project's `specs/` by `cargo xtask codegen` and committed.
//!
//! ```
//! let leads = zcrm_modules::catalogue::module("Leads").unwrap();
//! assert!(leads.field("Last_Name").unwrap().mandatory);
//! ```

pub mod catalogue;
mod generated;

pub use zcrm_core;
