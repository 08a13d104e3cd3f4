//! Inputs that used to generate nothing silently, crates that did not compile, or a stack
//! overflow: each now gives a typed error naming the file and JSON pointer, or a crate that
//! `cargo check` accepts.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zcrm_codegen::Error;

/// Writes OpenAPI documents (file name -> document) into `dir/openapi`, and the small field
/// fixture as `dir/modules.json` and `dir/fields/`.
fn specs_dir(name: &str, docs: &[(&str, Value)]) -> PathBuf {
    let dir = support::temp_dir(name);
    let small = support::root().join("codegen/tests/fixtures/small");
    std::fs::create_dir_all(dir.join("fields")).unwrap();
    std::fs::copy(small.join("modules.json"), dir.join("modules.json")).unwrap();
    for f in ["Widgets.json", "Widget_Parts.json"] {
        std::fs::copy(small.join("fields").join(f), dir.join("fields").join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("openapi")).unwrap();
    for (file, doc) in docs {
        std::fs::write(dir.join("openapi").join(file), doc.to_string()).unwrap();
    }
    dir
}

fn doc(schemas: Value) -> Value {
    json!({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
           "components": {"schemas": schemas}})
}

fn good() -> Value {
    doc(json!({"Widget": {"type": "object", "properties": {"name": {"type": "string"}}}}))
}

/// The error of generating from `dir`, as (file name, pointer, message).
fn spec_error(dir: &Path) -> (String, String, String) {
    match zcrm_codegen::generate(dir) {
        Err(Error::Spec {
            path,
            pointer,
            message,
        }) => (
            path.file_name().unwrap().to_string_lossy().to_string(),
            pointer,
            message,
        ),
        Err(e) => panic!("expected a spec error, got {e}"),
        Ok(files) => panic!(
            "expected an error, got {} files: {:?}",
            files.len(),
            files.iter().map(|f| &f.path).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn a_broken_openapi_file_is_an_error_not_a_missing_api() {
    let dir = specs_dir("broken-json", &[("a.json", good()), ("b.json", good())]);
    std::fs::write(
        dir.join("openapi/b.json"),
        r#"{"openapi": "3.0.0", "paths": {"#,
    )
    .unwrap();
    let (file, pointer, message) = spec_error(&dir);
    assert_eq!((file.as_str(), pointer.as_str()), ("b.json", ""));
    assert!(message.contains("not valid JSON"), "{message}");
    // The features too: no table without the API groups.
    assert!(zcrm_codegen::features(&dir).is_err());
}

#[test]
fn malformed_structure_names_the_json_pointer() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"openapi": "3.0.0", "paths": []}),
            "/paths",
            "expected an object, found an array",
        ),
        (
            json!({"openapi": "3.0.0", "paths": {"/x": {"get": {"parameters": [{"in": "query"}]}}}}),
            "/paths/~1x/get/parameters/0",
            "needs `name`",
        ),
        (
            doc(json!({"A": {"type": "object", "properties": {"b": {"$ref": 7}}}})),
            "/components/schemas/A/properties/b/$ref",
            "expected a string",
        ),
        (
            doc(json!({"A": {"oneOf": {"type": "string"}}})),
            "/components/schemas/A/oneOf",
            "expected an array of schemas",
        ),
        (
            doc(json!({"A": {"$ref": "#/components/schemas/Nope"}})),
            "/components/schemas/A/$ref",
            "points at nothing",
        ),
        (
            doc(json!({"A": {"$ref": "other.json#/components/schemas/B"}})),
            "/components/schemas/A/$ref",
            "not in the spec directory",
        ),
        (
            json!({"openapi": "3.0.0", "paths": {"/x": {"post": {"responses": {"200": {"$ref": "#/components/responses/Nope"}}}}}}),
            "/paths/~1x/post/responses/200/$ref",
            "points at nothing",
        ),
    ];
    for (i, (bad, want_pointer, want_message)) in cases.into_iter().enumerate() {
        let dir = specs_dir(
            &format!("malformed-{i}"),
            &[("good.json", good()), ("bad.json", bad)],
        );
        let (file, pointer, message) = spec_error(&dir);
        assert_eq!(file, "bad.json", "case {i}");
        assert_eq!(pointer, want_pointer, "case {i}: {message}");
        assert!(message.contains(want_message), "case {i}: {message}");
    }
}

