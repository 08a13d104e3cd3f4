//! Arbitrary and mutated inputs never make the generator panic (or overflow its stack): every
//! OpenAPI document and every field-metadata file gives an error or generated files. Every case
//! runs the generator up to the Rust tokens (all reading, lowering and naming); a few percent
//! also parse and format them, which is the slow part and reads no input.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::Path;
use zcrm_codegen::openapi::load::Specs;

/// Words OpenAPI documents and field metadata are made of, so that random documents reach deep
/// into the readers instead of failing at the first key.
const WORDS: &[&str] = &[
    "openapi",
    "paths",
    "components",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "operationId",
    "requestBody",
    "content",
    "application/json",
    "schema",
    "$ref",
    "type",
    "properties",
    "items",
    "oneOf",
    "anyOf",
    "allOf",
    "additionalProperties",
    "name",
    "in",
    "path",
    "query",
    "header",
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "object",
    "200",
    "default",
    "data",
    "{module}",
    "{id}",
    "/crm/v7/{module}",
    "/crm/v7/{module}/{id}",
    "#/components/schemas/A",
    "#/components/schemas/B",
    "#/components/responses/R",
    "#/components/parameters/P",
    "b.json#/components/schemas/A",
    "other.json#/x",
    "#",
    "#x",
    "A",
    "B",
    "R",
    "P",
    "Self",
    "SerializeMap",
    "client",
    "body",
    "Other",
    "extra",
    "mod",
    "",
    "~",
    "/",
    "type_",
    "modules",
    "fields",
    "api_name",
    "data_type",
    "pick_list_values",
    "actual_value",
    "display_value",
    "picklist",
    "multiselectpicklist",
    "subform",
    "lookup",
    "currency",
    "Leads",
    "leads",
    "Catalogue",
    "Full",
    "unused",
    "json_type",
    "jsonarray",
    "Other",
    "10-50",
    "-None-",
    "ünïcödé",
    "a b",
    "1st",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "[a-zA-Z0-9_$#/{}~. -]{0,12}",
    ]
}

