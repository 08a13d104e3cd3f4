//! Lowering OpenAPI schemas to a model of Rust types (see `emit` for the Rust text).

use super::load::{escape, Specs};
use crate::naming::{self, Scope};
use crate::Error;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How deeply schemas may nest below a schema the generator starts from: each `$ref` followed
/// and each inline schema entered (a property, an item, an arm) is a level. Zoho's specs need
/// fewer than 16; a deeper chain is an error rather than a stack overflow.
pub const MAX_DEPTH: usize = 64;

/// Names the generated files use themselves (imports, prelude), which no generated type may take.
pub const RESERVED_TYPES: [&str; 20] = [
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
    "SerializeMap",
    "Self",
    "Some",
    "None",
    "Ok",
    "Err",
    "Clone",
    "PartialEq",
];

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
    /// An object the spec declares open to keys of its own (`additionalProperties`).
    pub open: bool,
}

/// The shape of a generated type.
#[derive(Debug, Clone)]
pub enum DefKind {
    /// An object with known properties (JSON name, Rust name, type, boxed).
    Struct(Vec<(String, String, TypeRef, bool)>),
    /// One of several shapes (variant name, type, boxed).
    OneOf(Vec<(String, TypeRef, bool)>),
    /// Another name for a type.
    Alias(TypeRef),
    /// A type of its own wrapping another (boxed): what an alias becomes when it is part of a
    /// cycle of aliases through a list (`A = [A]`), which a Rust type alias cannot express.
    Newtype(TypeRef, bool),
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
    depth: usize,
}

