//! The real thing: all of Zoho's OpenAPI specs (`../shared/crm-oas/v8.0`, 102 files) generate a
//! crate that compiles.

mod support;

use std::time::Instant;

#[test]
fn all_zoho_specs_generate_a_crate_that_compiles() {
    let root = support::root();
    let specs = root.join("../shared/crm-oas/v8.0");
    if !specs.is_dir() {
        support::skip("../shared/crm-oas/v8.0 is absent (Zoho's OpenAPI specs are read from beside the project)");
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

    let krate = support::temp_dir("oas-crate");
    let start = Instant::now();
    if let Err(errors) =
        support::cargo_check(&krate, "//! Zoho CRM v8 API types.\npub mod api;\n", &files)
    {
        panic!("the generated crate does not compile:\n{errors}");
    }
    println!(
        "cargo check of the generated crate took {:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(&krate).unwrap();
}
