//! Test support: a throwaway crate around generated files, checked with `cargo check`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where throwaway crates build: `<target>/oas-check`, beside the workspace's own build (a
/// separate target directory, so the outer `cargo test` lock is not contended).
pub fn check_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("oas-check")
}

/// A skip that is visible, and a failure under `CI=true`.
pub fn skip(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("required in CI: {reason}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// A fresh, empty temporary directory for `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-codegen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `files` (paths relative to the crate root) into a crate at `dir` whose `lib.rs` is
/// `lib`, and runs `cargo check` on it; the compiler's errors on failure.
pub fn cargo_check(
    dir: &Path,
    lib: &str,
    files: &[zcrm_codegen::GeneratedFile],
) -> Result<(), String> {
    let core = root().join("zcrm-core").canonicalize().unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"zcrm-codegen-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\nserde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\nzcrm-core = {{ path = \"{}\", default-features = false }}\n\n[workspace]\n",
            core.display()
        ),
    )
    .unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
    let out = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", check_target_dir())
        .output()
        .unwrap();
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(stderr
        .lines()
        .filter(|l| l.contains("error"))
        .take(40)
        .collect::<Vec<_>>()
        .join("\n"))
}
