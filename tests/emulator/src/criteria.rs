//! Search criteria: `((Field:operator:value)and(Field:operator:value))`, with `\` escapes.

use crate::clock;
use crate::error::ApiError;
use crate::metadata::ModuleMeta;
use crate::state::Record;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Conditions allowed in one criteria string.
pub const MAX_CONDITIONS: usize = 10;

/// A parsed criteria expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Cond {
        field: String,
        op: String,
        value: String,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

fn syntax(reason: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_QUERY",
        "invalid query formed",
        json!({"reason": reason}),
    )
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    conditions: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn expr(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.group()?;
        loop {
            self.ws();
            let rest = &self.s[self.i..];
            let (is_and, len) = if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"and") {
                (true, 3)
            } else if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"or") {
                (false, 2)
            } else {
                return Ok(left);
            };
            self.i += len;
            let right = self.group()?;
            left = if is_and {
                Expr::And(Box::new(left), Box::new(right))
            } else {
                Expr::Or(Box::new(left), Box::new(right))
            };
        }
    }
    fn group(&mut self) -> Result<Expr, ApiError> {
        self.ws();
        if self.s.get(self.i) != Some(&b'(') {
            return Err(syntax("expected `(`"));
        }
        self.i += 1;
        self.ws();
        let e = if self.s.get(self.i) == Some(&b'(') {
            self.expr()?
        } else {
            self.cond()?
        };
        self.ws();
        if self.s.get(self.i) != Some(&b')') {
            return Err(syntax("expected `)`"));
        }
        self.i += 1;
        Ok(e)
    }
    fn cond(&mut self) -> Result<Expr, ApiError> {
        let mut parts: Vec<String> = vec![String::new()];
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match c {
                b'\\' if self.i + 1 < self.s.len() => {
                    parts
                        .last_mut()
                        .expect("non-empty")
                        .push(self.s[self.i + 1] as char);
                    self.i += 2;
                    continue;
                }
                b')' => break,
                b':' if parts.len() < 3 => parts.push(String::new()),
                _ => {
                    // Keep multi-byte UTF-8 intact by copying raw bytes.
                    let start = self.i;
                    let mut end = start + 1;
                    while end < self.s.len() && (self.s[end] & 0xC0) == 0x80 {
                        end += 1;
                    }
                    parts
                        .last_mut()
                        .expect("non-empty")
                        .push_str(std::str::from_utf8(&self.s[start..end]).unwrap_or(""));
                    self.i = end;
                    continue;
                }
            }
            self.i += 1;
        }
        if parts.len() != 3 || parts[0].trim().is_empty() {
            return Err(syntax("a condition is `(field:operator:value)`"));
        }
        self.conditions += 1;
        Ok(Expr::Cond {
            field: parts[0].trim().to_string(),
            op: parts[1].trim().to_ascii_lowercase(),
            value: parts[2].clone(),
        })
    }
}

/// Parses a criteria string.
pub fn parse(s: &str) -> Result<Expr, ApiError> {
    let mut p = Parser {
        s: s.as_bytes(),
        i: 0,
        conditions: 0,
    };
    let e = p.expr()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(syntax("unexpected text after the criteria"));
    }
    if p.conditions > MAX_CONDITIONS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_CONDITIONS, "param_name": "criteria"}),
        ));
    }
    Ok(e)
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',').map(|x| x.trim().to_string()).collect()
}

/// Checks fields and operators against metadata, as Zoho does before searching.
pub fn check(e: &Expr, meta: &ModuleMeta) -> Result<(), ApiError> {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            check(a, meta)?;
            check(b, meta)
        }
        Expr::Cond { field, op, .. } => {
            let f = if field == "id" {
                None
            } else {
                Some(meta.field(field).ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed", json!({"api_name": field, "reason": "the field is not available in the module"})))?)
            };
            let dt = f.map(|f| f.data_type()).unwrap_or("bigint");
            let allowed: &[&str] = match dt {
                "date" | "datetime" | "integer" | "bigint" | "double" | "currency" | "percent" => {
                    &[
                        "equals",
                        "not_equal",
                        "greater_than",
                        "greater_equal",
                        "less_than",
                        "less_equal",
                        "between",
                        "in",
                    ]
                }
                "boolean" => &["equals", "not_equal"],
                "picklist" | "multiselectpicklist" => &["equals", "not_equal", "in"],
                "lookup" | "ownerlookup" | "userlookup" => &["equals", "not_equal", "in"],
                "textarea" => &["equals", "not_equal", "starts_with"],
                _ => &["equals", "not_equal", "starts_with", "in"],
            };
            let known = [
                "equals",
                "not_equal",
                "starts_with",
                "in",
                "greater_than",
                "greater_equal",
                "less_than",
                "less_equal",
                "between",
            ];
            if !known.contains(&op.as_str()) || !allowed.contains(&op.as_str()) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_QUERY",
                    "invalid operator found",
                    json!({"operator": op, "reason": "The operator is not valid for the field type", "api_name": field}),
                ));
            }
            Ok(())
        }
    }
}

