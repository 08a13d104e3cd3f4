//! `cargo xtask codegen` with a broken spec exits non-zero and leaves the generated crate as it
//! was: no file written, none removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            snapshot(&p, out);
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
}

#[test]
fn a_broken_spec_leaves_the_generated_files_untouched_and_fails() {
    let tmp = std::env::temp_dir().join(format!("zcrm-xtask-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    // The project's specs and a copy of the committed crate, generated from them.
    let specs = tmp.join("specs");
    copy_dir(&root().join("specs"), &specs);
    let out = tmp.join("zcrm-modules");
    copy_dir(&root().join("zcrm-modules/src"), &out.join("src"));
    std::fs::copy(
        root().join("zcrm-modules/Cargo.toml"),
        out.join("Cargo.toml"),
    )
    .unwrap();
    let mut before = BTreeMap::new();
    snapshot(&out, &mut before);
    let api_files = before
        .keys()
        .filter(|p| p.starts_with(out.join("src/generated/api")))
        .count();
    assert!(
        api_files > 10,
        "the crate has its API groups ({api_files} files)"
    );

    let record = specs.join("openapi/record.json");
    let original = std::fs::read_to_string(&record).unwrap();
    let mut not_an_object: serde_json::Value = serde_json::from_str(&original).unwrap();
    not_an_object["paths"] = serde_json::json!([not_an_object["paths"].take()]);
    let broken = [
        // Not JSON at all (cut short).
        original[..original.len() / 2].to_string(),
        // JSON, but `paths` is not an object.
        not_an_object.to_string(),
    ];
    for (i, text) in broken.iter().enumerate() {
        std::fs::write(&record, text).unwrap();
        for check in [false, true] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
            cmd.args(["codegen", "--spec-dir"])
                .arg(&specs)
                .arg("--out")
                .arg(&out);
            if check {
                cmd.arg("--check");
            }
            let result = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&result.stderr);
            assert!(
                !result.status.success(),
                "case {i} (check: {check}): exit status {:?}\n{stderr}",
                result.status
            );
            assert!(stderr.contains("record.json"), "case {i}: {stderr}");
            let mut after = BTreeMap::new();
            snapshot(&out, &mut after);
            let changed: Vec<&PathBuf> = before
                .keys()
                .chain(after.keys())
                .filter(|p| before.get(*p) != after.get(*p))
                .collect();
            assert!(
                changed.is_empty(),
                "case {i} (check: {check}): files written or removed: {changed:?}"
            );
        }
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}
