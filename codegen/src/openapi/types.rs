//! Lowering OpenAPI schemas to a model of Rust types (see `emit` for the Rust text).

use super::load::Specs;
use crate::naming::{self, Scope};
use crate::Error;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A field or arm type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `String`.
    Str,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// Any JSON.
    Json,
    /// A JSON object of anything.
    Map,
    /// A list.
    Vec(Box<TypeRef>),
    /// A generated type (index into the definitions).
    Named(usize),
}

/// A generated type.
#[derive(Debug, Clone)]
pub struct Def {
    /// Spec file it belongs to.
    pub file: String,
    /// Rust name.
    pub name: String,
    /// What it is.
    pub kind: DefKind,
    /// Where it was found (for docs): file and JSON pointer.
    pub origin: String,
}

/// The shape of a generated type.
#[derive(Debug, Clone)]
pub enum DefKind {
    /// An object with known properties (JSON name, Rust name, type, boxed).
    Struct(Vec<(String, String, TypeRef, bool)>),
    /// One of several shapes.
    OneOf(Vec<(String, TypeRef)>),
    /// Another name for a type.
    Alias(TypeRef),
    /// Not built yet.
    Pending,
}

/// All types of a spec directory.
#[derive(Debug, Default)]
pub struct Model {
    /// The definitions.
    pub defs: Vec<Def>,
    by_origin: HashMap<(String, String), usize>,
    pub(crate) scopes: BTreeMap<String, Scope>,
}

impl Model {
    fn new_def(&mut self, file: &str, hint: &str, origin: String) -> usize {
        let scope = self.scopes.entry(file.to_string()).or_insert_with(|| {
            Scope::with(&[
                "Map",
                "Value",
                "Option",
                "Result",
                "String",
                "Vec",
                "Box",
                "Default",
                "Serialize",
                "Deserialize",
                "Serializer",
                "Deserializer",
                "Self",
            ])
        });
        let name = scope.unique(naming::type_name(hint));
        self.defs.push(Def {
            file: file.to_string(),
            name,
            kind: DefKind::Pending,
            origin,
        });
        self.defs.len() - 1
    }

