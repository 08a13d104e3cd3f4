//! [`Decimal`]: exact decimal amounts, written back as the JSON they came in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};
use std::fmt;
use std::str::FromStr;

/// A currency or decimal amount, exact: the value as a [`rust_decimal::Decimal`] (28–29
/// significant digits, scale up to 28) for arithmetic, and the JSON it came in, so that decoding
/// then encoding gives back the same JSON: a number stays a number with the same digits
/// (`12345678901234567.89`, `0.10`, `-0.000000000000000001`, `500000`), a string stays a string.
/// A value [`rust_decimal`] cannot hold exactly (more than 28 decimal places, or beyond
/// ±79,228,162,514,264,337,593,543,950,335) is a decode error, never a rounded value.
///
/// # How the digits are kept
///
/// Without help, `serde_json` turns every JSON number with a fraction into an `f64` before any
/// `Deserialize` impl sees it, which keeps only about 15–17 significant digits. The SDK builds
/// its requests and reads batch outcomes through `serde_json::Value` (`ApiRequest::body`,
/// `DynamicRecord`, the record writes), so keeping the digits in one type's deserializer (for
/// example through `serde_json::value::RawValue`) would still lose them on every write. So
/// zcrm-core enables `serde_json`'s `arbitrary_precision` feature: a `serde_json::Number` keeps
/// the number's text, in `Value` too, and this type reads and writes that text.
///
/// That feature applies to every crate of a build that uses zcrm-core (cargo unifies features).
/// What it changes there: numbers in a `Value` compare by their text (`1.50` and `1.5` are
/// different `Value`s; `json!(1.5)` still equals a parsed `1.5`), `Value` keeps any number
/// exactly (also integers beyond 64 bits), and a JSON number with a fraction read through
/// serde's buffering (`#[serde(untagged)]` enums, `#[serde(flatten)]`, internally tagged enums)
/// into an `f64` fails to decode, because it arrives as `serde_json`'s private number map. No
/// type of this project decodes numbers that way. Exponents are written in `serde_json`'s form
/// (`1E5` is written back as `1e+5`, the same number); Zoho sends plain decimals.
///
/// To decode from a `serde_json::Value` exactly, use `Decimal::try_from(&value)`: through serde
/// (`serde_json::from_value`), `Value` hands a number over as an `f64` whenever that `f64`
/// prints as the number's text, which for more than 15 significant digits does not always tell
/// which text it was, and turns `-0` into `0`. The generated record types decode their fields
/// from the number's text and are exact.
#[derive(Clone)]
pub struct Decimal {
    value: rust_decimal::Decimal,
    /// The JSON text: the digits as received, or `value` as it renders.
    text: Box<str>,
    /// Written as a JSON string.
    quoted: bool,
}

/// A text that is not a decimal number [`Decimal`] can hold exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an exact decimal: {reason}; expected digits with an optional sign, fraction and exponent, at most 28 decimal places and at most 79228162514264337593543950335 in magnitude")]
pub struct DecimalError {
    /// The text given (at most 100 characters of it).
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Decimal {
    /// Parses `text` exactly; `quoted` says whether it is written back as a JSON string.
    fn parse(text: &str, quoted: bool) -> Result<Self, DecimalError> {
        let bad = |reason: String| DecimalError {
            text: text.chars().take(100).collect(),
            reason,
        };
        let value = match text.split_once(['e', 'E']) {
            None => rust_decimal::Decimal::from_str_exact(text),
            // `from_scientific` rounds a mantissa with too many digits: check it exactly first.
            Some((mantissa, _)) => rust_decimal::Decimal::from_str_exact(mantissa)
                .and_then(|_| rust_decimal::Decimal::from_scientific(text)),
        }
        .map_err(|e| bad(e.to_string()))?;
        // A number is written back as the JSON number it was; anything else (a string such as
        // `+1.5` or `1.`) only as a string.
        let is_json_number = serde_json::Number::from_str(text).is_ok();
        let text = if quoted || is_json_number {
            text.into()
        } else {
            value.to_string().into_boxed_str()
        };
        Ok(Decimal {
            value,
            text,
            quoted,
        })
    }

    /// The value.
    pub fn value(&self) -> rust_decimal::Decimal {
        self.value
    }

    /// The JSON text of the value: the digits as they came (without quotes for a string).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is written as a JSON string (because it came as one).
    pub fn is_string(&self) -> bool {
        self.quoted
    }

    /// The same value written as a JSON string (`true`) or number (`false`). A string that is
    /// not a JSON number (`+1.5`, `1.`) is written as a number by its value (`1.5`, `1`).
    pub fn quoted(mut self, quoted: bool) -> Self {
        if !quoted && serde_json::Number::from_str(&self.text).is_err() {
            self.text = self.value.to_string().into_boxed_str();
        }
        self.quoted = quoted;
        self
    }

    /// The value as `f64` (lossy).
    pub fn to_f64(&self) -> f64 {
        rust_decimal::prelude::ToPrimitive::to_f64(&self.value).unwrap_or(f64::NAN)
    }
}

impl PartialEq for Decimal {
    /// Numeric equality: `1.50` equals `1.5`, whether written as a number or a string.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.value.hash(h)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quoted {
            write!(f, "Decimal({:?})", &*self.text)
        } else {
            write!(f, "Decimal({})", self.text)
        }
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    /// Parses a decimal (`1234.50`, `-0.000000000000000001`, `1.5e3`) exactly, written as a
    /// JSON number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s, false)
    }
}

