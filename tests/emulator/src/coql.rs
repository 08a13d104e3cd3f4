//! COQL (`POST /coql`): a real subset of Zoho's query language.
//!
//! `select a, b, Lookup.field from Module where <cond> [order by f [asc|desc], ...]
//! [limit n [offset m] | limit m, n]`, where a condition is `field op value` with
//! `= != <> > < >= <= like, not like, in, not in, between, not between, is null, is not null`,
//! combined pairwise with `and`/`or` and parentheses (`(a and b) or c`), as Zoho requires.

use crate::auth::{Caller, Need};
use crate::clock;
use crate::error::{json_response, no_content, ApiError, ApiResult};
use crate::metadata::ModuleMeta;
use crate::state::{App, Org, Record};
use crate::write::json_body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// Default `limit`.
pub const DEFAULT_LIMIT: usize = 200;
/// Largest `limit`.
pub const MAX_LIMIT: usize = 2000;
/// Deepest row reachable with `limit`/`offset`.
pub const MAX_REACH: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Sym(String),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Word(s) | Tok::Num(s) | Tok::Sym(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
        }
    }
}

fn syntax_at(col: usize, near: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "SYNTAX_ERROR",
        "unexpected token",
        json!({"line": 1, "column": col, "near": near}),
    )
}

fn lex(q: &str) -> Result<Vec<(Tok, usize)>, ApiError> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax_at(start, "'")),
                    Some('\\') if i + 1 < chars.len() => {
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push((Tok::Str(s), start));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut s = String::from(c);
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                s.push(chars[i]);
                i += 1;
            }
            out.push((Tok::Num(s), start));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut s = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '.'))
            {
                s.push(chars[i]);
                i += 1;
            }
            out.push((Tok::Word(s), start));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = if ["!=", "<>", ">=", "<="].contains(&two.as_str()) {
                two
            } else {
                c.to_string()
            };
            if !["(", ")", ",", "=", "!=", "<>", ">", "<", ">=", "<=", "*"].contains(&sym.as_str())
            {
                return Err(syntax_at(start, &sym));
            }
            i += sym.chars().count();
            out.push((Tok::Sym(sym), start));
        }
    }
    Ok(out)
}

