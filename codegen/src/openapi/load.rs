//! Reading a directory of OpenAPI 3.0 JSON files as Zoho writes them: `$ref`s are local
//! (`#/components/...`) or absolute URLs naming a sibling file (`https://…/v8.0/users.json#/…`).

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
    /// Reads every `*.json` of `dir` that is an OpenAPI document (has `openapi` and `paths` or
    /// `components`); other JSON files are left alone.
    pub fn load(dir: &Path) -> Result<Specs, Error> {
        let mut files = BTreeMap::new();
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let doc: Value = serde_json::from_str(&text).map_err(|e| Error::Spec {
                path: path.clone(),
                pointer: String::new(),
                message: e.to_string(),
            })?;
            if doc.get("openapi").is_none() {
                continue;
            }
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            files.insert(name, doc);
        }
        Ok(Specs {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// Splits a `$ref` seen in `file` into (target file, JSON pointer).
    pub fn target(&self, file: &str, r: &str) -> Result<(String, String), Error> {
        let (loc, pointer) = r.split_once('#').unwrap_or((r, ""));
        let target = if loc.is_empty() {
            file.to_string()
        } else {
            loc.rsplit('/').next().unwrap_or(loc).to_string()
        };
        if !self.files.contains_key(&target) {
            return Err(self.err(
                file,
                "",
                format!("$ref `{r}` names `{target}`, which is not in the spec directory"),
            ));
        }
        Ok((target, pointer.to_string()))
    }

    /// The value a `$ref` points at.
    pub fn resolve(&self, file: &str, r: &str) -> Result<(String, &Value), Error> {
        let (target, pointer) = self.target(file, r)?;
        let v = self.files[&target]
            .pointer(&pointer)
            .ok_or_else(|| self.err(file, "", format!("$ref `{r}` points at nothing")))?;
        Ok((target, v))
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
