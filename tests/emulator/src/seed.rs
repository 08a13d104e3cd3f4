//! The seed: the orgs, users, OAuth clients and sample records every emulator starts with.
//! Values are fixed so that documentation and tests can name them.

use crate::metadata::{self, ModuleMeta};
use crate::state::{Client, Org, Settings, User, World};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

/// Client id of the seeded self client (the API console's "Self Client").
pub const SELF_CLIENT_ID: &str = "1000.ZCRMSELFCLIENT0000000000000001";
/// Client secret of the seeded self client.
pub const SELF_CLIENT_SECRET: &str = "3f9a1c7be20d44e6a8b5c0d1e2f3a4b5c6d7e8f901";
/// Client id of the seeded server-based (web) client.
pub const WEB_CLIENT_ID: &str = "1000.ZCRMWEBCLIENT00000000000000001";
/// Client secret of the seeded web client.
pub const WEB_CLIENT_SECRET: &str = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d92";
/// Redirect URIs registered for the web client.
pub const WEB_REDIRECT_URIS: [&str; 2] = [
    "http://127.0.0.1:8081/oauth/callback",
    "http://localhost:8081/oauth/callback",
];

/// Seeded users: (org zgid, email, first name, last name, admin).
pub const USERS: [(&str, &str, &str, &str, bool); 3] = [
    (
        "60012345",
        "patricia.boyle@zylker.example",
        "Patricia",
        "Boyle",
        true,
    ),
    (
        "60012345",
        "ryan.cole@zylker.example",
        "Ryan",
        "Cole",
        false,
    ),
    (
        "60054321",
        "amelia.burrows@acme.example",
        "Amelia",
        "Burrows",
        true,
    ),
];

/// What the emulator is seeded from: the metadata read from `specs/`.
#[derive(Debug)]
pub struct Seed {
    /// Module metadata by API name.
    pub meta: BTreeMap<String, ModuleMeta>,
}

impl Seed {
    /// Reads the metadata under `specs_dir`, or the metadata built into the emulator.
    pub fn load(specs_dir: Option<PathBuf>) -> Result<Arc<Seed>, String> {
        let meta = match specs_dir {
            Some(dir) => metadata::load(&dir)?,
            None => metadata::load_embedded()?,
        };
        Ok(Arc::new(Seed { meta }))
    }
}

pub(crate) fn org(
    id: &str,
    zgid: &str,
    prefix: &str,
    name: &str,
    domain: &str,
    email: &str,
    seed: &Seed,
) -> Org {
    Org {
        id: id.into(),
        zgid: zgid.into(),
        company_name: name.into(),
        domain_name: domain.into(),
        primary_email: email.into(),
        edition: "Enterprise".into(),
        id_prefix: prefix.into(),
        next_id: 5_000_000,
        meta: seed.meta.clone(),
        records: seed
            .meta
            .keys()
            .map(|k| (k.clone(), BTreeMap::new()))
            .collect(),
        deleted: BTreeMap::new(),
        concurrency_limit: None,
        in_flight: Default::default(),
        tags: BTreeMap::new(),
        attachments: BTreeMap::new(),
        files: BTreeMap::new(),
        bulk_failures: 0,
        bulk_failures_after: 0,
        photos: BTreeMap::new(),
        bulk_jobs: BTreeMap::new(),
        bulk_page_tokens: BTreeMap::new(),
        uploads: BTreeMap::new(),
        credits_used: 0,
        mails: vec![],
        mass_updates: BTreeMap::new(),
        blueprints: vec![],
        channels: BTreeMap::new(),
        events: vec![],
    }
}

