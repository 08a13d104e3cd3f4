//! Downloading an org's metadata with zcrm-core (feature `cli`): the API-supported modules
//! (`GET /settings/modules`) and each one's fields (`GET /settings/fields?module=`), written in
//! the layout [`crate::metadata::load`] reads (`modules.json`, `fields/<Module>.json`).

use crate::Error;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, OAuthToken};

/// An org's metadata, held in memory until it is checked and written whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// `{"modules": [...]}`: the API-supported modules, sorted by API name.
    pub modules: Value,
    /// `{"fields": [...]}` of each module, by API name.
    pub fields: BTreeMap<String, Value>,
}

/// Why fetching the metadata failed: a call that failed, or an answer not of the shape Zoho
/// documents (say, no content, which a token without `ZohoCRM.settings.ALL` can get).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// A call failed (the message tells the whole cause chain).
    #[error("{call}: {}", source.report())]
    Api {
        /// The call (`GET /settings/fields?module=Leads`).
        call: String,
        /// What zcrm-core reported.
        #[source]
        source: zcrm_core::Error,
    },
    /// An answer that cannot be the org's metadata.
    #[error("{call}: {message}")]
    Shape {
        /// The call.
        call: String,
        /// What is wrong with its answer.
        message: String,
    },
}

/// Keys of module and field objects that name people (who last changed them, which profiles
/// see them): left out of the written metadata, which is often committed.
const PERSONAL_KEYS: [&str; 3] = ["created_by", "modified_by", "profiles"];

fn without_personal_keys(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in PERSONAL_KEYS {
            o.remove(k);
        }
    }
    v
}

/// Fetches the metadata of every API-supported module. Nothing is written. An answer without
/// modules, a module without an API name or a fields answer without `fields` is an error: an
/// org always has modules, so an empty answer is never taken as "no modules".
pub async fn fetch(client: &Client) -> Result<Metadata, FetchError> {
    let call = "GET /settings/modules".to_string();
    let shape = |call: &str, message: &str| FetchError::Shape {
        call: call.to_string(),
        message: message.to_string(),
    };
    let modules = match client.get_json("/settings/modules", &[]).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return Err(shape(
                &call,
                "no content (does the token have the scope ZohoCRM.settings.ALL?)",
            ))
        }
        Err(source) => return Err(FetchError::Api { call, source }),
    };
    let Some(all) = modules["modules"].as_array() else {
        return Err(shape(&call, "the answer has no `modules` array"));
    };
    let mut list = vec![];
    for (i, m) in all.iter().enumerate() {
        if m["api_name"].as_str().is_none_or(str::is_empty) {
            return Err(shape(&call, &format!("module {i} has no api_name")));
        }
        if m["api_supported"] == true {
            list.push(without_personal_keys(m.clone()));
        }
    }
    if list.is_empty() {
        return Err(shape(&call, "no module is api_supported"));
    }
    list.sort_by(|a, b| a["api_name"].as_str().cmp(&b["api_name"].as_str()));
    let mut fields = BTreeMap::new();
    for m in &list {
        let name = m["api_name"].as_str().unwrap_or_default();
        let call = format!("GET /settings/fields?module={name}");
        let got = match client
            .get_json("/settings/fields", &[("module", name)])
            .await
        {
            Ok(Some(v)) => v,
            Ok(None) => return Err(shape(&call, "no content")),
            Err(source) => return Err(FetchError::Api { call, source }),
        };
        let Some(list) = got["fields"].as_array() else {
            return Err(shape(&call, "the answer has no `fields` array"));
        };
        let list: Vec<Value> = list.iter().cloned().map(without_personal_keys).collect();
        fields.insert(name.to_string(), json!({ "fields": list }));
    }
    Ok(Metadata {
        modules: json!({ "modules": list }),
        fields,
    })
}

