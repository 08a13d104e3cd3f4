//! `cargo xtask fetch-metadata --out DIR`: downloads an org's modules and the field metadata of
//! every API-supported module with zcrm-core, in the layout `cargo xtask codegen --spec-dir`
//! reads (`modules.json`, `fields/<Module>.json`).
//!
//! Credentials come from the environment: `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, and
//! `ZOHO_REFRESH_TOKEN` or `ZOHO_GRANT_TOKEN`; the org from `ZOHO_DC` (`us`, `eu`, ...) with
//! optional `ZOHO_ENVIRONMENT` (`production`, `sandbox`, `developer`), or from explicit
//! `ZCRM_API_URL` and `ZCRM_ACCOUNTS_URL` (an emulator or a proxy).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, OAuthToken};

/// Writes `modules.json` and `fields/<Module>.json` under `out`; returns the number of modules.
pub async fn fetch(client: &Client, out: &Path) -> Result<usize, String> {
    let modules = client
        .get_json("/settings/modules", &[])
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(json!({"modules": []}));
    let mut list: Vec<Value> = modules["modules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["api_supported"] == true)
        .collect();
    list.sort_by(|a, b| a["api_name"].as_str().cmp(&b["api_name"].as_str()));
    std::fs::create_dir_all(out.join("fields")).map_err(|e| format!("{}: {e}", out.display()))?;
    for m in &list {
        let name = m["api_name"].as_str().ok_or("a module without api_name")?;
        let fields = client
            .get_json("/settings/fields", &[("module", name)])
            .await
            .map_err(|e| format!("fields of {name}: {e}"))?
            .unwrap_or(json!({"fields": []}));
        write_json(
            &out.join("fields").join(format!("{name}.json")),
            &json!({"fields": fields["fields"]}),
        )?;
    }
    write_json(&out.join("modules.json"), &json!({ "modules": list }))?;
    Ok(list.len())
}

fn write_json(path: &Path, v: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn client_from_env() -> Result<Client, String> {
    let env = match (var("ZCRM_API_URL"), var("ZCRM_ACCOUNTS_URL")) {
        (Some(api), Some(accounts)) => ApiEnvironment::custom(&api, &accounts, &api),
        _ => {
            let dc: DataCenter = var("ZOHO_DC").ok_or("set ZOHO_DC (us, eu, in, cn, au, jp, ca, sa, uk) or ZCRM_API_URL and ZCRM_ACCOUNTS_URL")?.parse().map_err(|e: zcrm_core::environment::UnknownDataCenter| e.to_string())?;
            let kind = match var("ZOHO_ENVIRONMENT").as_deref().unwrap_or("production") {
                "production" => Environment::Production,
                "sandbox" => Environment::Sandbox,
                "developer" => Environment::Developer,
                other => {
                    return Err(format!(
                        "ZOHO_ENVIRONMENT `{other}`: expected production, sandbox or developer"
                    ))
                }
            };
            dc.environment(kind)
        }
    };
    let mut token = OAuthToken::builder()
        .client_id(var("ZOHO_CLIENT_ID").unwrap_or_default())
        .client_secret(var("ZOHO_CLIENT_SECRET").unwrap_or_default());
    token = match (var("ZOHO_REFRESH_TOKEN"), var("ZOHO_GRANT_TOKEN")) {
        (Some(r), _) => token.refresh_token(r),
        (None, Some(g)) => token.grant_token(g),
        (None, None) => return Err("set ZOHO_REFRESH_TOKEN or ZOHO_GRANT_TOKEN".into()),
    };
    let token = token.build().map_err(|e| e.to_string())?;
    Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(env)
        .token(token)
        .build()
        .await
        .map_err(|e| e.to_string())
}

/// The command.
pub fn main(args: &[String]) -> ExitCode {
    let out = match args {
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: cargo xtask fetch-metadata --out DIR");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(async { fetch(&client_from_env().await?, &out).await }) {
        Ok(n) => {
            println!("wrote the metadata of {n} modules to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fetch-metadata: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

    /// A custom field added in the org becomes a typed field after fetch-metadata + codegen.
    #[tokio::test]
    async fn fetched_custom_fields_become_typed() {
        let emu = Emulator::start().await.unwrap();
        reqwest::Client::new()
            .post(format!("{}/orgs/60012345/fields/Leads", emu.admin_url))
            .json(&json!({"api_name": "Loyalty_Tier", "data_type": "picklist", "pick_list_values": ["Gold", "Silver"]}))
            .send()
            .await
            .unwrap();
        let code = emu
            .mint_grant_code(
                "patricia.boyle@zylker.example",
                &[
                    "ZohoCRM.settings.ALL",
                    "ZohoCRM.users.READ",
                    "ZohoCRM.org.READ",
                ],
            )
            .unwrap();
        let token = OAuthToken::builder()
            .client_id(SELF_CLIENT_ID)
            .client_secret(SELF_CLIENT_SECRET)
            .grant_token(code)
            .build()
            .unwrap();
        let env = ApiEnvironment::custom(&emu.api_url, &emu.accounts_url, &emu.api_url);
        let client = Client::builder()
            .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
            .environment(env)
            .token(token)
            .build()
            .await
            .unwrap();
        let dir = std::env::temp_dir().join(format!("zcrm-fetch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let n = fetch(&client, &dir).await.unwrap();
        assert_eq!(n, 24);
        // As the README says: the org's fields, the project's API groups.
        let files =
            zcrm_codegen::generate_from(&dir, &crate::root().join("specs/openapi")).unwrap();
        assert!(files.iter().any(|f| f.path.ends_with("api/users.rs")));
        let leads = &files
            .iter()
            .find(|f| f.path.ends_with("leads.rs"))
            .unwrap()
            .contents;
        assert!(
            leads.contains("pub loyalty_tier: Option<LoyaltyTier>"),
            "the custom field is typed"
        );
        assert!(leads.contains("pub enum LoyaltyTier"));
        // Without the custom field, the committed metadata generates the committed crate.
        let committed = zcrm_codegen::generate(&crate::root().join("specs")).unwrap();
        let committed_leads = &committed
            .iter()
            .find(|f| f.path.ends_with("leads.rs"))
            .unwrap()
            .contents;
        assert!(!committed_leads.contains("loyalty_tier"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
