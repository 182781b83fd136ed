//! A small OData `$filter` language, as Movidesk accepts it: comparisons (`eq ne gt ge lt le`),
//! `and`/`or`/`not`, parentheses, navigation paths (`owner/id`), lambdas over collections
//! (`tags/any(t: t eq 'x')`, `emails/any(e: e/email eq 'x')`, `clients/all(...)`), string functions
//! (`contains`, `startswith`, `endswith`, `tolower`, `toupper`), and literals: `'strings'` (`''` escapes a
//! quote), numbers, `true`/`false`/`null`, date-times (`2026-01-01T00:00:00.00z`, `datetime'…'`) and enum
//! literals (`Movidesk.Core.Data.Enums.TicketOrigin'5'`).
//!
//! Evaluation runs on the rendered JSON entity. Like Movidesk's SQL backend, text compares without regard
//! to case; numbers written as strings (ticket ids) compare as numbers; dates compare as dates.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::common::time::parse_liberal;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
    Str(String),
    Num(f64),
    Date(DateTime<Utc>),
    Ident(String),
}

fn describe(t: &Token) -> String {
    match t {
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::Comma => "','".into(),
        Token::Colon => "':'".into(),
        Token::Slash => "'/'".into(),
        Token::Str(s) => format!("'{s}'"),
        Token::Num(n) => n.to_string(),
        Token::Date(d) => d.to_rfc3339(),
        Token::Ident(i) => format!("'{i}'"),
    }
}

fn read_quoted(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    // chars[i] is the opening quote.
    let start = i;
    i += 1;
    let mut s = String::new();
    loop {
        match chars.get(i) {
            None => return Err(format!("unterminated string literal at position {start}")),
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                s.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((s, i + 1)),
            Some(c) => {
                s.push(*c);
                i += 1;
            }
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            ':' => {
                tokens.push(Token::Colon);
                i += 1;
            }
            '/' => {
                tokens.push(Token::Slash);
                i += 1;
            }
            '\'' => {
                let (s, next) = read_quoted(&chars, i)?;
                tokens.push(Token::Str(s));
                i = next;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], ':' | '.' | '-' | '+'))
                {
                    i += 1;
                }
                let raw: String = chars[start..i].iter().collect();
                if let Ok(n) = raw.parse::<f64>() {
                    tokens.push(Token::Num(n));
                } else if let Some(d) = parse_liberal(&raw) {
                    tokens.push(Token::Date(d));
                } else {
                    let raw = raw.trim_end_matches(['m', 'M', 'd', 'D', 'l', 'L', 'f', 'F']);
                    match raw.parse::<f64>() {
                        Ok(n) => tokens.push(Token::Num(n)),
                        Err(_) => {
                            return Err(format!(
                                "'{}' at position {start} is neither a number nor a date",
                                chars[start..i].iter().collect::<String>()
                            ));
                        }
                    }
                }
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '$'))
                {
                    i += 1;
                }
                let ident: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'\'') {
                    // A typed literal: datetime'…', guid'…', Namespace.Enum'…'.
                    let (s, next) = read_quoted(&chars, i)?;
                    i = next;
                    let kind = ident.to_ascii_lowercase();
                    if kind == "datetime" || kind == "datetimeoffset" {
                        let d = parse_liberal(&s)
                            .ok_or_else(|| format!("'{s}' is not a valid {ident} literal"))?;
                        tokens.push(Token::Date(d));
                    } else {
                        tokens.push(Token::Str(s));
                    }
                } else {
                    tokens.push(Token::Ident(ident));
                }
            }
            other => return Err(format!("unexpected character '{other}' at position {i}")),
        }
    }
    Ok(tokens)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Date(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    Any,
    All,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Lit(Literal),
    Path(Vec<String>),
    Func(String, Vec<Operand>),
    Lambda {
        path: Vec<String>,
        quantifier: Quantifier,
        var: Option<String>,
        body: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, CmpOp, Operand),
    /// A boolean operand used as a condition (`isDeleted`, `tags/any(...)`, `contains(...)`).
    Truthy(Operand),
}