impl Metadata {
    /// The files as written: (path below the metadata directory, text).
    fn files(&self, dir: &Path) -> Result<Vec<(PathBuf, String)>, Error> {
        let mut files = vec![(PathBuf::from("modules.json"), pretty(&self.modules))];
        for (name, fields) in &self.fields {
            let plain = !name.is_empty()
                && !name.starts_with('.')
                && !name
                    .chars()
                    .any(|c| c.is_control() || "<>:\"/\\|?*".contains(c));
            if !plain {
                return Err(Error::Spec {
                    path: dir.join("modules.json"),
                    pointer: String::new(),
                    message: format!(
                        "the module API name `{name}` cannot be a file name (no path separators, control characters, any of <>:\"|?* or a leading `.`)"
                    ),
                });
            }
            files.push((PathBuf::from(format!("fields/{name}.json")), pretty(fields)));
        }
        Ok(files)
    }

    /// The modules, checked as code generation reads them from disk (names that clash, fields
    /// of the wrong type, ...), before anything is written.
    pub fn parse(&self, dir: &Path) -> Result<Vec<crate::metadata::Module>, Error> {
        let files: BTreeMap<PathBuf, String> = self.files(dir)?.into_iter().collect();
        crate::metadata::parse(dir, &files[Path::new("modules.json")], |path| {
            path.strip_prefix(dir)
                .ok()
                .and_then(|p| files.get(p))
                .cloned()
                .ok_or_else(|| Error::Spec {
                    path: path.to_path_buf(),
                    pointer: String::new(),
                    message: "listed in modules.json but not fetched".into(),
                })
        })
    }

    /// Writes `modules.json` and `fields/<Module>.json` as the directory `dir`, whole: into a
    /// new directory beside it, which then takes its place, so `dir` holds either the old
    /// metadata or the new, never a mix. Returns the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let files = self.files(dir)?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "specs".into());
        let parent = dir.parent().unwrap_or(Path::new("."));
        let fresh = parent.join(format!(".{name}.new-{}", std::process::id()));
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&fresh);
        let written = (|| {
            std::fs::create_dir_all(fresh.join("fields")).map_err(io(&fresh))?;
            for (rel, text) in &files {
                let p = fresh.join(rel);
                std::fs::write(&p, text).map_err(io(&p))?;
            }
            if dir.exists() {
                std::fs::rename(dir, &old).map_err(io(dir))?;
            }
            std::fs::rename(&fresh, dir).map_err(io(dir))
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&fresh);
            if old.exists() && !dir.exists() {
                let _ = std::fs::rename(&old, dir);
            }
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(files.into_iter().map(|(rel, _)| dir.join(rel)).collect())
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
                                       by this run) with the scopes ZohoCRM.settings.ALL,
                                       ZohoCRM.users.READ and ZohoCRM.org.READ
  ZOHO_DC                              us, eu, in, cn, au, jp, ca, sa or uk
  ZOHO_ENVIRONMENT                     production (default), sandbox or developer
  ZCRM_API_URL, ZCRM_ACCOUNTS_URL      instead of ZOHO_DC: explicit URLs (a proxy or an emulator)";

/// Signs in with zcrm-core from the environment ([`ENV_HELP`]); tokens are kept in memory only.
pub async fn client_from_env() -> Result<Client, String> {
    let env = match (var("ZCRM_API_URL"), var("ZCRM_ACCOUNTS_URL")) {
        (Some(api), Some(accounts)) => ApiEnvironment::custom(&api, &accounts, &api),
        (Some(_), None) | (None, Some(_)) => {
            return Err(
                "set both ZCRM_API_URL and ZCRM_ACCOUNTS_URL (or neither, and ZOHO_DC)".into(),
            )
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
        .map_err(|e| format!("signing in: {}", e.report()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_name_that_is_a_path_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("zcrm-fetch-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for bad in ["../escape", "a/b", ".hidden", "", "CON:", "a*b"] {
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
        assert_eq!(
            done,
            [dir.join("modules.json"), dir.join("fields/Leads.json")]
        );
        assert!(!dir.join("fields/Old.json").exists() && dir.join("fields/Leads.json").is_file());
        let leftovers = std::fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".zcrm-fetch-stale-")
            })
            .count();
        assert_eq!(leftovers, 0, "no temporary directory is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
