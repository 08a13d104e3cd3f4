//! Reading a directory of OpenAPI 3.0 JSON files as Zoho writes them: `$ref`s are local
//! (`#/components/...`) or absolute URLs naming a sibling file (`https://…/v8.0/users.json#/…`).
//!
//! Reading fails closed: a file that is not JSON, an OpenAPI document whose structure is not
//! what the generator reads (a `paths` that is not an object, a `$ref` that is not a string, ...),
//! or two files that would become the same Rust module are errors naming the file and the JSON
//! pointer, never a document or a part of one silently left out.

use super::validate;
use crate::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every spec file of a directory, by file name.
#[derive(Debug, Clone)]
pub struct Specs {
    /// The directory.
    pub dir: PathBuf,
    /// File name (`users.json`) -> document.
    pub files: BTreeMap<String, Value>,
}

impl Specs {
    /// Reads every `*.json` of `dir` that is an OpenAPI document (has an `openapi` key); other
    /// JSON files (such as `modules.json` of a field-metadata directory) are left alone. A file
    /// that is not valid JSON is an error, whatever it holds.
    pub fn load(dir: &Path) -> Result<Specs, Error> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths = vec![];
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut texts = vec![];
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            texts.push((name, text));
        }
        Specs::from_texts(dir, texts)
    }

    /// Reads documents given as (file name, text), as if they were the files of `dir`.
    pub fn from_texts(dir: &Path, texts: Vec<(String, String)>) -> Result<Specs, Error> {
        let mut specs = Specs {
            dir: dir.to_path_buf(),
            files: BTreeMap::new(),
        };
        let mut modules: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in texts {
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| specs.err(&name, "", format!("not valid JSON: {e}")))?;
            if doc.get("openapi").is_none() {
                continue;
            }
            validate::document(&specs, &name, &doc)?;
            let module = super::emit::module_of(&name);
            if let Some(other) = modules.insert(module.clone(), name.clone()) {
                return Err(specs.err(
                    &name,
                    "",
                    format!(
                        "`{name}` and `{other}` would both become the Rust module `{module}`; \
                         rename one (file names must differ in more than case and punctuation)"
                    ),
                ));
            }
            specs.files.insert(name, doc);
        }
        Ok(specs)
    }

    /// Splits a `$ref` seen in `file` at JSON pointer `at` into (target file, JSON pointer).
    pub fn target(&self, file: &str, at: &str, r: &str) -> Result<(String, String), Error> {
        let (loc, pointer) = r.split_once('#').unwrap_or((r, ""));
        let target = if loc.is_empty() {
            file.to_string()
        } else {
            loc.rsplit('/').next().unwrap_or(loc).to_string()
        };
        if !self.files.contains_key(&target) {
            return Err(self.err(
                file,
                &format!("{at}/$ref"),
                format!("$ref `{r}` names `{target}`, which is not in the spec directory"),
            ));
        }
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(self.err(
                file,
                &format!("{at}/$ref"),
                format!("$ref `{r}`: the part after `#` must be empty or a JSON pointer starting with `/`"),
            ));
        }
        Ok((target, pointer.to_string()))
    }

    /// The value a `$ref` (at JSON pointer `at` of `file`) points at: (file, pointer, value).
    pub fn resolve(
        &self,
        file: &str,
        at: &str,
        r: &str,
    ) -> Result<(String, String, &Value), Error> {
        let (target, pointer) = self.target(file, at, r)?;
        let v = self
            .files
            .get(&target)
            .and_then(|d| d.pointer(&pointer))
            .ok_or_else(|| {
                self.err(
                    file,
                    &format!("{at}/$ref"),
                    format!("$ref `{r}` points at nothing"),
                )
            })?;
        Ok((target, pointer, v))
    }

    /// An error naming the file and JSON pointer.
    pub fn err(&self, file: &str, pointer: &str, message: String) -> Error {
        Error::Spec {
            path: self.dir.join(file),
            pointer: pointer.to_string(),
            message,
        }
    }
}

/// A JSON pointer token: `~` and `/` escaped.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
