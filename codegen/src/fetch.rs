//! Downloading an org's metadata with zcrm-core (feature `cli`): the API-supported modules
//! (`GET /settings/modules`) and each one's fields (`GET /settings/fields?module=`), written in
//! the layout [`crate::metadata::load`] reads (`modules.json`, `fields/<Module>.json`).

use crate::Error;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, OAuthToken};

/// An org's metadata, held in memory until it is written whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// `{"modules": [...]}`: the API-supported modules, sorted by API name.
    pub modules: Value,
    /// `{"fields": [...]}` of each module, by API name.
    pub fields: BTreeMap<String, Value>,
}

/// Fetches the metadata of every API-supported module. Nothing is written.
pub async fn fetch(client: &Client) -> Result<Metadata, zcrm_core::Error> {
    let modules = client
        .get_json("/settings/modules", &[])
        .await?
        .unwrap_or(json!({"modules": []}));
    let mut list: Vec<Value> = modules["modules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["api_supported"] == true && m["api_name"].is_string())
        .collect();
    list.sort_by(|a, b| a["api_name"].as_str().cmp(&b["api_name"].as_str()));
    let mut fields = BTreeMap::new();
    for m in &list {
        let name = m["api_name"].as_str().unwrap_or_default();
        let got = client
            .get_json("/settings/fields", &[("module", name)])
            .await?
            .unwrap_or(json!({"fields": []}));
        fields.insert(name.to_string(), json!({"fields": got["fields"]}));
    }
    Ok(Metadata {
        modules: json!({ "modules": list }),
        fields,
    })
}

impl Metadata {
    /// Writes `modules.json` and `fields/<Module>.json` under `dir`, each file through a
    /// temporary file and a rename, and removes field files of modules no longer listed. A
    /// module API name that is not a plain file name is refused before anything is written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let fields_dir = dir.join("fields");
        let mut files = vec![];
        for (name, fields) in &self.fields {
            if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\', ':', '\0']) {
                return Err(Error::Spec {
                    path: dir.join("modules.json"),
                    pointer: String::new(),
                    message: format!(
                        "the module API name `{name}` cannot be a file name (no path separators, `:` or leading `.`)"
                    ),
                });
            }
            files.push((fields_dir.join(format!("{name}.json")), pretty(fields)));
        }
        files.push((dir.join("modules.json"), pretty(&self.modules)));
        let mut done = vec![];
        for (path, text) in files {
            crate::output::write_atomically(&path, &text).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            done.push(path);
        }
        if let Ok(entries) = std::fs::read_dir(&fields_dir) {
            let mut stale: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json") && !done.contains(p))
                .collect();
            stale.sort();
            for p in stale {
                std::fs::remove_file(&p).map_err(|source| Error::Io {
                    path: p.clone(),
                    source,
                })?;
                done.push(p);
            }
        }
        Ok(done)
    }
}

fn pretty(v: &Value) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    text.push('\n');
    text
}

/// Reads a variable, ignoring it when empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The variables [`client_from_env`] reads, with what each holds.
pub const ENV_HELP: &str = "\
  ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET   the OAuth client (a self client from the API console)
  ZOHO_REFRESH_TOKEN                   a refresh token (or ZOHO_GRANT_TOKEN: a grant code, spent
                                       by this run) with the scope ZohoCRM.settings.ALL
  ZOHO_DC                              us, eu, in, cn, au, jp, ca, sa or uk
  ZOHO_ENVIRONMENT                     production (default), sandbox or developer
  ZCRM_API_URL, ZCRM_ACCOUNTS_URL      instead of ZOHO_DC: explicit URLs (a proxy or an emulator)";

/// Signs in with zcrm-core from the environment ([`ENV_HELP`]); tokens are kept in memory only.
pub async fn client_from_env() -> Result<Client, String> {
    let env = match (var("ZCRM_API_URL"), var("ZCRM_ACCOUNTS_URL")) {
        (Some(api), Some(accounts)) => ApiEnvironment::custom(&api, &accounts, &api),
        (Some(_), None) | (None, Some(_)) => {
            return Err("set both ZCRM_API_URL and ZCRM_ACCOUNTS_URL, or ZOHO_DC".into())
        }
        (None, None) => {
            let dc: DataCenter = var("ZOHO_DC")
                .ok_or("set ZOHO_DC (us, eu, in, cn, au, jp, ca, sa, uk), or ZCRM_API_URL and ZCRM_ACCOUNTS_URL")?
                .parse()
                .map_err(|e: zcrm_core::environment::UnknownDataCenter| e.to_string())?;
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
    let token = OAuthToken::builder()
        .client_id(var("ZOHO_CLIENT_ID").ok_or("set ZOHO_CLIENT_ID")?)
        .client_secret(var("ZOHO_CLIENT_SECRET").ok_or("set ZOHO_CLIENT_SECRET")?);
    let token = match (var("ZOHO_REFRESH_TOKEN"), var("ZOHO_GRANT_TOKEN")) {
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
        .map_err(|e| format!("signing in: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_name_that_is_a_path_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("zcrm-fetch-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for bad in ["../escape", "a/b", ".hidden", ""] {
            let m = Metadata {
                modules: json!({"modules": []}),
                fields: BTreeMap::from([
                    ("Leads".to_string(), json!({"fields": []})),
                    (bad.to_string(), json!({"fields": []})),
                ]),
            };
            let e = m.write(&dir).unwrap_err().to_string();
            assert!(e.contains("cannot be a file name"), "{e}");
            assert!(!dir.exists(), "nothing written for `{bad}`");
        }
    }

    #[test]
    fn writing_again_removes_modules_no_longer_listed() {
        let dir = std::env::temp_dir().join(format!("zcrm-fetch-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let with = |names: &[&str]| Metadata {
            modules: json!({"modules": names}),
            fields: names
                .iter()
                .map(|n| (n.to_string(), json!({"fields": []})))
                .collect(),
        };
        with(&["Leads", "Old"]).write(&dir).unwrap();
        assert!(dir.join("fields/Old.json").is_file());
        let done = with(&["Leads"]).write(&dir).unwrap();
        assert!(done.contains(&dir.join("fields/Old.json")));
        assert!(!dir.join("fields/Old.json").exists() && dir.join("fields/Leads.json").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
