//! The COQL lexer and parser: a query string to a [`Query`].

use crate::error::ApiError;
use axum::http::StatusCode;
use serde_json::{json, Value};

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
pub(crate) enum Cond {
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

pub(crate) struct Query {
    pub(crate) columns: Vec<String>,
    pub(crate) module: String,
    pub(crate) cond: Cond,
    pub(crate) order: Vec<(String, bool)>,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
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

pub(crate) fn parse(q: &str) -> Result<Query, ApiError> {
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
}
