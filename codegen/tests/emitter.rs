//! Golden-file tests of the emitter over a small fixture, and determinism.
//! `UPDATE_GOLDEN=1 cargo test -p zcrm-codegen` rewrites the golden files.

use std::path::{Path, PathBuf};

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

#[test]
fn golden_files() {
    let files = zcrm_codegen::generate(&here().join("fixtures/small")).unwrap();
    let update = std::env::var("UPDATE_GOLDEN").is_ok();
    let mut mismatched = vec![];
    for f in &files {
        let name = f.path.file_name().unwrap().to_string_lossy().to_string();
        let golden = here().join("golden").join(format!("{name}.golden"));
        if update {
            std::fs::write(&golden, &f.contents).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", golden.display()));
        if expected != f.contents {
            mismatched.push(name);
        }
    }
    assert!(mismatched.is_empty(), "emitter output differs from the golden files for {mismatched:?}; review and run with UPDATE_GOLDEN=1");
    assert_eq!(files.len(), 4, "catalogue, mod, one file per module");
}

#[test]
fn output_is_deterministic() {
    let dir = here().join("fixtures/small");
    assert_eq!(
        zcrm_codegen::generate(&dir).unwrap(),
        zcrm_codegen::generate(&dir).unwrap()
    );
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    assert_eq!(
        zcrm_codegen::generate(&specs).unwrap(),
        zcrm_codegen::generate(&specs).unwrap()
    );
}

#[test]
fn picklist_rules() {
    let files = zcrm_codegen::generate(&here().join("fixtures/small")).unwrap();
    let widgets = &files
        .iter()
        .find(|f| f.path.ends_with("widgets.rs"))
        .unwrap()
        .contents;
    assert!(
        widgets.contains("OtherValue,"),
        "a value named Other does not clash with Other(String)"
    );
    assert!(
        widgets.contains("\"Big\" => Type::Big"),
        "variants map the actual value"
    );
    assert!(!widgets.contains("Old"), "unused values are not variants");
    assert!(widgets.contains("pub parts: Option<Vec<super::widget_parts::WidgetPart>>"));
    assert!(widgets.contains("pub type_: Option<Type>"));
}

#[test]
fn spec_errors_name_the_file_and_pointer() {
    let dir = std::env::temp_dir().join(format!("zcrm-codegen-bad-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("fields")).unwrap();
    std::fs::write(
        dir.join("modules.json"),
        r#"{"modules": [{"api_name": "Leads"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("fields/Leads.json"),
        r#"{"fields": [{"api_name": 5}]}"#,
    )
    .unwrap();
    let e = zcrm_codegen::generate(&dir).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{}",
            Path::new(&dir).join("fields/Leads.json").display()
        )) && e.contains("/fields/0/api_name"),
        "{e}"
    );
}
