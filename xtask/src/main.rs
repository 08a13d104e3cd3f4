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
    let files = match zcrm_codegen::generate(&specs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = vec![];
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
