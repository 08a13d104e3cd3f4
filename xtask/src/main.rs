//! Project automation. `cargo xtask codegen` regenerates `zcrm-modules` from `specs/`;
//! `cargo xtask codegen --check` fails, listing the stale files, when the committed output differs.

mod fetch;
mod spec_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask codegen [--check] [--spec-dir DIR] [--fields-dir DIR] [--out DIR]"
    );
    eprintln!("       (--spec-dir: modules.json, fields/ and openapi/; --fields-dir: field metadata only, e.g. from fetch-metadata)");
    eprintln!("       cargo xtask fetch-metadata --out DIR   (credentials from ZOHO_* variables; see README)");
    eprintln!("       cargo xtask spec-diff OLD_DIR NEW_DIR");
    ExitCode::from(2)
}

/// Replaces the `[features]` table of a Cargo.toml (up to the next table or the end).
fn with_features(manifest: &str, features: &str) -> String {
    let start = manifest.find("\n[features]\n").map(|i| i + 1);
    match start {
        Some(s) => {
            let rest = &manifest[s + "[features]\n".len()..];
            let end = rest
                .find("\n[")
                .map(|i| s + "[features]\n".len() + i + 1)
                .unwrap_or(manifest.len());
            format!(
                "{}{}{}",
                &manifest[..s],
                features,
                if end < manifest.len() {
                    format!("\n{}", &manifest[end..])
                } else {
                    String::new()
                }
            )
        }
        None => format!("{}\n{}", manifest.trim_end(), format_args!("\n{features}")),
    }
}

fn codegen(args: &[String]) -> ExitCode {
    match run_codegen(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage) => usage(),
        Err(Failure::Failed) => ExitCode::FAILURE,
    }
}

/// Why a command did not succeed (what went wrong was printed).
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Usage,
    Failed,
}

fn run_codegen(args: &[String]) -> Result<(), Failure> {
    let mut check = false;
    let mut specs = root().join("specs");
    let mut fields_dir: Option<PathBuf> = None;
    let mut out = root().join("zcrm-modules");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec-dir" => match it.next() {
                Some(d) => specs = PathBuf::from(d),
                None => return Err(Failure::Usage),
            },
            "--fields-dir" => match it.next() {
                Some(d) => fields_dir = Some(PathBuf::from(d)),
                None => return Err(Failure::Usage),
            },
            "--out" => match it.next() {
                Some(d) => out = PathBuf::from(d),
                None => return Err(Failure::Usage),
            },
            _ => return Err(Failure::Usage),
        }
    }
    let fields_dir = fields_dir.unwrap_or_else(|| specs.clone());
    let (mut files, features) = match (
        zcrm_codegen::generate_from(&fields_dir, &specs.join("openapi")),
        zcrm_codegen::features_from(&fields_dir, &specs.join("openapi")),
    ) {
        (Ok(f), Ok(feat)) => (f, feat),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("codegen: {e}");
            return Err(Failure::Failed);
        }
    };
    let manifest_path = out.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    files.push(zcrm_codegen::GeneratedFile {
        path: PathBuf::from("Cargo.toml"),
        contents: with_features(&manifest, &features),
    });
    let mut stale = vec![];
    // Generated files no longer produced.
    let wanted: Vec<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    for generated_dir in [out.join("src/generated"), out.join("src/generated/api")] {
        let Ok(entries) = std::fs::read_dir(&generated_dir) else {
            continue;
        };
        let mut old: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs") && !wanted.contains(p))
            .collect();
        old.sort();
        for p in old {
            if check {
                stale.push(p);
            } else if std::fs::remove_file(&p).is_ok() {
                println!("removed {}", p.display());
            }
        }
    }
    for f in &files {
        let path = out.join(&f.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        if check {
            stale.push(path);
            continue;
        }
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("codegen: {}: {e}", dir.display());
                return Err(Failure::Failed);
            }
        }
        if let Err(e) = std::fs::write(&path, &f.contents) {
            eprintln!("codegen: {}: {e}", path.display());
            return Err(Failure::Failed);
        }
        println!("wrote {}", path.display());
    }
    if !stale.is_empty() {
        eprintln!("generated code is stale; run `cargo xtask codegen` and commit:");
        for p in stale {
            eprintln!("  {}", p.display());
        }
        return Err(Failure::Failed);
    }
    if check {
        println!("generated code is up to date ({} files)", files.len());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("fetch-metadata") => fetch::main(&args[1..]),
        Some("spec-diff") => spec_diff::main(&args[1..]),
        _ => usage(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                copy_dir(&p, &to.join(e.file_name()));
            } else {
                std::fs::copy(&p, to.join(e.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn check_fails_after_a_spec_changes() {
        let tmp = std::env::temp_dir().join(format!("zcrm-xtask-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let specs = tmp.join("specs");
        copy_dir(&root().join("codegen/tests/fixtures/small"), &specs);
        let out = tmp.join("crate");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let args = |check: bool| {
            let mut a = vec![
                "--spec-dir".to_string(),
                specs.display().to_string(),
                "--out".into(),
                out.display().to_string(),
            ];
            if check {
                a.push("--check".into());
            }
            a
        };
        assert_eq!(
            run_codegen(&args(true)),
            Err(Failure::Failed),
            "nothing generated yet"
        );
        run_codegen(&args(false)).unwrap();
        let first = std::fs::read_to_string(out.join("src/generated/widgets.rs")).unwrap();
        run_codegen(&args(false)).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/generated/widgets.rs")).unwrap(),
            first,
            "generating twice gives the same files"
        );
        run_codegen(&args(true)).unwrap();
        let f = specs.join("fields/Widgets.json");
        std::fs::write(
            &f,
            std::fs::read_to_string(&f)
                .unwrap()
                .replace("Widget Name", "Widget Title"),
        )
        .unwrap();
        assert_eq!(
            run_codegen(&args(true)),
            Err(Failure::Failed),
            "a changed spec makes the check fail"
        );
        std::fs::remove_file(specs.join("fields/Widget_Parts.json")).unwrap();
        assert_eq!(
            run_codegen(&args(false)),
            Err(Failure::Failed),
            "a missing spec file is an error"
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn features_table_is_replaced_in_place() {
        let m = "[package]\nname = \"x\"\n\n[features]\nold = []\n\n[dependencies]\na = \"1\"\n";
        let out = super::with_features(m, "[features]\nnew = []\n");
        assert_eq!(
            out,
            "[package]\nname = \"x\"\n\n[features]\nnew = []\n\n[dependencies]\na = \"1\"\n"
        );
        let out = super::with_features("[package]\nname = \"x\"\n", "[features]\nnew = []\n");
        assert_eq!(out, "[package]\nname = \"x\"\n\n[features]\nnew = []\n");
    }
}