impl TryFrom<&Value> for Decimal {
    type Error = DecimalError;
    /// A JSON number or string, exactly (see the type's docs).
    fn try_from(v: &Value) -> Result<Self, DecimalError> {
        match v {
            Value::Number(n) => Decimal::parse(n.as_str(), false),
            Value::String(s) => Decimal::parse(s, true),
            other => Err(DecimalError {
                text: other.to_string().chars().take(100).collect(),
                reason: "not a number or a string".into(),
            }),
        }
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(value: rust_decimal::Decimal) -> Self {
        Decimal {
            value,
            text: value.to_string().into_boxed_str(),
            quoted: false,
        }
    }
}

impl From<i64> for Decimal {
    fn from(n: i64) -> Self {
        Decimal::from(rust_decimal::Decimal::from(n))
    }
}

impl fmt::Display for Decimal {
    /// The digits as they came (or as the value renders).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.quoted {
            return s.serialize_str(&self.text);
        }
        Number::from_str(&self.text)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl<'de> serde::de::Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number or a string of one")
    }

    /// A JSON number read from text arrives as `serde_json`'s number map (with
    /// `arbitrary_precision`): one entry whose value is the number's text, read without
    /// allocating.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        struct Text;
        impl<'de> serde::de::DeserializeSeed<'de> for Text {
            type Value = Decimal;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
                crate::types::fields::text(d, |s| {
                    Decimal::parse(s, false).map_err(|e| e.to_string())
                })
            }
        }
        let found_object =
            || A::Error::custom("expected a decimal number or a string of one, found an object");
        let key = map
            .next_key::<crate::types::fields::Key<'de>>()?
            .ok_or_else(found_object)?;
        if key.as_str() != "$serde_json::private::Number" {
            return Err(found_object());
        }
        let d = map.next_value_seed(Text)?;
        if map.next_key::<crate::types::fields::Key<'de>>()?.is_some() {
            return Err(found_object());
        }
        Ok(d)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Decimal, E> {
        Decimal::parse(s, true).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Decimal, E> {
        Decimal::parse(&n.to_string(), false).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Decimal, E> {
        Decimal::parse(&n.to_string(), false).map_err(E::custom)
    }

    fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<Decimal, E> {
        Decimal::parse(&n.to_string(), false).map_err(E::custom)
    }

    fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<Decimal, E> {
        Decimal::parse(&n.to_string(), false).map_err(E::custom)
    }

    /// A `Value` hands over a number as an `f64` when that `f64` prints as the number's text,
    /// in `serde_json`'s form (`100.0`, `1e-18`) or in Rust's (`0.000000000000000001`): the
    /// former unless it has an exponent (Zoho writes none).
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Decimal, E> {
        let text = Number::from_f64(x)
            .map(|n| n.to_string())
            .filter(|t| !t.contains(['e', 'E']))
            .unwrap_or_else(|| x.to_string());
        if !x.is_finite() {
            return Err(E::custom(format!("{x} is not a decimal number")));
        }
        Decimal::parse(&text, false).map_err(E::custom)
    }
}
