//! Writing a generated crate to disk: what changes, the manifest's `[features]` table, and
//! writes that never leave a half-written file.
//!
//! [`plan`] works out everything in memory first (a new crate's scaffold, the generated files,
//! the manifest with its features, the generated files no longer produced); [`Plan::apply`]
//! writes. When planning fails, nothing is written or removed.

use crate::{scaffold, Error, Output};
use std::path::{Path, PathBuf};

/// What writing a generated crate into a directory would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The crate directory.
    pub out: PathBuf,
    /// Files whose contents differ from what is on disk (or that do not exist yet).
    pub write: Vec<(PathBuf, String)>,
    /// Generated files on disk that the generator no longer produces.
    pub remove: Vec<PathBuf>,
    /// Files already as generated.
    pub unchanged: usize,
    /// Whether `out` holds no crate yet (its manifest and `lib.rs` come from the scaffold).
    pub creates_crate: bool,
}

impl Plan {
    /// True when the crate on disk is exactly what the generator produces.
    pub fn is_up_to_date(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
    }

    /// The paths that are stale: to be written or removed.
    pub fn stale(&self) -> impl Iterator<Item = &Path> {
        self.write
            .iter()
            .map(|(p, _)| p.as_path())
            .chain(self.remove.iter().map(PathBuf::as_path))
    }

    /// Writes and removes, each file through a temporary file and a rename. Returns the paths
    /// written and removed, in order.
    pub fn apply(&self) -> Result<Vec<PathBuf>, Error> {
        let mut done = vec![];
        for (path, contents) in &self.write {
            write_atomically(path, contents).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            done.push(path.clone());
        }
        for path in &self.remove {
            std::fs::remove_file(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            done.push(path.clone());
        }
        Ok(done)
    }
}

/// Plans writing `generated` into the crate at `out`. A directory without `Cargo.toml` gets a
/// new crate from [`scaffold::new_crate`] with `options`; an existing crate keeps its manifest
/// (only its `[features]` table is replaced) and its hand-written files.
pub fn plan(out: &Path, generated: Output, options: &scaffold::NewCrate) -> Result<Plan, Error> {
    let manifest_path = out.join("Cargo.toml");
    let creates_crate = !manifest_path.is_file();
    let mut files: Vec<(PathBuf, String)> = vec![];
    let manifest = if creates_crate {
        let scaffold = scaffold::new_crate(out, options)?;
        files.push((out.join("src/lib.rs"), scaffold.lib_rs));
        scaffold.manifest
    } else {
        std::fs::read_to_string(&manifest_path).map_err(|source| Error::Io {
            path: manifest_path.clone(),
            source,
        })?
    };
    files.extend(
        generated
            .files
            .into_iter()
            .map(|f| (out.join(&f.path), f.contents)),
    );
    let manifest =
        with_features(&manifest, &generated.features).map_err(|message| Error::Spec {
            path: manifest_path.clone(),
            pointer: String::new(),
            message,
        })?;
    files.push((manifest_path, manifest));
    let mut remove = vec![];
    for generated_dir in [out.join("src/generated"), out.join("src/generated/api")] {
        let Ok(entries) = std::fs::read_dir(&generated_dir) else {
            continue;
        };
        let mut old: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "rs") && !files.iter().any(|(f, _)| f == p)
            })
            .collect();
        old.sort();
        remove.extend(old);
    }
    let total = files.len();
    let write: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter(|(path, contents)| {
            std::fs::read_to_string(path).ok().as_deref() != Some(contents.as_str())
        })
        .collect();
    Ok(Plan {
        out: out.to_path_buf(),
        unchanged: total - write.len(),
        write,
        remove,
        creates_crate,
    })
}

/// Replaces the `[features]` table of a Cargo.toml (edited with toml_edit, so everything else,
/// comments and layout included, stays as it is), or appends one.
pub fn with_features(manifest: &str, features: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = manifest
        .parse()
        .map_err(|e| format!("the Cargo.toml does not read as TOML: {e}"))?;
    let generated: toml_edit::DocumentMut = features
        .parse()
        .map_err(|e| format!("the generated [features] table does not read as TOML: {e}"))?;
    let Some(toml_edit::Item::Table(mut table)) = generated.get("features").cloned() else {
        return Err("the generated features hold no [features] table".into());
    };
    match doc.get_mut("features") {
        Some(toml_edit::Item::Table(old)) => {
            table.decor_mut().clone_from(old.decor());
            table.set_position(old.position());
            *old = table;
        }
        _ => {
            table.decor_mut().set_prefix("\n");
            doc.insert("features", toml_edit::Item::Table(table));
        }
    }
    Ok(doc.to_string())
}

/// Writes a file through a temporary file in the same directory and a rename, so a reader
/// (or an interrupted run) never sees half a file.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("codegen-{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents)
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn features_table_is_replaced_in_place() {
        let m = "[package]\nname = \"x\"\n\n[features]\nold = []\n\n[dependencies]\na = \"1\"\n";
        let out = super::with_features(m, "[features]\nnew = []\n").unwrap();
        assert_eq!(
            out,
            "[package]\nname = \"x\"\n\n[features]\nnew = []\n\n[dependencies]\na = \"1\"\n"
        );
        let out =
            super::with_features("[package]\nname = \"x\"\n", "[features]\nnew = []\n").unwrap();
        assert_eq!(out, "[package]\nname = \"x\"\n\n[features]\nnew = []\n");
        assert!(super::with_features("[package", "[features]\n").is_err());
    }
}