/// A condition of the `where` clause.
#[derive(Debug, Clone)]
enum Cond {
    Cmp {
        col: String,
        op: String,
        value: Value,
    },
    In {
        col: String,
        values: Vec<Value>,
        negate: bool,
    },
    Between {
        col: String,
        lo: Value,
        hi: Value,
        negate: bool,
    },
    Like {
        col: String,
        pattern: String,
        negate: bool,
    },
    Null {
        col: String,
        negate: bool,
    },
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

struct Query {
    columns: Vec<String>,
    module: String,
    cond: Cond,
    order: Vec<(String, bool)>,
    limit: usize,
    offset: usize,
}

struct P {
    toks: Vec<(Tok, usize)>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }
    fn err(&self) -> ApiError {
        match self.toks.get(self.i) {
            Some((t, col)) => syntax_at(*col, &t.text()),
            None => ApiError::new(
                StatusCode::BAD_REQUEST,
                "SYNTAX_ERROR",
                "error occured while parsing the query",
                json!({"near": self.toks.last().map(|t| t.0.text()).unwrap_or_default()}),
            ),
        }
    }
    fn kw(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }
    fn eat_kw(&mut self, k: &str) -> bool {
        let yes = self.kw(k);
        if yes {
            self.i += 1;
        }
        yes
    }
    fn expect_kw(&mut self, k: &str) -> Result<(), ApiError> {
        if self.eat_kw(k) {
            Ok(())
        } else {
            Err(self.err())
        }
    }
    fn sym(&mut self, s: &str) -> bool {
        let yes = matches!(self.peek(), Some(Tok::Sym(x)) if x == s);
        if yes {
            self.i += 1;
        }
        yes
    }
    fn ident(&mut self) -> Result<String, ApiError> {
        match self.peek() {
            Some(Tok::Word(w)) if !is_keyword(w) => {
                let w = w.clone();
                self.i += 1;
                Ok(w)
            }
            _ => Err(self.err()),
        }
    }
    fn value(&mut self) -> Result<Value, ApiError> {
        let v = match self.peek() {
            Some(Tok::Str(s)) => json!(s),
            Some(Tok::Num(n)) => n
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| n.parse::<f64>().map(Value::from))
                .map_err(|_| self.err())?,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => json!(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => json!(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
            _ => return Err(self.err()),
        };
        self.i += 1;
        Ok(v)
    }
    fn number(&mut self, what: &str) -> Result<usize, ApiError> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                let n = n.parse::<usize>().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_QUERY",
                        &format!("{what} given seems to be invalid"),
                        json!({what: n}),
                    )
                })?;
                self.i += 1;
                Ok(n)
            }
            Some(t) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                &format!("{what} given seems to be invalid"),
                json!({what: t.text().trim_matches('\'')}),
            )),
            None => Err(self.err()),
        }
    }
    /// `atom [(and|or) atom]`: Zoho requires parentheses for more than two conditions.
    fn cond(&mut self) -> Result<Cond, ApiError> {
        let left = self.atom()?;
        if self.eat_kw("and") {
            return Ok(Cond::And(Box::new(left), Box::new(self.atom()?)));
        }
        if self.eat_kw("or") {
            return Ok(Cond::Or(Box::new(left), Box::new(self.atom()?)));
        }
        Ok(left)
    }
    fn atom(&mut self) -> Result<Cond, ApiError> {
        if self.sym("(") {
            let c = self.cond()?;
            if !self.sym(")") {
                return Err(self.err());
            }
            return Ok(c);
        }
        let col = self.ident()?;
        if self.eat_kw("is") {
            let negate = self.eat_kw("not");
            self.expect_kw("null")?;
            return Ok(Cond::Null { col, negate });
        }
        let negate = self.eat_kw("not");
        if self.eat_kw("in") {
            if !self.sym("(") {
                return Err(self.err());
            }
            let mut values = vec![self.value()?];
            while self.sym(",") {
                values.push(self.value()?);
            }
            if !self.sym(")") {
                return Err(self.err());
            }
            return Ok(Cond::In {
                col,
                values,
                negate,
            });
        }
        if self.eat_kw("between") {
            let lo = self.value()?;
            self.expect_kw("and")?;
            let hi = self.value()?;
            return Ok(Cond::Between {
                col,
                lo,
                hi,
                negate,
            });
        }
        if self.eat_kw("like") {
            return match self.value()? {
                Value::String(pattern) => Ok(Cond::Like {
                    col,
                    pattern,
                    negate,
                }),
                _ => Err(self.err()),
            };
        }
        if negate {
            return Err(self.err());
        }
        let op = match self.peek() {
            Some(Tok::Sym(s)) if ["=", "!=", "<>", ">", "<", ">=", "<="].contains(&s.as_str()) => {
                s.clone()
            }
            _ => return Err(self.err()),
        };
        self.i += 1;
        let value = self.value()?;
        Ok(Cond::Cmp {
            col,
            op: if op == "<>" { "!=".into() } else { op },
            value,
        })
    }
}

fn is_keyword(w: &str) -> bool {
    [
        "select", "from", "where", "order", "by", "limit", "offset", "and", "or", "not", "in",
        "like", "between", "is", "null", "asc", "desc",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(w))
}

fn parse(q: &str) -> Result<Query, ApiError> {
    let mut p = P {
        toks: lex(q)?,
        i: 0,
    };
    p.expect_kw("select")?;
    if matches!(p.peek(), Some(Tok::Sym(s)) if s == "*") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "SYNTAX_ERROR",
            "unexpected token",
            json!({"line": 1, "column": p.toks[p.i].1, "near": "*"}),
        ));
    }
    let mut columns = vec![p.ident()?];
    while p.sym(",") {
        columns.push(p.ident()?);
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "DUPLICATE_DATA",
                "duplicate select column",
                json!({"column_name": c}),
            ));
        }
    }
    p.expect_kw("from")?;
    let module = p.ident()?;
    if !p.eat_kw("where") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "SYNTAX_ERROR",
            "missing clause",
            json!({"clause": "where"}),
        ));
    }
    let cond = p.cond()?;
    let mut order = vec![];
    if p.eat_kw("order") {
        p.expect_kw("by")?;
        loop {
            let col = p.ident()?;
            let desc = if p.eat_kw("desc") {
                true
            } else {
                p.eat_kw("asc");
                false
            };
            order.push((col, desc));
            if !p.sym(",") {
                break;
            }
        }
    }
    let (mut limit, mut offset) = (DEFAULT_LIMIT, 0);
    if p.eat_kw("limit") {
        let first = p.number("limit")?;
        if p.sym(",") {
            offset = first;
            limit = p.number("limit")?;
        } else {
            limit = first;
            if p.eat_kw("offset") {
                offset = p.number("offset")?;
            }
        }
    }
    if p.i != p.toks.len() {
        return Err(p.err());
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "limit given seems to be invalid",
            json!({"limit": limit.to_string()}),
        ));
    }
    if offset + limit > MAX_REACH {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_REACH}),
        ));
    }
    Ok(Query {
        columns,
        module,
        cond,
        order,
        limit,
        offset,
    })
}