const FUNCTIONS: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "substringof",
    "tolower",
    "toupper",
    "trim",
    "length",
];

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(i)) if i.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, want: &Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == *want => Ok(()),
            Some(t) => Err(format!(
                "expected {} but found {}",
                describe(want),
                describe(&t)
            )),
            None => Err(format!("expected {} but the filter ended", describe(want))),
        }
    }

    fn parse_or(&mut self) -> Result<Expr, String> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Expr, String> {
        let mut left = self.parse_unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.parse_unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Expr, String> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.parse_unary()?)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let e = self.parse_or()?;
            self.expect(&Token::RParen)?;
            return Ok(e);
        }
        let left = self.parse_operand()?;
        if let Some(Token::Ident(op)) = self.peek()
            && let Some(op) = CmpOp::parse(op)
        {
            self.pos += 1;
            let right = self.parse_operand()?;
            return Ok(Expr::Cmp(left, op, right));
        }
        match left {
            Operand::Lit(Literal::Bool(_)) | Operand::Path(_) | Operand::Lambda { .. } => {
                Ok(Expr::Truthy(left))
            }
            Operand::Func(ref name, _)
                if matches!(
                    name.as_str(),
                    "contains" | "startswith" | "endswith" | "substringof"
                ) =>
            {
                Ok(Expr::Truthy(left))
            }
            _ => Err(match self.peek() {
                Some(t) => format!(
                    "expected a comparison operator (eq, ne, gt, ge, lt, le) but found {}",
                    describe(t)
                ),
                None => {
                    "expected a comparison operator (eq, ne, gt, ge, lt, le) but the filter ended"
                        .to_owned()
                }
            }),
        }
    }

    fn parse_operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Operand::Lit(Literal::Str(s))),
            Some(Token::Num(n)) => Ok(Operand::Lit(Literal::Num(n))),
            Some(Token::Date(d)) => Ok(Operand::Lit(Literal::Date(d))),
            Some(Token::Ident(id)) => {
                let lower = id.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Operand::Lit(Literal::Bool(true))),
                    "false" => return Ok(Operand::Lit(Literal::Bool(false))),
                    "null" => return Ok(Operand::Lit(Literal::Null)),
                    _ => {}
                }
                if self.peek() == Some(&Token::LParen) {
                    if !FUNCTIONS.contains(&lower.as_str()) {
                        return Err(format!("unknown function '{id}'"));
                    }
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Token::RParen) {
                        loop {
                            args.push(self.parse_operand()?);
                            if self.peek() == Some(&Token::Comma) {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect(&Token::RParen)?;
                    return Ok(Operand::Func(lower, args));
                }
                self.parse_path(id)
            }
            Some(t) => Err(format!(
                "expected a property or a value but found {}",
                describe(&t)
            )),
            None => Err("expected a property or a value but the filter ended".to_owned()),
        }
    }

    fn parse_path(&mut self, first: String) -> Result<Operand, String> {
        let mut path = vec![first];
        while self.peek() == Some(&Token::Slash) {
            self.pos += 1;
            let seg = match self.next() {
                Some(Token::Ident(s)) => s,
                Some(t) => {
                    return Err(format!(
                        "expected a property after '/' but found {}",
                        describe(&t)
                    ));
                }
                None => return Err("expected a property after '/' but the filter ended".to_owned()),
            };
            let quantifier = match seg.to_ascii_lowercase().as_str() {
                "any" => Some(Quantifier::Any),
                "all" => Some(Quantifier::All),
                _ => None,
            };
            if let Some(quantifier) = quantifier
                && self.peek() == Some(&Token::LParen)
            {
                self.pos += 1;
                if self.peek() == Some(&Token::RParen) {
                    self.pos += 1;
                    if quantifier == Quantifier::All {
                        return Err("all() needs a lambda expression".to_owned());
                    }
                    return Ok(Operand::Lambda {
                        path,
                        quantifier,
                        var: None,
                        body: None,
                    });
                }
                let var = match self.next() {
                    Some(Token::Ident(v)) => v,
                    _ => return Err(format!("expected a lambda variable after {seg}(")),
                };
                self.expect(&Token::Colon)?;
                let body = self.parse_or()?;
                self.expect(&Token::RParen)?;
                return Ok(Operand::Lambda {
                    path,
                    quantifier,
                    var: Some(var),
                    body: Some(Box::new(body)),
                });
            }
            path.push(seg);
        }
        Ok(Operand::Path(path))
    }
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

impl Filter {
    /// Parses a filter, checking top-level property names against `properties` (case-insensitive).
    pub fn parse(input: &str, entity: &str, properties: &[&str]) -> Result<Self, String> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Err("the filter is empty".to_owned());
        }
        let mut p = Parser { tokens, pos: 0 };
        let expr = p.parse_or()?;
        if let Some(t) = p.peek() {
            return Err(format!(
                "unexpected {} at the end of the filter (missing 'and'/'or'?)",
                describe(t)
            ));
        }
        check_expr(&expr, &mut Vec::new(), entity, properties)?;
        Ok(Self(expr))
    }

    pub fn matches(&self, entity: &Value) -> bool {
        eval(&self.0, entity, &mut Vec::new())
    }

    /// The string that `collection` must hold for any entity to match: the
    /// filter is `collection/any(v: v eq 'x')`, alone or as a term of an
    /// `and`. A list can skip the entities without it before rendering them;
    /// the filter still decides.
    pub fn required_member(&self, collection: &str) -> Option<String> {
        required_member(&self.0, collection)
    }
}

