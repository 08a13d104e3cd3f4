//! Embeds the field metadata the emulator serves by default (`specs/modules.json` and
//! `specs/fields/*.json`, links to the project's `specs/`, so the published package holds
//! them): `EMBEDDED_SPECS` in `$OUT_DIR/embedded_specs.rs`, as (relative path, text) pairs.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    println!("cargo:rerun-if-changed=specs/modules.json");
    println!("cargo:rerun-if-changed=specs/fields");
    let mut files = vec![("modules.json".to_string(), root.join("modules.json"))];
    let mut fields: Vec<_> = std::fs::read_dir(root.join("fields"))
        .expect("specs/fields")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fields.sort();
    for p in fields {
        let name = p
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        files.push((format!("fields/{name}"), p));
    }
    let mut out = String::from(
        "/// The default field metadata: (path below `specs/`, contents).\npub(crate) static EMBEDDED_SPECS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in files {
        let path = path.canonicalize().expect("an embedded spec file");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_specs.rs");
    std::fs::write(dest, out).expect("writing embedded_specs.rs");
}
