//! Project automation. `cargo xtask codegen` regenerates `zcrm-modules` from `specs/`;
//! `cargo xtask codegen --check` fails, listing the stale files, when the committed output differs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask codegen [--check] [--spec-dir DIR] [--out DIR]");
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
    let mut check = false;
    let mut specs = root().join("specs");
    let mut out = root().join("zcrm-modules");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec-dir" | "--fields-dir" => match it.next() {
                Some(d) => specs = PathBuf::from(d),
                None => return usage(),
            },
            "--out" => match it.next() {
                Some(d) => out = PathBuf::from(d),
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let (mut files, features) = match (
        zcrm_codegen::generate(&specs),
        zcrm_codegen::features(&specs),
    ) {
        (Ok(f), Ok(feat)) => (f, feat),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("codegen: {e}");
            return ExitCode::FAILURE;
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
    let generated_dir = out.join("src/generated");
    let wanted: Vec<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    if let Ok(entries) = std::fs::read_dir(&generated_dir) {
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
                return ExitCode::FAILURE;
            }
        }
        if let Err(e) = std::fs::write(&path, &f.contents) {
            eprintln!("codegen: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    if !stale.is_empty() {
        eprintln!("generated code is stale; run `cargo xtask codegen` and commit:");
        for p in stale {
            eprintln!("  {}", p.display());
        }
        return ExitCode::FAILURE;
    }
    if check {
        println!("generated code is up to date ({} files)", files.len());
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        _ => usage(),
    }
}

#[cfg(test)]
mod tests {
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