fn required_member(e: &Expr, collection: &str) -> Option<String> {
    match e {
        Expr::And(a, b) => {
            required_member(a, collection).or_else(|| required_member(b, collection))
        }
        Expr::Truthy(Operand::Lambda {
            path,
            quantifier: Quantifier::Any,
            var: Some(var),
            body: Some(body),
        }) if matches!(path.as_slice(), [p] if p.eq_ignore_ascii_case(collection)) => {
            match body.as_ref() {
                Expr::Cmp(Operand::Path(p), CmpOp::Eq, Operand::Lit(Literal::Str(s)))
                | Expr::Cmp(Operand::Lit(Literal::Str(s)), CmpOp::Eq, Operand::Path(p))
                    if matches!(p.as_slice(), [v] if v == var) =>
                {
                    Some(s.clone())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Checks that a property exists on the entity.
pub fn check_property(name: &str, entity: &str, properties: &[&str]) -> Result<(), String> {
    if properties.iter().any(|p| p.eq_ignore_ascii_case(name)) {
        Ok(())
    } else {
        Err(format!(
            "Could not find a property named '{name}' on type '{entity}'"
        ))
    }
}

fn check_operand(
    o: &Operand,
    vars: &mut Vec<String>,
    entity: &str,
    props: &[&str],
) -> Result<(), String> {
    let check_path = |path: &[String], vars: &Vec<String>| -> Result<(), String> {
        match path.first() {
            Some(first) if vars.contains(first) => Ok(()),
            Some(first) => check_property(first, entity, props),
            None => Ok(()),
        }
    };
    match o {
        Operand::Lit(_) => Ok(()),
        Operand::Path(path) => check_path(path, vars),
        Operand::Func(_, args) => args
            .iter()
            .try_for_each(|a| check_operand(a, vars, entity, props)),
        Operand::Lambda {
            path, var, body, ..
        } => {
            check_path(path, vars)?;
            if let (Some(var), Some(body)) = (var, body) {
                vars.push(var.clone());
                let r = check_expr(body, vars, entity, props);
                vars.pop();
                r?;
            }
            Ok(())
        }
    }
}

fn check_expr(
    e: &Expr,
    vars: &mut Vec<String>,
    entity: &str,
    props: &[&str],
) -> Result<(), String> {
    match e {
        Expr::Or(a, b) | Expr::And(a, b) => {
            check_expr(a, vars, entity, props)?;
            check_expr(b, vars, entity, props)
        }
        Expr::Not(a) => check_expr(a, vars, entity, props),
        Expr::Cmp(a, _, b) => {
            check_operand(a, vars, entity, props)?;
            check_operand(b, vars, entity, props)
        }
        Expr::Truthy(a) => check_operand(a, vars, entity, props),
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Date(DateTime<Utc>),
    Other(Value),
}

fn from_json(v: &Value) -> V {
    match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(V::Null, V::Num),
        Value::String(s) => V::Str(s.clone()),
        other => V::Other(other.clone()),
    }
}

/// Looks a key up without regard to case.
pub fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Resolves a path from the entity root or a lambda variable.
fn resolve<'a>(
    path: &[String],
    root: &'a Value,
    scope: &[(String, &'a Value)],
) -> Option<&'a Value> {
    let (start, rest) = match path.split_first() {
        Some((first, rest)) => match scope.iter().rev().find(|(n, _)| n == first) {
            Some((_, v)) => (*v, rest),
            None => (root, path),
        },
        None => return Some(root),
    };
    rest.iter().try_fold(start, |cur, seg| get_ci(cur, seg))
}

fn value_of<'a>(o: &Operand, root: &'a Value, scope: &mut Vec<(String, &'a Value)>) -> V {
    match o {
        Operand::Lit(l) => match l {
            Literal::Null => V::Null,
            Literal::Bool(b) => V::Bool(*b),
            Literal::Num(n) => V::Num(*n),
            Literal::Str(s) => V::Str(s.clone()),
            Literal::Date(d) => V::Date(*d),
        },
        Operand::Path(p) => resolve(p, root, scope).map_or(V::Null, from_json),
        Operand::Func(name, args) => {
            let vals: Vec<V> = args.iter().map(|a| value_of(a, root, scope)).collect();
            call(name, &vals)
        }
        Operand::Lambda {
            path,
            quantifier,
            var,
            body,
        } => {
            let items: Vec<&'a Value> = resolve(path, root, scope)
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let (Some(var), Some(body)) = (var, body) else {
                return V::Bool(!items.is_empty());
            };
            let mut test = |item: &'a Value| {
                scope.push((var.clone(), item));
                let r = eval(body, root, scope);
                scope.pop();
                r
            };
            V::Bool(match quantifier {
                Quantifier::Any => items.into_iter().any(&mut test),
                Quantifier::All => items.into_iter().all(&mut test),
            })
        }
    }
}

fn text(v: &V) -> Option<String> {
    match v {
        V::Str(s) => Some(s.clone()),
        V::Num(n) => Some(n.to_string()),
        V::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn call(name: &str, args: &[V]) -> V {
    let arg = |i: usize| args.get(i).and_then(text).map(|s| s.to_lowercase());
    match name {
        "contains" => V::Bool(matches!((arg(0), arg(1)), (Some(a), Some(b)) if a.contains(&b))),
        "substringof" => V::Bool(matches!((arg(0), arg(1)), (Some(a), Some(b)) if b.contains(&a))),
        "startswith" => {
            V::Bool(matches!((arg(0), arg(1)), (Some(a), Some(b)) if a.starts_with(&b)))
        }
        "endswith" => V::Bool(matches!((arg(0), arg(1)), (Some(a), Some(b)) if a.ends_with(&b))),
        "tolower" => args
            .first()
            .and_then(text)
            .map_or(V::Null, |s| V::Str(s.to_lowercase())),
        "toupper" => args
            .first()
            .and_then(text)
            .map_or(V::Null, |s| V::Str(s.to_uppercase())),
        "trim" => args
            .first()
            .and_then(text)
            .map_or(V::Null, |s| V::Str(s.trim().to_owned())),
        "length" => args
            .first()
            .and_then(text)
            .map_or(V::Null, |s| V::Num(s.chars().count() as f64)),
        _ => V::Null,
    }
}

fn as_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse().ok()
}

/// Compares two values the way the filter and `$orderby` need: `None` when they cannot be compared.
fn compare(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Null, V::Null) => Some(Ordering::Equal),
        (V::Null, _) | (_, V::Null) => None,
        (V::Num(x), V::Num(y)) => x.partial_cmp(y),
        (V::Num(x), V::Str(s)) => as_number(s).and_then(|y| x.partial_cmp(&y)),
        (V::Str(s), V::Num(y)) => as_number(s).and_then(|x| x.partial_cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Str(s)) => parse_liberal(s).map(|y| x.cmp(&y)),
        (V::Str(s), V::Date(y)) => parse_liberal(s).map(|x| x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Str(s)) => s.trim().parse::<bool>().ok().map(|y| x.cmp(&y)),
        (V::Str(s), V::Bool(y)) => s.trim().parse::<bool>().ok().map(|x| x.cmp(y)),
        (V::Str(x), V::Str(y)) => {
            if let (Some(nx), Some(ny)) = (as_number(x), as_number(y)) {
                return nx.partial_cmp(&ny);
            }
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
        (V::Other(x), V::Other(y)) => (x == y).then_some(Ordering::Equal),
        _ => None,
    }
}

fn eval<'a>(e: &Expr, root: &'a Value, scope: &mut Vec<(String, &'a Value)>) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, root, scope) || eval(b, root, scope),
        Expr::And(a, b) => eval(a, root, scope) && eval(b, root, scope),
        Expr::Not(a) => !eval(a, root, scope),
        Expr::Truthy(o) => value_of(o, root, scope) == V::Bool(true),
        Expr::Cmp(l, op, r) => {
            let (l, r) = (value_of(l, root, scope), value_of(r, root, scope));
            let ord = compare(&l, &r);
            match op {
                CmpOp::Eq => ord == Some(Ordering::Equal),
                CmpOp::Ne => ord != Some(Ordering::Equal),
                CmpOp::Gt => ord == Some(Ordering::Greater),
                CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                CmpOp::Lt => ord == Some(Ordering::Less),
                CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
            }
        }
    }
}

/// Orders two JSON values for `$orderby` (nulls first).
pub fn order(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let a = a.map_or(V::Null, from_json);
    let b = b.map_or(V::Null, from_json);
    match (&a, &b) {
        (V::Null, V::Null) => Ordering::Equal,
        (V::Null, _) => Ordering::Less,
        (_, V::Null) => Ordering::Greater,
        _ => compare(&a, &b).unwrap_or(Ordering::Equal),
    }
}

/// Resolves a `/`-separated path on an entity (for `$orderby`).
pub fn path_value<'a>(entity: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/')
        .try_fold(entity, |cur, seg| get_ci(cur, seg.trim()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROPS: &[&str] = &[
        "id",
        "lastUpdate",
        "tags",
        "clients",
        "owner",
        "status",
        "emails",
        "isDeleted",
        "origin",
    ];

    fn f(s: &str) -> Filter {
        Filter::parse(s, "Ticket", PROPS).unwrap()
    }

    #[test]
    fn a_tag_every_match_must_carry_is_found_only_where_the_filter_requires_it() {
        let tag = |s: &str| f(s).required_member("tags");
        assert_eq!(
            tag("tags/any(t: t eq 'ponte-x-1')").as_deref(),
            Some("ponte-x-1")
        );
        assert_eq!(
            tag("id gt 5 and Tags/any(t: 'ponte-x-1' eq t)").as_deref(),
            Some("ponte-x-1")
        );
        for loose in [
            "tags/any(t: t eq 'a') or id gt 5",
            "not tags/any(t: t eq 'a')",
            "tags/any(t: t ne 'a')",
            "tags/all(t: t eq 'a')",
            "tags/any(t: startswith(t, 'a'))",
            "tags/any()",
            "id gt 5",
        ] {
            assert_eq!(tag(loose), None, "{loose}");
        }
    }

    fn ticket() -> Value {
        json!({
            "id": "1001", "lastUpdate": "2026-02-01T10:00:00.1234567", "tags": ["VIP", "x"],
            "clients": [{"id": "c1"}, {"id": "c2"}], "owner": {"id": "57991"}, "status": "Novo",
            "emails": [{"email": "Ana@Example.com"}], "isDeleted": false, "origin": 9
        })
    }

    #[test]
    fn comparisons_and_coercions() {
        let t = ticket();
        assert!(f("id eq 1001").matches(&t));
        assert!(f("id eq '1001'").matches(&t));
        assert!(!f("id eq 5").matches(&t));
        assert!(f("id gt 999").matches(&t));
        assert!(f("lastUpdate ge 2026-01-01T00:00:00.00z").matches(&t));
        assert!(!f("lastUpdate lt 2026-01-01T00:00:00Z").matches(&t));
        assert!(f("lastUpdate gt datetime'2026-02-01T09:59:59'").matches(&t));
        assert!(f("status eq 'novo'").matches(&t));
        assert!(f("origin eq Movidesk.Core.Data.Enums.TicketOrigin'9'").matches(&t));
        assert!(f("isDeleted eq false and not isDeleted").matches(&t));
    }

    #[test]
    fn lambdas_navigation_and_logic() {
        let t = ticket();
        assert!(f("tags/any(t: t eq 'vip')").matches(&t));
        assert!(f("tags/any(tag:tag eq 'x')").matches(&t));
        assert!(!f("tags/any(t: t eq 'nope')").matches(&t));
        assert!(f("clients/any(c: c/id eq 'c2')").matches(&t));
        assert!(!f("clients/all(c: c/id eq 'c2')").matches(&t));
        assert!(f("Emails/any(e: e/Email eq 'ana@example.com')").matches(&t));
        assert!(f("owner/id eq '57991'").matches(&t));
        assert!(f("(id eq 1 or id eq 1001) and tags/any()").matches(&t));
        assert!(!f("id eq 1 or (id eq 1001 and status eq 'Fechado')").matches(&t));
        assert!(f("contains(status, 'ov')").matches(&t));
    }

    #[test]
    fn errors_name_the_problem() {
        let err = Filter::parse("foo eq 1", "Ticket", PROPS).unwrap_err();
        assert!(err.contains("'foo'"), "{err}");
        let err = Filter::parse("owner.id eq '1'", "Ticket", PROPS).unwrap_err();
        assert!(err.contains("owner.id"), "{err}");
        assert!(Filter::parse("id eq", "Ticket", PROPS).is_err());
        assert!(
            Filter::parse("id eq 'x", "Ticket", PROPS)
                .unwrap_err()
                .contains("unterminated")
        );
        assert!(Filter::parse("(id eq 1", "Ticket", PROPS).is_err());
        assert!(Filter::parse("id eq 1 id eq 2", "Ticket", PROPS).is_err());
        assert!(Filter::parse("id equals 1", "Ticket", PROPS).is_err());
    }
}