/// The value of a column for a record, following one lookup hop for `Lookup.Field`.
fn column(org: &Org, meta: &ModuleMeta, rec: &Record, col: &str) -> Value {
    match col.split_once('.') {
        None => rec.get(col).cloned().unwrap_or(Value::Null),
        Some((head, tail)) => {
            let Some(f) = meta.field(head) else {
                return Value::Null;
            };
            let id = rec
                .get(head)
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str);
            let target = f.lookup_module().and_then(|m| org.records.get(m));
            match (id, target) {
                (Some(id), Some(t)) => t
                    .get(id)
                    .and_then(|r| r.get(tail))
                    .cloned()
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }
    }
}

fn check_columns(org: &Org, meta: &ModuleMeta, cols: &[&str]) -> Result<(), ApiError> {
    for col in cols {
        let ok = match col.split_once('.') {
            None => *col == "id" || meta.field(col).is_some(),
            Some((head, tail)) => meta
                .field(head)
                .and_then(|f| f.lookup_module())
                .and_then(|m| org.meta.get(m))
                .is_some_and(|t| tail == "id" || t.field(tail).is_some()),
        };
        if !ok {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "invalid query formed",
                json!({"column_name": col, "reason": "column given seems to be invalid"}),
            ));
        }
    }
    Ok(())
}

fn cond_columns<'a>(c: &'a Cond, out: &mut Vec<&'a str>) {
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_columns(a, out);
            cond_columns(b, out);
        }
        Cond::Cmp { col, .. }
        | Cond::In { col, .. }
        | Cond::Between { col, .. }
        | Cond::Like { col, .. }
        | Cond::Null { col, .. } => out.push(col),
    }
}

fn cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::Number(y)) => x.parse::<f64>().ok()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => match (clock::parse(x), clock::parse(y)) {
            (Some(p), Some(q)) => Some(p.cmp(&q)),
            _ => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        },
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Object(o), Value::String(_)) => cmp(o.get("id")?, b),
        (Value::Array(arr), _) => arr.iter().find_map(|x| cmp(x, b).filter(|o| o.is_eq())),
        _ => None,
    }
}