impl Model {
    /// Enters one more level of schema nesting; an error past [`MAX_DEPTH`].
    fn enter(&mut self, specs: &Specs, file: &str, pointer: &str) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            return Err(specs.err(
                file,
                pointer,
                format!("schemas nest (through `$ref`s and inline schemas) deeper than {MAX_DEPTH} levels here"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn new_def(&mut self, file: &str, hint: &str, origin: String) -> usize {
        let scope = self
            .scopes
            .entry(file.to_string())
            .or_insert_with(|| Scope::with(&RESERVED_TYPES));
        let name = scope.unique(naming::type_name(hint));
        self.defs.push(Def {
            file: file.to_string(),
            name,
            kind: DefKind::Pending,
            origin,
            open: false,
        });
        self.defs.len() - 1
    }

    /// The definition of the schema at (file, pointer), built on first use.
    fn named(&mut self, specs: &Specs, file: &str, pointer: &str) -> Result<usize, Error> {
        let key = (file.to_string(), pointer.to_string());
        if let Some(i) = self.by_origin.get(&key) {
            return Ok(*i);
        }
        self.named_new(specs, file, pointer, key)
    }

    fn named_new(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        key: (String, String),
    ) -> Result<usize, Error> {
        let hint = pointer
            .rsplit('/')
            .next()
            .unwrap_or("Type")
            .replace("~1", "/")
            .replace("~0", "~");
        let id = self.new_def(file, &hint, format!("{file}#{pointer}"));
        self.by_origin.insert(key, id);
        let schema = specs
            .files
            .get(file)
            .and_then(|d| d.pointer(pointer))
            .cloned()
            .ok_or_else(|| specs.err(file, pointer, "schema not found".into()))?;
        let kind = self.lower_def(specs, file, pointer, &schema, &self.defs[id].name.clone())?;
        self.defs[id].kind = kind;
        self.defs[id].open = open(specs, file, pointer, &schema);
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
                    out.push((variants.unique(vname), t, false));
                }
                return Ok(DefKind::OneOf(out));
            }
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let mut props = serde_json::Map::new();
            for (i, p) in parts.iter().enumerate() {
                let resolved = match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => specs
                        .resolve(file, &format!("{pointer}/allOf/{i}"), r)?
                        .2
                        .clone(),
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
                    &format!("{pointer}/properties/{}", escape(k)),
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

    /// Resolves cycles, once every type is registered: a cycle of aliases through a list
    /// becomes a newtype, one with nothing in between is an error naming it, and the fields and
    /// arms that close a cycle of types held by value are boxed.
    pub fn finish(&mut self, specs: &Specs) -> Result<(), Error> {
        self.alias_cycles(specs)?;
        self.box_cycles();
        Ok(())
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
        self.enter(specs, file, pointer)?;
        let result = self.lower_inner(specs, file, pointer, s, hint);
        self.depth -= 1;
        result
    }

    fn lower_inner(
        &mut self,
        specs: &Specs,
        file: &str,
        pointer: &str,
        s: &Value,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let (target, ptr, _) = specs.resolve(file, pointer, r)?;
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
            self.defs[id].open = open(specs, file, pointer, s);
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

    /// The definitions a type holds by value (not through a list), aliases seen through.
    fn by_value(k: &DefKind) -> Vec<usize> {
        let one = |t: &TypeRef| {
            if let TypeRef::Named(n) = t {
                Some(*n)
            } else {
                None
            }
        };
        match k {
            DefKind::Struct(p) => p.iter().filter_map(|(_, _, t, _)| one(t)).collect(),
            DefKind::OneOf(a) => a.iter().filter_map(|(_, t, _)| one(t)).collect(),
            DefKind::Alias(t) | DefKind::Newtype(t, _) => one(t).into_iter().collect(),
            DefKind::Pending => vec![],
        }
    }

    /// Aliases that are part of a cycle of aliases: with a list somewhere in the cycle they
    /// become newtypes; a cycle of bare `$ref`s is an error.
    fn alias_cycles(&mut self, specs: &Specs) -> Result<(), Error> {
        fn named_in(t: &TypeRef, via_list: bool, out: &mut Vec<(usize, bool)>) {
            match t {
                TypeRef::Named(n) => out.push((*n, via_list)),
                TypeRef::Vec(inner) => named_in(inner, true, out),
                _ => {}
            }
        }
        let n = self.defs.len();
        // Alias -> alias edges: (target, through a list).
        let edges: Vec<Vec<(usize, bool)>> = self
            .defs
            .iter()
            .map(|d| match &d.kind {
                DefKind::Alias(t) => {
                    let mut out = vec![];
                    named_in(t, false, &mut out);
                    out.retain(|(j, _)| matches!(self.defs[*j].kind, DefKind::Alias(_)));
                    out
                }
                _ => vec![],
            })
            .collect();
        let reaches = |from: usize, to: usize, bare_only: bool| -> bool {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            while let Some(x) = stack.pop() {
                for &(y, via_list) in &edges[x] {
                    if bare_only && via_list {
                        continue;
                    }
                    if y == to {
                        return true;
                    }
                    if !seen[y] {
                        seen[y] = true;
                        stack.push(y);
                    }
                }
            }
            false
        };
        let mut on_cycle = vec![];
        for (i, out) in edges.iter().enumerate() {
            if out.is_empty() || !reaches(i, i, false) {
                continue;
            }
            if reaches(i, i, true) {
                let d = &self.defs[i];
                let (file, pointer) = d.origin.split_once('#').unwrap_or((&d.file, ""));
                return Err(specs.err(
                    file,
                    pointer,
                    format!(
                        "`$ref`s here lead back to this schema with no object or list in between (`{}` would be itself); give one of them a type",
                        d.name
                    ),
                ));
            }
            on_cycle.push(i);
        }
        for i in on_cycle {
            if let DefKind::Alias(t) = &self.defs[i].kind {
                self.defs[i].kind = DefKind::Newtype(t.clone(), false);
            }
        }
        Ok(())
    }

    /// Boxes the fields, arms and newtypes that close a cycle of types held by value.
    fn box_cycles(&mut self) {
        let edges: Vec<Vec<usize>> = self.defs.iter().map(|d| Self::by_value(&d.kind)).collect();
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
        let closes = |i: usize, t: &TypeRef| matches!(t, TypeRef::Named(n) if reaches(*n, i));
        for i in 0..self.defs.len() {
            let mut kind = std::mem::replace(&mut self.defs[i].kind, DefKind::Pending);
            match &mut kind {
                DefKind::Struct(props) => {
                    for p in props.iter_mut() {
                        p.3 = closes(i, &p.2);
                    }
                }
                DefKind::OneOf(arms) => {
                    for a in arms.iter_mut() {
                        a.2 = closes(i, &a.1);
                    }
                }
                DefKind::Newtype(t, boxed) => *boxed = closes(i, t),
                DefKind::Alias(_) | DefKind::Pending => {}
            }
            self.defs[i].kind = kind;
        }
    }
}

/// Whether a schema (or a part of its `allOf`) declares `additionalProperties`.
fn open(specs: &Specs, file: &str, pointer: &str, s: &Value) -> bool {
    let declares = |s: &Value| {
        s.get("additionalProperties")
            .is_some_and(|a| a.as_bool().unwrap_or(a.is_object()))
    };
    declares(s)
        || s.get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .any(|(i, p)| match p.get("$ref").and_then(Value::as_str) {
                Some(r) => specs
                    .resolve(file, &format!("{pointer}/allOf/{i}"), r)
                    .is_ok_and(|(_, _, t)| declares(t)),
                None => declares(p),
            })
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
                    &format!("/components/schemas/{}", escape(name)),
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
                    escape(name)
                );
                if r.pointer("/content/application~1json/schema").is_some() {
                    let id = m.named(specs, file, &ptr)?;
                    if m.defs[id].file == *file && m.defs[id].name.starts_with("Schema") {
                        if let Some(scope) = m.scopes.get_mut(file) {
                            m.defs[id].name =
                                scope.unique(format!("{}Response", naming::type_name(name)));
                        }
                    }
                }
            }
        }
    }
    Ok(m)
}