/// Builds a fresh world from the seed.
pub fn world(seed: &Seed, settings: Settings) -> World {
    let mut orgs = BTreeMap::new();
    let zylker = org(
        "3652397000000225001",
        "60012345",
        "3652397",
        "Zylker Inc.",
        "zylker",
        "patricia.boyle@zylker.example",
        seed,
    );
    let acme = org(
        "4150868000000225001",
        "60054321",
        "4150868",
        "Acme Ltd.",
        "acme",
        "amelia.burrows@acme.example",
        seed,
    );
    orgs.insert(zylker.id.clone(), zylker);
    orgs.insert(acme.id.clone(), acme);

    let mut users = BTreeMap::new();
    for (i, (zgid, email, first, last, admin)) in USERS.iter().enumerate() {
        let org = orgs.values().find(|o| o.zgid == *zgid).expect("seeded org");
        let id = format!("{}000000{:06}", org.id_prefix, 411001 + i);
        users.insert(
            id.clone(),
            User {
                id,
                zuid: format!("7{}{:02}", &zgid[1..], i),
                org_id: org.id.clone(),
                email: email.to_string(),
                first_name: first.to_string(),
                last_name: last.to_string(),
                admin: *admin,
            },
        );
    }

    let mut clients = BTreeMap::new();
    clients.insert(
        SELF_CLIENT_ID.to_string(),
        Client {
            client_id: SELF_CLIENT_ID.into(),
            client_secret: SELF_CLIENT_SECRET.into(),
            name: "Self Client".into(),
            redirect_uris: vec![],
        },
    );
    clients.insert(
        WEB_CLIENT_ID.to_string(),
        Client {
            client_id: WEB_CLIENT_ID.into(),
            client_secret: WEB_CLIENT_SECRET.into(),
            name: "zcrm web app".into(),
            redirect_uris: WEB_REDIRECT_URIS.iter().map(|s| s.to_string()).collect(),
        },
    );

    let mut world = World {
        settings,
        orgs,
        users,
        clients,
        grant_codes: HashMap::new(),
        refresh_tokens: HashMap::new(),
        access_tokens: HashMap::new(),
        page_tokens: HashMap::new(),
        faults: vec![],
        next_fault: 0,
        next_tag: 0,
    };
    seed_records(&mut world);
    for org in world.orgs.values_mut() {
        crate::blueprint::seed(org);
    }
    world
}

/// Checks a new user's email and last name, and that no user has the email yet.
fn check_user(world: &World, email: &str, last: &str) -> Result<(), String> {
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.split('.').filter(|part| !part.is_empty()).count() >= 2
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.contains(char::is_whitespace)
    });
    if !valid {
        return Err(format!(
            "email `{email}`: expected an address such as ann@example.com"
        ));
    }
    if last.trim().is_empty() {
        return Err("last_name is required (not blank)".into());
    }
    if world.user_by_key(email).is_some() {
        return Err(format!("a user with email `{email}` exists"));
    }
    Ok(())
}

/// Adds an org with its first user, an admin, to a running world (the admin API's
/// `POST /orgs`): ids follow the seed's scheme, with the next free 7-digit prefix and, unless
/// given, the next free zgid from 60100000. Everything is checked before anything is added.
/// Returns the org id.
pub(crate) fn add_org(
    world: &mut World,
    seed: &Seed,
    name: &str,
    zgid: Option<&str>,
    admin: (&str, &str, &str),
) -> Result<String, String> {
    if let Some(z) = zgid {
        if z.is_empty() || z.len() > 18 || !z.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("zgid `{z}`: expected 1 to 18 digits"));
        }
        if world.orgs.values().any(|o| o.zgid == z) {
            return Err(format!("an org with zgid `{z}` exists"));
        }
    }
    check_user(world, admin.0, admin.2)?;
    let zgid = match zgid {
        Some(z) => z.to_string(),
        None => (60_100_000u64..)
            .map(|n| n.to_string())
            .find(|z| !world.orgs.values().any(|o| &o.zgid == z))
            .expect("a free zgid"),
    };
    let prefix = (5_000_001u64..)
        .map(|n| n.to_string())
        .find(|p| !world.orgs.values().any(|o| &o.id_prefix == p))
        .expect("a free id prefix");
    let id = format!("{prefix}000000225001");
    // The domain name is unique and never all digits (it would read as a zgid).
    let base: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let base = if base.is_empty() || base.bytes().all(|b| b.is_ascii_digit()) {
        format!("org{zgid}")
    } else {
        base
    };
    let domain = std::iter::once(base.clone())
        .chain((2u32..).map(|n| format!("{base}{n}")))
        .find(|d| {
            !world
                .orgs
                .values()
                .any(|o| o.domain_name.eq_ignore_ascii_case(d))
        })
        .expect("a free domain name");
    let mut org = org(&id, &zgid, &prefix, name, &domain, admin.0, seed);
    crate::blueprint::seed(&mut org);
    world.orgs.insert(id.clone(), org);
    add_user(world, &id, admin.0, admin.1, admin.2, true)?;
    Ok(id)
}

