//! A page of Leads shaped as Zoho sends them, shared by the decode bench and the size test.

use serde_json::{json, Value};

/// Records on the page.
pub const RECORDS: usize = 200;

/// The page's JSON: `RECORDS` Leads of 30 fields each.
pub fn page() -> String {
    let owner = json!({"name": "Patricia Boyle", "id": "3652397000000186017", "email": "patricia.boyle@zylker.example"});
    let data: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({
                "id": format!("36523970000050{i:05}"),
                "Owner": owner,
                "Company": format!("Company {i} Ltd."),
                "Email": format!("lead{i}@example.com"),
                "Description": "Met at the trade fair; interested in the enterprise plan and a demo next quarter.",
                "Rating": "Active",
                "Website": format!("https://www.company{i}.example"),
                "Twitter": null,
                "Salutation": "Mr.",
                "Last_Activity_Time": "2026-11-30T10:15:00+05:30",
                "First_Name": "John",
                "Full_Name": format!("John Doe {i}"),
                "Lead_Status": "Contacted",
                "Industry": "ASP (Application Service Provider)",
                "Record_Status__s": "Available",
                "Skype_ID": null,
                "Phone": "+1 555 0100",
                "Street": "1 Main Street",
                "Zip_Code": "94105",
                "Email_Opt_Out": false,
                "Designation": "CTO",
                "Modified_By": owner,
                "Mobile": "+1 555 0101",
                "Created_Time": "2026-11-01T09:00:00+05:30",
                "Created_By": owner,
                "Secondary_Email": null,
                "Lead_Source": "Trade Show",
                "Last_Name": format!("Doe {i}"),
                "Annual_Revenue": 1250000.5,
                "No_of_Employees": 120
            })
        })
        .collect();
    json!({"data": data, "info": {"per_page": 200, "count": 200, "page": 1, "more_records": true}})
        .to_string()
}
