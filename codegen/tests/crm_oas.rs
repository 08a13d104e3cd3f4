//! The real thing: all of Zoho's OpenAPI specs (`../shared/crm-oas/v8.0`, 102 files) generate a
//! crate that compiles.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

#[test]
fn all_zoho_specs_generate_a_crate_that_compiles() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs = root.join("../shared/crm-oas/v8.0");
    if !specs.is_dir() {
        println!("skipped: ../shared/crm-oas/v8.0 is absent (Zoho's OpenAPI specs are read from beside the project)");
        return;
    }
    let start = Instant::now();
    let loaded = zcrm_codegen::openapi::load::Specs::load(&specs).unwrap();
    let on_disk = std::fs::read_dir(&specs)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(
        loaded.files.len(),
        on_disk,
        "every spec file is read, none skipped"
    );
    assert_eq!(on_disk, 102);
    let (files, report) = zcrm_codegen::openapi::generate(&specs, "src/api").unwrap();
    let generated = start.elapsed();
    let lines: usize = files.iter().map(|f| f.contents.lines().count()).sum();
    println!(
        "generated {} files, {lines} lines, in {generated:?}; fixups applied: {:?}",
        files.len(),
        report.applied
    );

    let krate = std::env::temp_dir().join(format!("zcrm-oas-crate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&krate);
    std::fs::create_dir_all(krate.join("src/api")).unwrap();
    let core = root.join("zcrm-core").canonicalize().unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"zoho-crm-oas-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\nserde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\nzcrm-core = {{ path = \"{}\", default-features = false }}\n\n[workspace]\n",
            core.display()
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "//! Zoho CRM v8 API types.\npub mod api;\n",
    )
    .unwrap();
    for f in &files {
        std::fs::write(krate.join(&f.path), &f.contents).unwrap();
    }
    let start = Instant::now();
    let out = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", root.join("target/oas-check"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("error"))
        .take(30)
        .collect();
    assert!(
        out.status.success(),
        "the generated crate does not compile:\n{}",
        errors.join("\n")
    );
    println!(
        "cargo check of the generated crate took {:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(&krate).unwrap();
}