/// Any JSON value, small, built from the words above.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// A small OpenAPI document that uses what the generator reads.
fn seed_openapi() -> Value {
    json!({
        "openapi": "3.0.0",
        "paths": {
            "/crm/v7/{module}": {
                "parameters": [{"$ref": "#/components/parameters/P"}],
                "post": {
                    "operationId": "createRecords",
                    "parameters": [{"name": "module", "in": "path", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}}}}},
                    "responses": {"200": {"$ref": "#/components/responses/R"},
                                  "default": {"content": {"application/json": {"schema": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/B"}]}}}}}
                }
            }
        },
        "components": {
            "parameters": {"P": {"name": "page", "in": "query", "schema": {"type": "integer"}}},
            "responses": {"R": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/B"}}}}},
            "schemas": {
                "A": {"type": "object", "additionalProperties": true, "properties": {
                    "id": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"},
                    "list": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}},
                "B": {"allOf": [{"$ref": "#/components/schemas/A"}, {"properties": {"n": {"type": "number"}}}]},
                "U": {"anyOf": [{"type": "integer"}, {"type": "object", "properties": {"x": {"type": "boolean"}}}]},
                "L": {"type": "array", "items": {"$ref": "#/components/schemas/L"}}
            }
        }
    })
}

/// Every JSON pointer of a document.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A change to a document: at the `n`th pointer (modulo their count), replace the value, drop
/// it, add a key, or point a `$ref` at another pointer of the document.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Ref(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value = json_value().boxed();
    prop_oneof![
        (any::<usize>(), value.clone()).prop_map(|(n, v)| Mutation::Replace(n, v)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), word(), value).prop_map(|(n, k, v)| Mutation::Insert(n, k, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(n, m)| Mutation::Ref(n, m)),
    ]
}

fn mutate(doc: &mut Value, m: &Mutation) {
    let mut all = vec![];
    pointers(doc, String::new(), &mut all);
    let at = |n: usize| all[n % all.len()].clone();
    match m {
        Mutation::Replace(n, v) => {
            if let Some(x) = doc.pointer_mut(&at(*n)) {
                *x = v.clone();
            }
        }
        Mutation::Remove(n) => {
            let p = at(*n);
            if let Some((parent, key)) = p.rsplit_once('/') {
                match doc.pointer_mut(parent) {
                    Some(Value::Object(o)) => {
                        o.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = key.parse::<usize>() {
                            if i < a.len() {
                                a.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Insert(n, k, v) => {
            if let Some(Value::Object(o)) = doc.pointer_mut(&at(*n)) {
                o.insert(k.clone(), v.clone());
            }
        }
        Mutation::Ref(n, target) => {
            let r = format!("#{}", at(*target));
            if let Some(x) = doc.pointer_mut(&at(*n)) {
                *x = json!({ "$ref": r });
            }
        }
    }
}

/// Runs the generator (to the tokens, or to formatted files when `render`); any outcome but a
/// panic is fine.
fn generate(modules: &[zcrm_codegen::metadata::Module], specs: Option<Specs>, render: bool) {
    if let Ok((tokens, _)) = zcrm_codegen::tokens_of_inputs(modules, specs) {
        if render {
            for t in tokens {
                let _ = t.render();
            }
        }
    }
}

/// The generator over OpenAPI documents.
fn generate_openapi(docs: Vec<(String, String)>, render: bool) {
    if let Ok(specs) = Specs::from_texts(Path::new("/specs/openapi"), docs) {
        generate(&[], Some(specs), render);
    }
}

/// The generator over field metadata (`modules.json` and `fields/<Module>.json`).
fn generate_fields(modules: &Value, fields: &Value, render: bool) {
    let parsed = zcrm_codegen::metadata::parse(Path::new("/specs"), &modules.to_string(), |_| {
        Ok(fields.to_string())
    });
    if let Ok(modules) = parsed {
        generate(&modules, None, render);
    }
}

fn seed_fields() -> Value {
    json!({"fields": [
        {"api_name": "Name", "data_type": "text", "field_label": "Name", "system_mandatory": true},
        {"api_name": "Stage", "data_type": "picklist", "pick_list_values": [
            {"display_value": "Open", "actual_value": "Open"},
            {"display_value": "Other", "actual_value": "Other", "type": "unused"}]},
        {"api_name": "Amount", "data_type": "currency"},
        {"api_name": "Rows", "data_type": "subform", "subform": {"module": {"api_name": "Rows"}}},
        {"api_name": "Owner", "data_type": "ownerlookup"}
    ]})
}

proptest! {
    #![proptest_config(ProptestConfig {
        // The default (ChaCha) generator is a good part of the run time in a debug build.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::with_cases(10_000)
    })]

    #[test]
    fn openapi_documents_never_panic(
        mutations in proptest::collection::vec(mutation(), 1..6),
        other in json_value(),
        raw in any::<bool>(),
        render in proptest::bool::weighted(0.03),
    ) {
        let mut doc = seed_openapi();
        for m in &mutations {
            mutate(&mut doc, m);
        }
        let mut docs = vec![("a.json".to_string(), doc.to_string())];
        // A second file: arbitrary JSON, or an OpenAPI document around it.
        let other = if raw { other } else { json!({"openapi": "3.0.0", "components": {"schemas": {"A": other}}}) };
        docs.push(("b.json".to_string(), other.to_string()));
        generate_openapi(docs, render);
    }

    #[test]
    fn field_metadata_never_panics(
        mutations in proptest::collection::vec(mutation(), 0..5),
        modules in json_value(),
        raw in any::<bool>(),
        render in proptest::bool::weighted(0.03),
    ) {
        let mut fields = seed_fields();
        for m in &mutations {
            mutate(&mut fields, m);
        }
        let modules = if raw {
            modules
        } else {
            json!({"modules": [{"api_name": "Deals", "generated_type": "default"}, {"api_name": "Rows", "generated_type": "subform"}, modules]})
        };
        generate_fields(&modules, &fields, render);
    }
}

/// Texts that are not JSON at all, and deep nesting.
#[test]
fn broken_texts_never_panic() {
    let deep_array = "[".repeat(200) + &"]".repeat(200);
    let mut deep_schema = json!({"type": "string"});
    for _ in 0..100 {
        deep_schema = json!({"type": "array", "items": deep_schema});
    }
    let deep = json!({"openapi": "3.0.0", "components": {"schemas": {"D": deep_schema}}});
    for text in [
        "",
        "{",
        "nul",
        "\u{0}",
        "{\"openapi\": 3}",
        "[]",
        &deep_array,
        &deep.to_string(),
    ] {
        generate_openapi(vec![("a.json".to_string(), text.to_string())], true);
        let parsed =
            zcrm_codegen::metadata::parse(Path::new("/specs"), text, |_| Ok(text.to_string()));
        assert!(parsed.is_err(), "{text:.40}");
    }
}

/// The seeds themselves generate (so the mutations start from inputs that reach the end).
#[test]
fn the_seeds_generate() {
    let specs = Specs::from_texts(
        Path::new("/specs/openapi"),
        vec![("a.json".to_string(), seed_openapi().to_string())],
    )
    .unwrap();
    let modules = zcrm_codegen::metadata::parse(
        Path::new("/specs"),
        r#"{"modules": [{"api_name": "Deals"}, {"api_name": "Rows", "generated_type": "subform"}]}"#,
        |_| Ok(seed_fields().to_string()),
    )
    .unwrap();
    let out = zcrm_codegen::generate_inputs(&modules, Some(specs)).unwrap();
    assert_eq!(
        out.files.len(),
        6,
        "catalogue, mod, api/a.rs, api/mod.rs, two modules"
    );
}