fn like(value: &str, pattern: &str) -> bool {
    let v = value.to_lowercase();
    let p = pattern.to_lowercase();
    let parts: Vec<&str> = p.split('%').collect();
    if parts.len() == 1 {
        return v == p;
    }
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !v.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return v.len() >= pos + part.len() && v.ends_with(part);
        } else {
            match v[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

fn eval(c: &Cond, org: &Org, meta: &ModuleMeta, rec: &Record) -> bool {
    let col = |name: &str| column(org, meta, rec, name);
    match c {
        Cond::And(a, b) => eval(a, org, meta, rec) && eval(b, org, meta, rec),
        Cond::Or(a, b) => eval(a, org, meta, rec) || eval(b, org, meta, rec),
        Cond::Null { col: c, negate } => col(c).is_null() != *negate,
        Cond::Cmp { col: c, op, value } => {
            let o = cmp(&col(c), value);
            match op.as_str() {
                "=" => o == Some(Ordering::Equal),
                "!=" => o != Some(Ordering::Equal),
                ">" => o == Some(Ordering::Greater),
                "<" => o == Some(Ordering::Less),
                ">=" => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
                "<=" => matches!(o, Some(Ordering::Less | Ordering::Equal)),
                _ => false,
            }
        }
        Cond::In {
            col: c,
            values,
            negate,
        } => {
            let v = col(c);
            values.iter().any(|x| cmp(&v, x) == Some(Ordering::Equal)) != *negate
        }
        Cond::Between {
            col: c,
            lo,
            hi,
            negate,
        } => {
            let v = col(c);
            let inside = matches!(cmp(&v, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp(&v, hi), Some(Ordering::Less | Ordering::Equal));
            inside != *negate
        }
        Cond::Like {
            col: c,
            pattern,
            negate,
        } => col(c).as_str().is_some_and(|s| like(s, pattern)) != *negate,
    }
}

/// `POST /coql {"select_query": "..."}`.
pub async fn execute(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require(Need::plain("coql", "READ"))?;
    let body = json_body(&headers, &body)?;
    let q = body
        .get("select_query")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "mandatory key not found",
                json!({"api_name": "select_query"}),
            )
        })?;
    let include_fields = match body.get("include_meta") {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                if x != "fields" {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_DATA",
                        "invalid data",
                        json!({"expected_data_type": "text", "api_name": "include_meta", "json_path": format!("$.include_meta[{i}]"), "supported_values": ["fields"]}),
                    ));
                }
            }
            !a.is_empty()
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid data",
                json!({"expected_data_type": "jsonarray", "api_name": "include_meta", "json_path": "$.include_meta"}),
            ))
        }
    };
    let q = parse(q)?;
    let world = app.world();
    let org = &world.orgs[&caller.org_id];
    let module = org
        .module_name(&q.module)
        .filter(|m| org.meta[m].is_record_module())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_MODULE",
                "the given module is not supported in api",
                json!({}),
            )
        })?;
    caller.require(Need::module(&module, "READ"))?;
    let meta = &org.meta[&module];
    let mut cols: Vec<&str> = q.columns.iter().map(String::as_str).collect();
    cond_columns(&q.cond, &mut cols);
    cols.extend(q.order.iter().map(|(c, _)| c.as_str()));
    check_columns(org, meta, &cols)?;
    let mut hits: Vec<&Record> = org.records[&module]
        .values()
        .filter(|r| eval(&q.cond, org, meta, r))
        .collect();
    if q.order.is_empty() {
        hits.reverse();
    } else {
        hits.sort_by(|a, b| {
            for (c, desc) in &q.order {
                let o = cmp(&column(org, meta, a, c), &column(org, meta, b, c))
                    .unwrap_or(Ordering::Equal);
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let total = hits.len();
    let rows: Vec<Value> = hits
        .into_iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|r| {
            let mut m = Map::new();
            for c in &q.columns {
                m.insert(c.clone(), column(org, meta, r, c));
            }
            m.insert("id".into(), r.get("id").cloned().unwrap_or(Value::Null));
            Value::Object(m)
        })
        .collect();
    if rows.is_empty() {
        return Ok(no_content());
    }
    let more = q.offset + rows.len() < total;
    let mut out = json!({"data": rows, "info": {"count": rows.len(), "more_records": more}});
    if include_fields {
        let fields: Map<String, Value> = q
            .columns
            .iter()
            .filter_map(|c| meta.field(c).map(|f| (c.clone(), f.0.clone())))
            .collect();
        out["fields"] = Value::Object(fields);
    }
    Ok(json_response(StatusCode::OK, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_query() {
        let q = parse("select Last_Name, Account_Name.Account_Name from Leads where (Lead_Status = 'Contacted' and Annual_Revenue >= 100) or Email is not null order by Created_Time desc, Last_Name limit 10 offset 20").unwrap();
        assert_eq!(q.columns, vec!["Last_Name", "Account_Name.Account_Name"]);
        assert_eq!(q.module, "Leads");
        assert_eq!((q.limit, q.offset), (10, 20));
        assert_eq!(
            q.order,
            vec![
                ("Created_Time".to_string(), true),
                ("Last_Name".to_string(), false)
            ]
        );
        assert!(matches!(q.cond, Cond::Or(..)));
    }

    #[test]
    fn rejects_what_zoho_rejects() {
        assert_eq!(
            parse("select Last_Name from Leads").err().unwrap().code(),
            "SYNTAX_ERROR"
        );
        assert_eq!(
            parse("select Last_Name from Leads where a = 1 and b = 2 and c = 3")
                .err()
                .unwrap()
                .code(),
            "SYNTAX_ERROR"
        );
        assert_eq!(
            parse("select Last_Name from Leads where a = 1 limit 5000")
                .err()
                .unwrap()
                .code(),
            "INVALID_QUERY"
        );
        assert_eq!(
            parse("select Last_Name from Leads where a = 1 limit 's'")
                .err()
                .unwrap()
                .code(),
            "INVALID_QUERY"
        );
        assert_eq!(
            parse("select a, a from Leads where a = 1")
                .err()
                .unwrap()
                .code(),
            "DUPLICATE_DATA"
        );
        let e = parse("select Last_Name FROM").err().unwrap();
        assert_eq!(e.code(), "SYNTAX_ERROR");
    }

    #[test]
    fn like_patterns() {
        assert!(like("Zylker Inc", "zyl%"));
        assert!(like("Zylker Inc", "%inc"));
        assert!(like("Zylker Inc", "%ker%"));
        assert!(!like("Zylker Inc", "%acme%"));
        assert!(like("abc", "abc"));
    }
}
