//! A hand-written struct with the 30 Lead fields the benchmarks read, as a user would write it:
//! the yardstick the generated `Lead` is measured against (shared by the criterion benches and
//! the side-by-side runner).

use serde::Deserialize;

/// A user reference as a hand-written struct would have it.
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct UserRef {
    name: Option<String>,
    id: Option<String>,
    email: Option<String>,
}

/// The same 30 fields, as a user would write them by hand.
#[derive(Deserialize)]
#[allow(dead_code, non_snake_case)]
pub struct MinimalLead {
    id: Option<String>,
    Owner: Option<UserRef>,
    Company: Option<String>,
    Email: Option<String>,
    Description: Option<String>,
    Rating: Option<String>,
    Website: Option<String>,
    Twitter: Option<String>,
    Salutation: Option<String>,
    Last_Activity_Time: Option<String>,
    First_Name: Option<String>,
    Full_Name: Option<String>,
    Lead_Status: Option<String>,
    Industry: Option<String>,
    Record_Status__s: Option<String>,
    Skype_ID: Option<String>,
    Phone: Option<String>,
    Street: Option<String>,
    Zip_Code: Option<String>,
    Email_Opt_Out: Option<bool>,
    Designation: Option<String>,
    Modified_By: Option<UserRef>,
    Mobile: Option<String>,
    Created_Time: Option<String>,
    Created_By: Option<UserRef>,
    Secondary_Email: Option<String>,
    Lead_Source: Option<String>,
    Last_Name: Option<String>,
    Annual_Revenue: Option<f64>,
    No_of_Employees: Option<i64>,
}