    /// The definition of the schema at (file, pointer), built on first use.
    fn named(&mut self, specs: &Specs, file: &str, pointer: &str) -> Result<usize, Error> {
        let key = (file.to_string(), pointer.to_string());
        if let Some(i) = self.by_origin.get(&key) {
            return Ok(*i);
        }
        let hint = pointer
            .rsplit('/')
            .next()
            .unwrap_or("Type")
            .replace("~1", "/")
            .replace("~0", "~");
        let id = self.new_def(file, &hint, format!("{file}#{pointer}"));
        self.by_origin.insert(key, id);
        let schema = specs.files[file]
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| specs.err(file, pointer, "schema not found".into()))?;
        let kind = self.lower_def(specs, file, pointer, &schema, &self.defs[id].name.clone())?;
        self.defs[id].kind = kind;
        Ok(id)
    }

    fn lower_def(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        s: &Value,
        name: &str,
    ) -> Result<DefKind, Error> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return Ok(DefKind::Alias(
                self.lower(
                    specs,
                    file,
                    pointer,
                    &Value::Object(
                        [("$ref".to_string(), Value::String(r.to_string()))]
                            .into_iter()
                            .collect(),
                    ),
                    name,
                )?,
            ));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(arms) = s.get(key).and_then(Value::as_array) {
                if arms.len() == 1 {
                    return Ok(DefKind::Alias(self.lower(
                        specs,
                        file,
                        &format!("{pointer}/{key}/0"),
                        &arms[0],
                        name,
                    )?));
                }
                let mut variants = Scope::with(&["Other"]);
                let mut out = vec![];
                for (i, arm) in arms.iter().enumerate() {
                    let t = self.lower(
                        specs,
                        file,
                        &format!("{pointer}/{key}/{i}"),
                        arm,
                        &format!("{name}Variant{i}"),
                    )?;
                    let vname = match &t {
                        TypeRef::Named(n) => self.defs[*n].name.clone(),
                        TypeRef::Str => "Text".into(),
                        TypeRef::I64 => "Integer".into(),
                        TypeRef::F64 => "Number".into(),
                        TypeRef::Bool => "Flag".into(),
                        TypeRef::Vec(_) => "List".into(),
                        TypeRef::Map => "Object".into(),
                        TypeRef::Json => "Json".into(),
                    };
                    out.push((variants.unique(vname), t));
                }
                return Ok(DefKind::OneOf(out));
            }
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let mut props = serde_json::Map::new();
            for p in parts {
                let resolved = match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => specs.resolve(file, r)?.1.clone(),
                    None => p.clone(),
                };
                if let Some(m) = resolved.get("properties").and_then(Value::as_object) {
                    props.extend(m.clone());
                }
            }
            let merged = serde_json::json!({"type": "object", "properties": props});
            return self.lower_struct(specs, file, pointer, &merged, name);
        }
        if s.get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
        {
            return self.lower_struct(specs, file, pointer, s, name);
        }
        Ok(DefKind::Alias(self.lower(specs, file, pointer, s, name)?))
    }

    fn lower_struct(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        s: &Value,
        name: &str,
    ) -> Result<DefKind, Error> {
        let mut fields = Scope::with(&["extra", "nulls"]);
        let mut props = vec![];
        if let Some(m) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in m {
                let t = self.lower(
                    specs,
                    file,
                    &format!(
                        "{pointer}/properties/{}",
                        k.replace('~', "~0").replace('/', "~1")
                    ),
                    v,
                    &format!("{name}{}", naming::type_name(k)),
                )?;
                props.push((k.clone(), fields.unique(naming::field_name(k)), t, false));
            }
        }
        Ok(DefKind::Struct(props))
    }

    /// The type of a schema found at (file, pointer), registering the types it needs.
    pub fn lower_at(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        s: &Value,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        self.lower(specs, file, pointer, s, hint)
    }

    /// Boxes the fields that close cycles; call once after every type is registered.
    pub fn finish(&mut self) {
        self.box_cycles();
    }

    /// The type of a schema used in place (a property, an item, an arm).
    fn lower(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        s: &Value,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let (target, ptr) = specs.target(file, r)?;
            if specs.files[&target].pointer(&ptr).is_none() {
                return Err(specs.err(file, pointer, format!("$ref `{r}` points at nothing")));
            }
            return Ok(TypeRef::Named(self.named(specs, &target, &ptr)?));
        }
        let composite = ["oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| s.get(*k).is_some());
        let has_props = s
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if composite || has_props {
            if let Some(arms) = s
                .get("oneOf")
                .or_else(|| s.get("anyOf"))
                .and_then(Value::as_array)
            {
                if arms.len() == 1 {
                    let key = if s.get("oneOf").is_some() {
                        "oneOf"
                    } else {
                        "anyOf"
                    };
                    return self.lower(specs, file, &format!("{pointer}/{key}/0"), &arms[0], hint);
                }
            }
            let key = (file.to_string(), pointer.to_string());
            if let Some(i) = self.by_origin.get(&key) {
                return Ok(TypeRef::Named(*i));
            }
            let id = self.new_def(file, hint, format!("{file}#{pointer}"));
            self.by_origin.insert(key, id);
            let name = self.defs[id].name.clone();
            let kind = self.lower_def(specs, file, pointer, s, &name)?;
            self.defs[id].kind = kind;
            return Ok(TypeRef::Named(id));
        }
        Ok(match s.get("type").and_then(Value::as_str) {
            Some("string") => TypeRef::Str,
            Some("integer") => TypeRef::I64,
            Some("number") => TypeRef::F64,
            Some("boolean") => TypeRef::Bool,
            Some("array") => match s.get("items") {
                Some(items) => TypeRef::Vec(Box::new(self.lower(
                    specs,
                    file,
                    &format!("{pointer}/items"),
                    items,
                    &format!("{hint}Item"),
                )?)),
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            Some("object") => TypeRef::Map,
            _ => TypeRef::Json,
        })
    }

    /// Boxes the direct fields that close a cycle of inline types.
    fn box_cycles(&mut self) {
        let direct = |k: &DefKind| -> Vec<usize> {
            let one = |t: &TypeRef| {
                if let TypeRef::Named(n) = t {
                    Some(*n)
                } else {
                    None
                }
            };
            match k {
                DefKind::Struct(p) => p.iter().filter_map(|(_, _, t, _)| one(t)).collect(),
                DefKind::OneOf(a) => a.iter().filter_map(|(_, t)| one(t)).collect(),
                DefKind::Alias(t) => one(t).into_iter().collect(),
                DefKind::Pending => vec![],
            }
        };
        let edges: Vec<Vec<usize>> = self.defs.iter().map(|d| direct(&d.kind)).collect();
        let reaches = |from: usize, to: usize| -> bool {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from];
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n) {
                    stack.extend(edges[n].iter().copied());
                }
            }
            false
        };
        for i in 0..self.defs.len() {
            let updates: Vec<usize> = match &self.defs[i].kind {
                DefKind::Struct(props) => props
                    .iter()
                    .enumerate()
                    .filter_map(|(j, (_, _, t, _))| {
                        if let TypeRef::Named(n) = t {
                            reaches(*n, i).then_some(j)
                        } else {
                            None
                        }
                    })
                    .collect(),
                _ => vec![],
            };
            if let DefKind::Struct(props) = &mut self.defs[i].kind {
                for j in updates {
                    props[j].3 = true;
                }
            }
        }
    }
}

/// Builds the model of every schema under `components/schemas` and every inline JSON response
/// schema under `components/responses` of every file.
pub fn model(specs: &Specs) -> Result<Model, Error> {
    let mut m = Model::default();
    for (file, doc) in &specs.files {
        if let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for name in schemas.keys() {
                m.named(
                    specs,
                    file,
                    &format!(
                        "/components/schemas/{}",
                        name.replace('~', "~0").replace('/', "~1")
                    ),
                )?;
            }
        }
        if let Some(resps) = doc
            .pointer("/components/responses")
            .and_then(Value::as_object)
        {
            for (name, r) in resps {
                let ptr = format!(
                    "/components/responses/{}/content/application~1json/schema",
                    name.replace('~', "~0").replace('/', "~1")
                );
                if r.pointer("/content/application~1json/schema").is_some() {
                    m.named(specs, file, &ptr)?;
                    let id = m.by_origin[&(file.clone(), ptr)];
                    if m.defs[id].name == "Schema" || m.defs[id].name.starts_with("Schema") {
                        let scope = m.scopes.get_mut(file).expect("scope");
                        m.defs[id].name =
                            scope.unique(format!("{}Response", naming::type_name(name)));
                    }
                }
            }
        }
    }
    Ok(m)
}
