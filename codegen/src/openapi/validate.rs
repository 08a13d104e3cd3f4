//! The structure of an OpenAPI document, checked before anything reads it: every member the
//! generator uses has the JSON type OpenAPI 3.0 gives it. A wrong one is an error naming the file
//! and the JSON pointer, so no part of a document is skipped for being malformed.

use super::load::{escape, Specs};
use crate::Error;
use serde_json::{Map, Value};

/// The operations the generator reads, by path-item key.
pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// An object member found: its pointer and the object.
type Member<'v> = Option<(String, &'v Map<String, Value>)>;

struct Check<'a> {
    specs: &'a Specs,
    file: &'a str,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Check<'_> {
    fn wrong(&self, at: &str, want: &str, got: &Value) -> Error {
        self.specs.err(
            self.file,
            at,
            format!("expected {want}, found {}", kind(got)),
        )
    }

    fn object<'v>(&self, at: &str, v: &'v Value) -> Result<&'v Map<String, Value>, Error> {
        v.as_object().ok_or_else(|| self.wrong(at, "an object", v))
    }

    /// `parent[key]`, which must be an object when present.
    fn member_object<'v>(
        &self,
        at: &str,
        parent: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Member<'v>, Error> {
        match parent.get(key) {
            None => Ok(None),
            Some(v) => {
                let p = format!("{at}/{}", escape(key));
                let o = self.object(&p, v)?;
                Ok(Some((p, o)))
            }
        }
    }

    fn member_string(&self, at: &str, parent: &Map<String, Value>, key: &str) -> Result<(), Error> {
        match parent.get(key) {
            None | Some(Value::String(_)) => Ok(()),
            Some(v) => Err(self.wrong(&format!("{at}/{}", escape(key)), "a string", v)),
        }
    }

    fn reference(&self, at: &str, o: &Map<String, Value>) -> Result<bool, Error> {
        self.member_string(at, o, "$ref")?;
        Ok(o.contains_key("$ref"))
    }

    fn schema(&self, at: &str, v: &Value) -> Result<(), Error> {
        let o = self.object(at, v)?;
        self.reference(at, o)?;
        self.member_string(at, o, "type")?;
        if let Some((p, props)) = self.member_object(at, o, "properties")? {
            for (k, s) in props {
                self.schema(&format!("{p}/{}", escape(k)), s)?;
            }
        }
        if let Some(items) = o.get("items") {
            self.schema(&format!("{at}/items"), items)?;
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(arms) = o.get(key) {
                let p = format!("{at}/{key}");
                let arms = arms
                    .as_array()
                    .ok_or_else(|| self.wrong(&p, "an array of schemas", arms))?;
                for (i, arm) in arms.iter().enumerate() {
                    self.schema(&format!("{p}/{i}"), arm)?;
                }
            }
        }
        Ok(())
    }

    /// A request body or response: a `$ref`, or `content` whose JSON schema is checked.
    fn body(&self, at: &str, v: &Value) -> Result<(), Error> {
        let o = self.object(at, v)?;
        if self.reference(at, o)? {
            return Ok(());
        }
        if let Some((p, content)) = self.member_object(at, o, "content")? {
            for (media, c) in content {
                let p = format!("{p}/{}", escape(media));
                let c = self.object(&p, c)?;
                if let Some(s) = c.get("schema") {
                    self.schema(&format!("{p}/schema"), s)?;
                }
            }
        }
        Ok(())
    }

    fn parameter(&self, at: &str, v: &Value) -> Result<(), Error> {
        let o = self.object(at, v)?;
        if self.reference(at, o)? {
            return Ok(());
        }
        for key in ["name", "in"] {
            match o.get(key) {
                Some(Value::String(_)) => {}
                Some(v) => return Err(self.wrong(&format!("{at}/{key}"), "a string", v)),
                None => {
                    return Err(self
                        .specs
                        .err(self.file, at, format!("a parameter needs `{key}`")))
                }
            }
        }
        if let Some(s) = o.get("schema") {
            self.schema(&format!("{at}/schema"), s)?;
        }
        Ok(())
    }

    fn parameters(&self, at: &str, o: &Map<String, Value>) -> Result<(), Error> {
        if let Some(list) = o.get("parameters") {
            let p = format!("{at}/parameters");
            let list = list
                .as_array()
                .ok_or_else(|| self.wrong(&p, "an array of parameters", list))?;
            for (i, param) in list.iter().enumerate() {
                self.parameter(&format!("{p}/{i}"), param)?;
            }
        }
        Ok(())
    }

    fn operation(&self, at: &str, v: &Value) -> Result<(), Error> {
        let o = self.object(at, v)?;
        self.member_string(at, o, "operationId")?;
        self.parameters(at, o)?;
        if let Some(b) = o.get("requestBody") {
            self.body(&format!("{at}/requestBody"), b)?;
        }
        if let Some((p, responses)) = self.member_object(at, o, "responses")? {
            for (status, r) in responses {
                self.body(&format!("{p}/{}", escape(status)), r)?;
            }
        }
        Ok(())
    }
}

/// Checks one document.
pub fn document(specs: &Specs, file: &str, doc: &Value) -> Result<(), Error> {
    let c = Check { specs, file };
    let root = c.object("", doc)?;
    c.member_string("", root, "openapi")?;
    if let Some((p, paths)) = c.member_object("", root, "paths")? {
        for (path, item) in paths {
            let at = format!("{p}/{}", escape(path));
            let item = c.object(&at, item)?;
            c.parameters(&at, item)?;
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    c.operation(&format!("{at}/{method}"), op)?;
                }
            }
        }
    }
    if let Some((p, components)) = c.member_object("", root, "components")? {
        if let Some((p, schemas)) = c.member_object(&p, components, "schemas")? {
            for (name, s) in schemas {
                c.schema(&format!("{p}/{}", escape(name)), s)?;
            }
        }
        for key in ["responses", "requestBodies"] {
            if let Some((p, bodies)) = c.member_object(&p, components, key)? {
                for (name, b) in bodies {
                    c.body(&format!("{p}/{}", escape(name)), b)?;
                }
            }
        }
        if let Some((p, params)) = c.member_object(&p, components, "parameters")? {
            for (name, param) in params {
                c.parameter(&format!("{p}/{}", escape(name)), param)?;
            }
        }
    }
    Ok(())
}