/// Adds a user to an org (the admin API's `POST /orgs/{org}/users`); returns the user. Its id
/// and zuid are the next ones no user has, in any org.
pub(crate) fn add_user(
    world: &mut World,
    org_id: &str,
    email: &str,
    first: &str,
    last: &str,
    admin: bool,
) -> Result<User, String> {
    check_user(world, email, last)?;
    let org = &world.orgs[org_id];
    let id = (411_001u64..)
        .map(|n| format!("{}000000{n:06}", org.id_prefix))
        .find(|id| !world.users.contains_key(id))
        .expect("a free user id");
    let zuid = (0u64..)
        .map(|n| format!("7{}{n:02}", org.zgid))
        .find(|z| !world.users.values().any(|u| &u.zuid == z))
        .expect("a free zuid");
    let user = User {
        id,
        zuid,
        org_id: org_id.to_string(),
        email: email.to_string(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        admin,
    };
    world.users.insert(user.id.clone(), user.clone());
    Ok(user)
}

fn seed_records(world: &mut World) {
    let samples: [(&str, &str, Value); 7] = [
        (
            "60012345",
            "Accounts",
            json!({"Account_Name": "Zylker Inc.", "Industry": "Large Enterprise", "Phone": "+1 555 0100"}),
        ),
        (
            "60012345",
            "Leads",
            json!({"First_Name": "John", "Last_Name": "Doe", "Company": "Doe & Sons", "Email": "john.doe@example.com", "Lead_Status": "Contacted", "Lead_Source": "Web Download", "Annual_Revenue": 250000.0}),
        ),
        (
            "60012345",
            "Leads",
            json!({"First_Name": "Maria", "Last_Name": "Garcia", "Company": "Garcia Imports", "Email": "maria@garcia.example", "Lead_Status": "Not Contacted", "Rating": "ShutDown"}),
        ),
        (
            "60012345",
            "Leads",
            json!({"First_Name": "Kenji", "Last_Name": "Tanaka", "Company": "Tanaka KK", "Email": "kenji@tanaka.example", "Lead_Status": "Pre-Qualified", "Industry": "Network Equipment (Enterprise)"}),
        ),
        (
            "60054321",
            "Accounts",
            json!({"Account_Name": "Acme Ltd.", "Industry": "Systems Integrator"}),
        ),
        (
            "60054321",
            "Leads",
            json!({"First_Name": "Wile", "Last_Name": "Coyote", "Company": "Desert Traps", "Email": "wile@desert.example", "Lead_Status": "Attempted to Contact"}),
        ),
        (
            "60054321",
            "Leads",
            json!({"First_Name": "Road", "Last_Name": "Runner", "Company": "Beep Beep Co", "Email": "road@runner.example", "Lead_Status": "Contacted"}),
        ),
    ];
    for (zgid, module, fields) in samples {
        let org_id = world.org_key(zgid).expect("seeded org");
        let owner = world
            .users
            .values()
            .find(|u| u.org_id == org_id && u.admin)
            .cloned()
            .expect("seeded admin");
        let org = world.orgs.get_mut(&org_id).expect("seeded org");
        let data = fields.as_object().cloned().unwrap_or_default();
        crate::store::insert(org, module, data, &owner, crate::clock::now());
    }
}