#[test]
fn a_recursive_alias_is_an_error() {
    for (i, schemas) in [
        json!({"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}),
        json!({"A": {"$ref": "#/components/schemas/A"}}),
        json!({"A": {"oneOf": [{"$ref": "#/components/schemas/B"}]}, "B": {"$ref": "#/components/schemas/A"}}),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = specs_dir(&format!("alias-loop-{i}"), &[("loop.json", doc(schemas))]);
        let (file, pointer, message) = spec_error(&dir);
        assert_eq!(file, "loop.json", "case {i}");
        assert!(
            pointer.starts_with("/components/schemas/"),
            "case {i}: {pointer}"
        );
        assert!(message.contains("lead back to this schema"), "case {i}: {message}");
    }
}

#[test]
fn a_ref_chain_of_a_thousand_is_an_error_not_a_stack_overflow() {
    let chain = |n: usize| {
        let mut schemas = serde_json::Map::new();
        for i in 0..n {
            schemas.insert(
                format!("S{i}"),
                json!({"$ref": format!("#/components/schemas/S{}", i + 1)}),
            );
        }
        schemas.insert(format!("S{n}"), json!({"type": "string"}));
        doc(Value::Object(schemas))
    };
    let long = specs_dir("chain-1000", &[("chain.json", chain(1000))]);
    let short = specs_dir("chain-63", &[("chain.json", chain(63))]);
    // A test thread's default stack (2 MiB), the smallest the generator runs on.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (file, pointer, message) = spec_error(&long);
            assert_eq!(file, "chain.json");
            assert!(pointer.starts_with("/components/schemas/S"), "{pointer}");
            assert!(message.contains("deeper than 64"), "{message}");
            let files = zcrm_codegen::generate(&short).expect("a chain within the bound");
            let api = files
                .iter()
                .find(|f| f.path.ends_with("api/chain.rs"))
                .unwrap();
            assert!(api.contents.contains("pub type S0 = S1;"));
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn modules_differing_only_by_case_are_an_error() {
    let dir = support::temp_dir("case-modules");
    std::fs::create_dir_all(dir.join("fields")).unwrap();
    std::fs::write(
        dir.join("modules.json"),
        r#"{"modules": [{"api_name": "Leads"}, {"api_name": "leads"}]}"#,
    )
    .unwrap();
    for m in ["Leads", "leads"] {
        std::fs::write(
            dir.join(format!("fields/{m}.json")),
            r#"{"fields": [{"api_name": "Last_Name", "data_type": "text"}]}"#,
        )
        .unwrap();
    }
    let (file, pointer, message) = spec_error(&dir);
    assert_eq!(
        (file.as_str(), pointer.as_str()),
        ("modules.json", "/modules/1/api_name")
    );
    assert!(message.contains("`leads` and `Leads`"), "{message}");

    // The same for two OpenAPI files.
    let dir = specs_dir(
        "case-files",
        &[("Record.json", good()), ("record.json", good())],
    );
    let (file, _, message) = spec_error(&dir);
    assert_eq!(file, "record.json");
    assert!(message.contains("the Rust module `record`"), "{message}");
}

#[test]
fn other_name_clashes_in_field_metadata_are_errors() {
    let cases = [
        (
            r#"{"modules": [{"api_name": "Catalogue"}]}"#,
            r#"{"fields": []}"#,
            "modules.json",
            "/modules/0/api_name",
        ),
        (
            r#"{"modules": [{"api_name": "../x"}]}"#,
            r#"{"fields": []}"#,
            "modules.json",
            "/modules/0/api_name",
        ),
        (
            r#"{"modules": [{"api_name": "Things"}]}"#,
            r#"{"fields": [{"api_name": "A", "data_type": "text"}, {"api_name": "A", "data_type": "text"}]}"#,
            "Things.json",
            "/fields/1/api_name",
        ),
    ];
    for (i, (modules, fields, want_file, want_pointer)) in cases.into_iter().enumerate() {
        let dir = support::temp_dir(&format!("clash-{i}"));
        std::fs::create_dir_all(dir.join("fields")).unwrap();
        std::fs::write(dir.join("modules.json"), modules).unwrap();
        std::fs::write(dir.join("fields/Things.json"), fields).unwrap();
        std::fs::write(dir.join("fields/Catalogue.json"), fields).unwrap();
        let (file, pointer, message) = spec_error(&dir);
        assert_eq!(
            (file.as_str(), pointer.as_str()),
            (want_file, want_pointer),
            "case {i}: {message}"
        );
    }
}

/// Unions of scalars and objects (also recursive), a cycle of aliases through a list, and
/// names the generated code uses itself: the crate compiles.
#[test]
fn unions_recursion_and_clashing_names_compile() {
    let unions = doc(json!({
        "Scalars": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}]},
        "Objects": {"oneOf": [{"$ref": "#/components/schemas/Obj"}, {"type": "object", "properties": {"b": {"type": "string"}}}]},
        "Mixed": {"type": "object", "properties": {
            "v": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Obj"}]},
            "w": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}]}}}},
        "Obj": {"type": "object", "properties": {"a": {"type": "string"}}},
        "Same": {"oneOf": [{"type": "string"}, {"type": "string"}]},
        "Nested": {"oneOf": [{"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "boolean"}]},
        "Empty": {"oneOf": []},
        "SelfUnion": {"oneOf": [{"$ref": "#/components/schemas/SelfUnion"}, {"type": "string"}]},
        "U1": {"oneOf": [{"$ref": "#/components/schemas/U2"}, {"type": "string"}]},
        "U2": {"oneOf": [{"$ref": "#/components/schemas/U1"}, {"type": "integer"}]},
        "Node": {"oneOf": [{"$ref": "#/components/schemas/Leaf"}, {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}]},
        "Leaf": {"$ref": "#/components/schemas/Node"}
    }));
    let recursion = doc(json!({
        "List": {"type": "array", "items": {"$ref": "#/components/schemas/List"}},
        "A": {"type": "array", "items": {"$ref": "#/components/schemas/B"}},
        "B": {"$ref": "#/components/schemas/A"},
        "Tree": {"type": "object", "properties": {"children": {"$ref": "#/components/schemas/A"}, "parent": {"$ref": "#/components/schemas/Tree"}}},
        "Other": {"$ref": "unions.json#/components/schemas/U1"}
    }));
    let names = json!({
        "openapi": "3.0.0",
        "paths": {"/crm/v7/{client}/{body}": {"post": {
            "operationId": "post",
            "parameters": [
                {"name": "client", "in": "path", "schema": {"type": "string"}},
                {"name": "body", "in": "path", "schema": {"type": "string"}},
                {"name": "path", "in": "query", "schema": {"type": "string"}},
                {"name": "req", "in": "header", "schema": {"type": "string"}},
                {"name": "params", "in": "query", "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Some"}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/None"}]}}}}}}}},
        "components": {"schemas": {
            "Some": {"type": "object", "properties": {"a": {"type": "string"}}},
            "None": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Ok": {"type": "object", "properties": {"a": {"type": "string"}}},
            "SerializeMap": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Value": {"type": "string"}}}
    });
    let dir = specs_dir(
        "compiles",
        &[
            ("unions.json", unions),
            ("recursion.json", recursion),
            ("names.json", names),
        ],
    );
    let (files, _) = zcrm_codegen::openapi::generate(&dir.join("openapi"), "src/api").unwrap();
    let recursion = &files
        .iter()
        .find(|f| f.path.ends_with("recursion.rs"))
        .unwrap()
        .contents;
    assert!(
        recursion.contains("pub struct List(pub Vec<List>);"),
        "{recursion}"
    );
    let krate = support::temp_dir("compiles-crate");
    if let Err(errors) = support::cargo_check(&krate, "pub mod api;\n", &files) {
        panic!("the generated crate does not compile:\n{errors}");
    }
}

#[test]
fn a_path_placeholder_without_a_parameter_is_an_error() {
    let ops = json!({
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/crm/v7/{module}/{id}": {"get": {
            "operationId": "getOne",
            "parameters": [{"name": "module", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "responses": {"204": {"description": "none"}}}}}
    });
    let dir = specs_dir("undeclared-placeholder", &[("ops.json", ops)]);
    let (file, pointer, message) = spec_error(&dir);
    assert_eq!(file, "ops.json");
    assert_eq!(pointer, "/paths/~1crm~1v7~1{module}~1{id}/get");
    assert!(message.contains("`{id}`"), "{message}");
}