/// Compares a stored value with a criteria value; `None` when they cannot be compared.
fn compare(stored: &Value, given: &str, dt: &str) -> Option<std::cmp::Ordering> {
    match dt {
        "integer" | "double" | "currency" | "percent" | "bigint" => {
            let a = match stored {
                Value::Number(n) => n.as_f64()?,
                Value::String(s) => s.parse().ok()?,
                _ => return None,
            };
            a.partial_cmp(&given.trim().parse::<f64>().ok()?)
        }
        "datetime" => Some(clock::parse(stored.as_str()?)?.cmp(&clock::parse(given)?)),
        "date" => Some(stored.as_str()?.cmp(given.trim())),
        _ => Some(stored.as_str()?.to_lowercase().cmp(&given.to_lowercase())),
    }
}

fn equals(stored: &Value, given: &str, dt: &str) -> bool {
    match stored {
        Value::Null => given.eq_ignore_ascii_case("null") || given.is_empty(),
        Value::Bool(b) => given.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Array(a) => a.iter().any(|x| equals(x, given, "text")),
        Value::Object(o) => ["id", "name"].iter().any(|k| {
            o.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(given))
        }),
        _ => compare(stored, given, dt) == Some(std::cmp::Ordering::Equal),
    }
}

/// Whether a record satisfies the expression.
pub fn matches(e: &Expr, rec: &Record, meta: &ModuleMeta) -> bool {
    use std::cmp::Ordering::*;
    match e {
        Expr::And(a, b) => matches(a, rec, meta) && matches(b, rec, meta),
        Expr::Or(a, b) => matches(a, rec, meta) || matches(b, rec, meta),
        Expr::Cond { field, op, value } => {
            let stored = rec.get(field).cloned().unwrap_or(Value::Null);
            let dt = meta.field(field).map(|f| f.data_type()).unwrap_or("bigint");
            match op.as_str() {
                "equals" => equals(&stored, value, dt),
                "not_equal" => !equals(&stored, value, dt),
                "starts_with" => stored
                    .as_str()
                    .is_some_and(|s| s.to_lowercase().starts_with(&value.to_lowercase())),
                "in" => split_list(value).iter().any(|v| equals(&stored, v, dt)),
                "greater_than" => compare(&stored, value, dt) == Some(Greater),
                "greater_equal" => matches!(compare(&stored, value, dt), Some(Greater | Equal)),
                "less_than" => compare(&stored, value, dt) == Some(Less),
                "less_equal" => matches!(compare(&stored, value, dt), Some(Less | Equal)),
                "between" => {
                    let l = split_list(value);
                    l.len() == 2
                        && matches!(compare(&stored, &l[0], dt), Some(Greater | Equal))
                        && matches!(compare(&stored, &l[1], dt), Some(Less | Equal))
                }
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_and_escaped() {
        let e = parse("((Last_Name:equals:O\\(Brien\\))and(Email:starts_with:a\\,b))").unwrap();
        match e {
            Expr::And(a, b) => {
                assert_eq!(
                    *a,
                    Expr::Cond {
                        field: "Last_Name".into(),
                        op: "equals".into(),
                        value: "O(Brien)".into()
                    }
                );
                assert_eq!(
                    *b,
                    Expr::Cond {
                        field: "Email".into(),
                        op: "starts_with".into(),
                        value: "a,b".into()
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(parse("(Last_Name:equals:x)").is_ok());
        assert!(parse("(Last_Name:equals:x").is_err());
        assert!(parse("Last_Name:equals:x").is_err());
        let many = (0..11)
            .map(|i| format!("(A:equals:{i})"))
            .collect::<Vec<_>>()
            .join("or");
        assert_eq!(
            parse(&format!("({many})")).unwrap_err().code(),
            "LIMIT_EXCEEDED"
        );
    }
}
