//! Rust names from Zoho names: deterministic, keyword-safe and unique within their scope.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

const KEYWORDS: [&str; 52] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Names a scope has handed out, to keep new ones unique.
#[derive(Debug, Default)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// A scope with names already taken.
    pub fn with(taken: &[&str]) -> Self {
        Scope {
            used: taken.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `base`, or `base2`, `base3`... whichever is free; records it.
    pub fn unique(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

fn ascii_words(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A snake_case field name (`Last_Name` -> `last_name`, `type` -> `type_`).
pub fn field_name(api_name: &str) -> String {
    let mut s = ascii_words(api_name).to_snake_case();
    if s.is_empty() {
        s = "field".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("f_{s}");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// An UpperCamelCase type or variant name (`Lead_Status` -> `LeadStatus`).
pub fn type_name(name: &str) -> String {
    let mut s = ascii_words(name).to_upper_camel_case();
    if s.is_empty() {
        s = "Value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A module API name without the `__s` Zoho gives system modules (`Appointments__s` ->
/// `Appointments`), for type names; the Rust module and feature keep the full name.
fn without_system_suffix(api_name: &str) -> &str {
    match api_name.strip_suffix("__s") {
        Some(stem) if stem.chars().any(|c| c.is_ascii_alphanumeric()) => stem,
        _ => api_name,
    }
}

/// The record type of a module (`Leads` -> `Lead`, `Sales_Orders` -> `SalesOrder`,
/// `Appointments__s` -> `Appointment`).
pub fn record_name(api_name: &str) -> String {
    let base = type_name(without_system_suffix(api_name));
    for (plural, singular) in [("ies", "y"), ("ses", "s"), ("s", "")] {
        if let Some(stem) = base.strip_suffix(plural) {
            if stem.len() > 1
                && !(plural == "ses" && !stem.ends_with("Cas") && !stem.ends_with("s"))
            {
                return format!("{stem}{singular}");
            }
        }
    }
    base
}

/// The marker type of a module (`Leads` -> `Leads`, `Appointments__s` -> `Appointments`); the
/// record name with `Module` appended when the two would be the same (`Staff`).
pub fn marker_name(api_name: &str) -> String {
    let marker = type_name(without_system_suffix(api_name));
    if marker == record_name(api_name) {
        format!("{marker}Module")
    } else {
        marker
    }
}

/// The Rust module of a CRM module (`Sales_Orders` -> `sales_orders`, `Appointments__s` ->
/// `appointments_s`).
pub fn module_name(api_name: &str) -> String {
    field_name(api_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name("Last_Name"), "last_name");
        assert_eq!(field_name("Converted__s"), "converted_s");
        assert_eq!(field_name("Type"), "type_");
        assert_eq!(field_name("$approval_state"), "approval_state");
        assert_eq!(type_name("Lead_Status"), "LeadStatus");
        assert_eq!(type_name("-None-"), "None");
        assert_eq!(type_name("Id. Decision Makers"), "IdDecisionMakers");
        assert_eq!(type_name("10-50"), "V1050");
        for (m, r) in [
            ("Leads", "Lead"),
            ("Sales_Orders", "SalesOrder"),
            ("Price_Books", "PriceBook"),
            ("Cases", "Case"),
            ("Quoted_Items", "QuotedItem"),
            ("Activities", "Activity"),
            ("Notes", "Note"),
            ("Purchase_Orders", "PurchaseOrder"),
            ("Appointments__s", "Appointment"),
            ("Services__s", "Service"),
            ("__s", "S"),
        ] {
            assert_eq!(record_name(m), r);
        }
        assert_eq!(marker_name("Leads"), "Leads");
        assert_eq!(marker_name("Appointments__s"), "Appointments");
        assert_eq!(marker_name("Staff"), "StaffModule");
        assert_eq!(module_name("Appointments__s"), "appointments_s");
        let mut s = Scope::with(&["Lead"]);
        assert_eq!(s.unique("Lead".into()), "Lead2");
        assert_eq!(s.unique("Rating".into()), "Rating");
    }
}
