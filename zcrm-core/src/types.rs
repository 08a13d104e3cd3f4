//! Value types of typed records: a tri-state [`Patch`] for updates, and wire-exact [`Decimal`],
//! [`DateTime`], [`BigInt`], [`Lookup`] and [`UserRef`] for reads, so that a record decoded and
//! encoded again is the JSON it came from.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};
use std::fmt;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

pub use crate::records::RecordId;
pub use decimal::{Decimal, DecimalError};

mod decimal;

/// A field of an update: left as stored, cleared (`null`), or set.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    /// Not sent: the stored value stays.
    #[default]
    Unset,
    /// Sent as `null`: the stored value is cleared.
    Null,
    /// Sent with this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether nothing is sent.
    pub fn is_unset(&self) -> bool {
        matches!(self, Patch::Unset)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(v: T) -> Self {
        Patch::Set(v)
    }
}

/// A date-time with its offset, written back in the form it came in (`Z` or `+hh:mm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The instant and offset.
    pub value: OffsetDateTime,
    zulu: bool,
}

impl DateTime {
    /// Wraps a date-time (written with a `+hh:mm` offset).
    pub fn new(value: OffsetDateTime) -> Self {
        DateTime { value, zulu: false }
    }
}

impl FromStr for DateTime {
    type Err = time::error::Parse;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = match zoho_date_time(s.as_bytes()) {
            Some(v) => v,
            None => OffsetDateTime::parse(s, &Rfc3339)?,
        };
        Ok(DateTime {
            value,
            zulu: s.ends_with('Z') || s.ends_with('z'),
        })
    }
}

/// The form Zoho sends, `2026-11-30T10:15:00+05:30` (or `...Z`), read directly; `None` for
/// anything else, which the full RFC 3339 parser then reads (or explains).
fn zoho_date_time(b: &[u8]) -> Option<OffsetDateTime> {
    fn num(b: &[u8]) -> Option<u8> {
        b.iter().try_fold(0u8, |n, c| {
            c.is_ascii_digit()
                .then(|| n.checked_mul(10)?.checked_add(c - b'0'))
                .flatten()
        })
    }
    let shape_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':';
    if !shape_ok {
        return None;
    }
    let year = i32::from(num(&b[0..2])?) * 100 + i32::from(num(&b[2..4])?);
    let date = time::Date::from_calendar_date(
        year,
        time::Month::try_from(num(&b[5..7])?).ok()?,
        num(&b[8..10])?,
    )
    .ok()?;
    let clock = time::Time::from_hms(num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?).ok()?;
    let offset = match &b[19..] {
        [b'Z' | b'z'] => time::UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let (h, m) = (h as i8, m as i8);
            let (h, m) = if *sign == b'-' { (-h, -m) } else { (h, m) };
            time::UtcOffset::from_hms(h, m, 0).ok()?
        }
        _ => return None,
    };
    Some(time::PrimitiveDateTime::new(date, clock).assume_offset(offset))
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if self.zulu && self.value.offset().is_utc() {
            self.value.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
        } else {
            self.value.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"))
        };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

impl From<OffsetDateTime> for DateTime {
    fn from(v: OffsetDateTime) -> Self {
        DateTime::new(v)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::text(d, |s| {
            s.parse()
                .map_err(|e| format!("`{s}` is not a date-time with offset: {e}"))
        })
    }
}

/// A calendar date (`yyyy-MM-dd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub time::Date);

impl FromStr for Date {
    type Err = time::error::Parse;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        time::Date::parse(s, format_description!("[year]-[month]-[day]")).map(Date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .0
            .format(format_description!("[year]-[month]-[day]"))
            .map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| D::Error::custom(format!("`{s}` is not a yyyy-MM-dd date: {e}")))
    }
}

/// A 64-bit integer Zoho sends as a string or a number; written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BigInt {
    /// The value.
    pub value: i64,
    as_string: bool,
}

impl From<i64> for BigInt {
    fn from(value: i64) -> Self {
        BigInt {
            value,
            as_string: true,
        }
    }
}

impl Serialize for BigInt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.as_string {
            s.collect_str(&self.value)
        } else {
            s.serialize_i64(self.value)
        }
    }
}

impl<'de> Deserialize<'de> for BigInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .map(|value| BigInt {
                    value,
                    as_string: false,
                })
                .ok_or_else(|| D::Error::custom(format!("{n} is not a 64-bit integer"))),
            Value::String(s) => s
                .parse()
                .map(|value| BigInt {
                    value,
                    as_string: true,
                })
                .map_err(|_| D::Error::custom(format!("`{s}` is not a 64-bit integer"))),
            other => Err(D::Error::custom(format!(
                "expected an integer, found {other}"
            ))),
        }
    }
}

/// A lookup to another record: its id, plus whatever else Zoho sends (`name`, `module`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The record id.
    pub id: RecordId,
    /// Everything else, kept as sent (`name`, `module`, ...); `None` when there is nothing
    /// else (no map is made for a bare id). Boxed, so that an absent lookup costs a record
    /// little.
    pub rest: Option<Box<Map<String, Value>>>,
}

impl Lookup {
    /// A lookup to write: the id only.
    pub fn to(id: impl Into<RecordId>) -> Self {
        Lookup {
            id: id.into(),
            rest: None,
        }
    }
    /// A lookup to write to a record of `module`, for a field that can point to several
    /// modules (the multi-module lookup `Appointments__s.Appointment_For`):
    /// `{"id", "module": {"api_name"}}`.
    pub fn to_module(module: impl Into<String>, id: impl Into<RecordId>) -> Self {
        let mut rest = Map::new();
        rest.insert(
            "module".into(),
            Value::Object(Map::from_iter([(
                "api_name".to_string(),
                Value::String(module.into()),
            )])),
        );
        Lookup {
            id: id.into(),
            rest: Some(Box::new(rest)),
        }
    }
    /// The looked-up record's name.
    pub fn name(&self) -> Option<&str> {
        self.get("name").and_then(Value::as_str)
    }
    /// The module of the looked-up record, when the value names it (`module.api_name`, or a
    /// `module` string).
    pub fn module(&self) -> Option<&str> {
        let m = self.get("module")?;
        m.get("api_name").unwrap_or(m).as_str()
    }
    /// A key other than `id`, as sent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.rest.as_ref()?.get(key)
    }
}

impl Serialize for Lookup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let rest = self.rest.as_deref();
        let mut m = s.serialize_map(Some(1 + rest.map_or(0, Map::len)))?;
        m.serialize_entry("id", &self.id)?;
        for (k, v) in rest.into_iter().flatten() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Lookup {
    /// Reads the object in one pass: `id` (required) and every other key as sent.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lookup;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a lookup object with an `id`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Lookup, A::Error> {
                let mut id = None;
                let mut rest = Map::new();
                while let Some(key) = a.next_key::<fields::Key<'de>>()? {
                    match key.as_str() {
                        "id" => id = Some(a.next_value::<RecordId>()?),
                        _ => fields::keep(&mut a, key, &mut rest)?,
                    }
                }
                let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
                let rest = (!rest.is_empty()).then(|| Box::new(rest));
                Ok(Lookup { id, rest })
            }
        }
        d.deserialize_map(V)
    }
}

/// A user reference (`Owner`, `Created_By`, user lookups). Decoding then encoding gives the
/// object back as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRef {
    /// The user id.
    pub id: RecordId,
    /// `name`, when a string (kept apart from `rest`: no map for the common case).
    name: Option<String>,
    /// `email`, when a string.
    email: Option<String>,
    /// Every other key, kept as sent (`zuid`, a `null` name, ...); `None` when there is none
    /// (the common case: no map is made).
    pub rest: Option<Box<Map<String, Value>>>,
}

impl Serialize for UserRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(n) = &self.name {
            m.serialize_entry("name", n)?;
        }
        m.serialize_entry("id", &self.id)?;
        if let Some(e) = &self.email {
            m.serialize_entry("email", e)?;
        }
        for (k, v) in self.rest.iter().flat_map(|r| r.iter()) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A JSON value read as a `String` when it is a string (no `Value` made for it), and as a
/// `Value` otherwise.
enum Text {
    Str(String),
    Other(Value),
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, s: &str) -> Result<Text, E> {
                Ok(Text::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Text, E> {
                Ok(Text::Str(s))
            }
            fn visit_bool<E>(self, b: bool) -> Result<Text, E> {
                Ok(Text::Other(Value::Bool(b)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Text, E> {
                Ok(Text::Other(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Text, E> {
                Ok(Text::Other(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Text, E> {
                Ok(Text::Other(n.into()))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text::Other(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Text, E> {
                Ok(Text::Other(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, a: A) -> Result<Text, A::Error> {
                Value::deserialize(serde::de::value::SeqAccessDeserializer::new(a)).map(Text::Other)
            }
            // Objects, and numbers (which `arbitrary_precision` hands over as a map).
            fn visit_map<A: serde::de::MapAccess<'de>>(self, a: A) -> Result<Text, A::Error> {
                Value::deserialize(serde::de::value::MapAccessDeserializer::new(a)).map(Text::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for UserRef {
    /// Reads the object in one pass: `id` (required) and every other key as sent.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UserRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user reference object with an `id`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<UserRef, A::Error> {
                let mut id = None;
                let (mut name, mut email) = (None, None);
                let mut rest: Option<Box<Map<String, Value>>> = None;
                while let Some(key) = a.next_key::<fields::Key<'de>>()? {
                    match key.as_str() {
                        "id" => id = Some(a.next_value::<RecordId>()?),
                        "name" | "email" => {
                            let slot = if key.as_str() == "name" {
                                &mut name
                            } else {
                                &mut email
                            };
                            match a.next_value::<Text>()? {
                                Text::Str(v) => {
                                    if let Some(r) = &mut rest {
                                        r.shift_remove(key.as_str());
                                    }
                                    *slot = Some(v);
                                }
                                Text::Other(other) => {
                                    *slot = None;
                                    rest.get_or_insert_with(Default::default)
                                        .insert(key.into_string(), other);
                                }
                            }
                        }
                        _ => fields::keep(&mut a, key, rest.get_or_insert_with(Default::default))?,
                    }
                }
                let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
                Ok(UserRef {
                    id,
                    name,
                    email,
                    rest: rest.filter(|r| !r.is_empty()),
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl UserRef {
    /// A user reference to write: the id only.
    pub fn to(id: impl Into<RecordId>) -> Self {
        UserRef {
            id: id.into(),
            name: None,
            email: None,
            rest: None,
        }
    }
    /// The user's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The user's email.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Another key of the reference, as sent (`zuid`, ...).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.rest.as_ref()?.get(key)
    }
}

/// A key a generated type did not declare, found while decoding (see [`undeclared_keys`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UndeclaredKey {
    /// The Rust type (`zcrm_modules::leads::Lead`).
    pub type_name: &'static str,
    /// The JSON key, or `<other>` for a union value no arm of the spec decodes.
    pub key: String,
    /// Whether the spec declares the object open (`additionalProperties`), so that keys of its
    /// own are expected.
    pub open: bool,
}

thread_local! {
    static UNDECLARED: std::cell::RefCell<Option<Vec<UndeclaredKey>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns, with its result, every key that generated types decoded on this thread
/// during `f` could not place in a declared field (they keep such keys in `extra`, so nothing
/// is lost, but nothing is typed either): a check that typed records cover what an org sends.
pub fn undeclared_keys<R>(f: impl FnOnce() -> R) -> (R, Vec<UndeclaredKey>) {
    let outer = UNDECLARED.with(|u| u.borrow_mut().replace(vec![]));
    let r = f();
    let found = UNDECLARED.with(|u| std::mem::replace(&mut *u.borrow_mut(), outer));
    (r, found.unwrap_or_default())
}

/// Helpers the generated record types use for their (de)serialisation: fields keep the
/// difference between absent and `null`, and unknown keys are kept.
#[doc(hidden)]
pub mod fields {
    use super::*;
    use serde::ser::SerializeMap;

    fn note(type_name: &'static str, keys: impl Iterator<Item = String>, open: bool) {
        UNDECLARED.with(|u| {
            if let Some(list) = u.borrow_mut().as_mut() {
                list.extend(keys.map(|key| UndeclaredKey {
                    type_name,
                    key,
                    open,
                }));
            }
        });
    }

    /// The keys of type `T` left after its declared fields were taken (its `extra`); noted for
    /// [`undeclared_keys`].
    pub fn extra<T: ?Sized>(map: Map<String, Value>, open: bool) -> Map<String, Value> {
        if map.is_empty() {
            return map;
        }
        note(std::any::type_name::<T>(), map.keys().cloned(), open);
        map
    }

    /// A union value no arm of `T` decodes; noted for [`undeclared_keys`].
    pub fn other<T: ?Sized>(v: Value) -> Value {
        note(
            std::any::type_name::<T>(),
            std::iter::once("<other>".to_string()),
            false,
        );
        v
    }

    /// Which fields were explicitly `null`: one bit per declared field, by its position in the
    /// type (`W` words of 64 bits).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Nulls<const W: usize>([u64; W]);

    impl<const W: usize> Default for Nulls<W> {
        fn default() -> Self {
            Nulls([0; W])
        }
    }

    impl<const W: usize> Nulls<W> {
        /// No field `null`.
        pub fn new() -> Self {
            Self::default()
        }
        /// Whether field `index` was `null`.
        #[inline]
        pub fn get(&self, index: usize) -> bool {
            self.0[index / 64] & (1 << (index % 64)) != 0
        }
        /// Notes whether field `index` was `null`.
        #[inline]
        pub fn set(&mut self, index: usize, null: bool) {
            let (word, bit) = (&mut self.0[index / 64], 1u64 << (index % 64));
            if null {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
    }

    /// A key of a JSON object, borrowed from the input when it can be (no allocation for the
    /// keys of declared fields).
    pub struct Key<'de>(std::borrow::Cow<'de, str>);

    impl Key<'_> {
        /// The key.
        pub fn as_str(&self) -> &str {
            &self.0
        }
        /// The key as an owned string (for `extra`).
        pub fn into_string(self) -> String {
            self.0.into_owned()
        }
    }

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object key")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(std::borrow::Cow::Borrowed(s)))
                }
                fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                    Ok(Key(std::borrow::Cow::Owned(s.to_string())))
                }
                fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                    Ok(Key(std::borrow::Cow::Owned(s)))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// Reads the value of a declared field straight from the input: `None` for `null` (noted
    /// in `nulls`), the value otherwise. A key given twice keeps its last value, as a map does.
    /// `index` is the field's position in the type (its bit in `nulls`).
    #[inline]
    pub fn value<'de, A: serde::de::MapAccess<'de>, T: Deserialize<'de>, const W: usize>(
        a: &mut A,
        key: &'static str,
        index: usize,
        nulls: &mut Nulls<W>,
    ) -> Result<Option<T>, A::Error> {
        match a.next_value::<Option<T>>() {
            Ok(v) => {
                nulls.set(index, v.is_none());
                Ok(v)
            }
            Err(e) => Err(field_error(key, e)),
        }
    }

    #[cold]
    #[inline(never)]
    fn field_error<E: serde::de::Error>(key: &str, e: E) -> E {
        E::custom(format_args!("field `{key}`: {e}"))
    }

    /// Decodes a string value through `parse` without allocating for it (the string is
    /// borrowed from the input, or from the parser's scratch space when it has escapes).
    pub fn text<'de, D: Deserializer<'de>, T>(
        d: D,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, D::Error> {
        struct V<F>(F);
        impl<'de, T, F: FnOnce(&str) -> Result<T, String>> serde::de::Visitor<'de> for V<F> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
                (self.0)(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V(parse))
    }

    /// Decodes a picklist value (an open enum: every string is a value).
    pub fn picklist<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(
        d: D,
    ) -> Result<T, D::Error> {
        text(d, |s| Ok(T::from(s)))
    }

    /// Reads the value of an undeclared key into `extra`.
    pub fn keep<'de, A: serde::de::MapAccess<'de>>(
        a: &mut A,
        key: Key<'de>,
        extra: &mut Map<String, Value>,
    ) -> Result<(), A::Error> {
        let v: Value = a.next_value()?;
        extra.insert(key.into_string(), v);
        Ok(())
    }

    /// Writes a field: its value, `null` if it was `null` (`null`, from [`Nulls::get`]), or
    /// nothing.
    pub fn put<M: SerializeMap, T: Serialize>(
        m: &mut M,
        key: &'static str,
        v: &Option<T>,
        null: bool,
    ) -> Result<(), M::Error> {
        match v {
            Some(v) => m.serialize_entry(key, v),
            None if null => m.serialize_entry(key, &Value::Null),
            None => Ok(()),
        }
    }

    /// Writes an update field unless unset.
    pub fn patch<M: SerializeMap, T: Serialize>(
        m: &mut M,
        key: &'static str,
        v: &Patch<T>,
    ) -> Result<(), M::Error> {
        if v.is_unset() {
            Ok(())
        } else {
            m.serialize_entry(key, v)
        }
    }

    /// `x` as a JSON number (an integral value without a fraction); a NaN or an infinity,
    /// which JSON cannot carry, is an error rather than a `null` that would clear the field.
    fn finite<E: serde::ser::Error>(key: &str, x: f64) -> Result<Number, E> {
        Number::from_f64(x)
            .map(|n| integral(x).map(Number::from).unwrap_or(n))
            .ok_or_else(|| {
                E::custom(format!(
                    "`{key}` is {x}, which JSON cannot carry (only finite numbers can be sent)"
                ))
            })
    }

    /// Writes a floating-point field; an integral value as an integer, as Zoho sends it.
    pub fn put_f64<M: SerializeMap>(
        m: &mut M,
        key: &'static str,
        v: &Option<f64>,
        null: bool,
    ) -> Result<(), M::Error> {
        match v {
            Some(x) => m.serialize_entry(key, &finite(key, *x)?),
            None if null => m.serialize_entry(key, &Value::Null),
            None => Ok(()),
        }
    }

    /// Writes a floating-point update field unless unset.
    pub fn patch_f64<M: SerializeMap>(
        m: &mut M,
        key: &'static str,
        v: &Patch<f64>,
    ) -> Result<(), M::Error> {
        match v {
            Patch::Unset => Ok(()),
            Patch::Null => m.serialize_entry(key, &Value::Null),
            Patch::Set(x) => m.serialize_entry(key, &finite(key, *x)?),
        }
    }

    fn integral(x: f64) -> Option<i64> {
        (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10_000))]

        /// The direct reader and the RFC 3339 parser agree on every string of Zoho's shape,
        /// valid or not.
        #[test]
        fn direct_date_time_reading_agrees(text in "[0-9]{4}-[0-3][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9]([+-][0-2][0-9]:[0-6][0-9]|Z)") {
            let full = OffsetDateTime::parse(&text, &Rfc3339).ok();
            proptest::prop_assert_eq!(zoho_date_time(text.as_bytes()), full, "{}", text);
        }
    }

    #[test]
    fn lookup_to_a_named_module() {
        let l = super::Lookup::to_module("Contacts", "42");
        assert_eq!(
            serde_json::to_value(&l).unwrap(),
            serde_json::json!({"id": "42", "module": {"api_name": "Contacts"}})
        );
        assert_eq!(l.module(), Some("Contacts"));
        let read: super::Lookup =
            serde_json::from_value(serde_json::json!({"id": "7", "module": "Users"})).unwrap();
        assert_eq!(read.module(), Some("Users"));
        assert_eq!(super::Lookup::to("1").module(), None);
    }

    #[test]
    fn zoho_date_times_read_directly_agree_with_rfc3339() {
        for text in [
            "2026-11-30T10:15:00+05:30",
            "2026-11-30T10:15:00-03:00",
            "2026-11-30T23:59:59Z",
            "2024-02-29T00:00:00+00:00",
            "1999-12-31T12:00:00-00:30",
        ] {
            let fast = zoho_date_time(text.as_bytes()).unwrap();
            assert_eq!(
                fast,
                OffsetDateTime::parse(text, &Rfc3339).unwrap(),
                "{text}"
            );
            assert_eq!(text.parse::<DateTime>().unwrap().to_string(), text);
        }
        for text in [
            "2026-02-30T10:15:00+05:30",
            "2026-11-30T24:00:00+05:30",
            "2026-11-30T10:15:00+5:30",
            "2026-11-30 10:15:00+05:30",
            "2026-11-30T10:15:00.5+05:30",
            "2026-11-30T10:15:00+25:00",
            "+026-11-30T10:15:00Z",
        ] {
            assert!(zoho_date_time(text.as_bytes()).is_none(), "{text}");
        }
        // Forms outside the fast path still parse through RFC 3339.
        assert!("2026-11-30T10:15:00.5+05:30".parse::<DateTime>().is_ok());
        assert!("2026-11-30T24:00:00+05:30".parse::<DateTime>().is_err());
    }

    #[test]
    fn user_refs_round_trip_as_sent() {
        for text in [
            r#"{"name":"Patricia Boyle","id":"1","email":"p@zylker.example"}"#,
            r#"{"name":null,"id":"1","email":"p@zylker.example","zuid":"9"}"#,
            r#"{"id":"1"}"#,
            r#"{"name":5,"id":"1","email":["x"]}"#,
        ] {
            let u: UserRef = serde_json::from_str(text).unwrap();
            assert_eq!(
                serde_json::to_value(&u).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
        let u: UserRef =
            serde_json::from_str(r#"{"name":null,"name":"P","id":"1","email":"a","email":null}"#)
                .unwrap();
        assert_eq!((u.name(), u.email()), (Some("P"), None));
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            serde_json::json!({"name": "P", "id": "1", "email": null})
        );
        assert!(serde_json::from_str::<UserRef>(r#"{"name":"P"}"#).is_err());
    }

    use super::*;
    use serde_json::json;

    fn round<T: Serialize + serde::de::DeserializeOwned>(v: Value) -> Value {
        serde_json::to_value(serde_json::from_value::<T>(v).unwrap()).unwrap()
    }

    #[test]
    fn wire_exact_round_trips() {
        for v in [
            json!(500000),
            json!(12.5),
            json!(1500.55),
            json!(0.1),
            json!(-3),
        ] {
            assert_eq!(round::<Decimal>(v.clone()), v);
        }
        for v in [
            json!("2023-10-15T10:30:00Z"),
            json!("2019-07-25T15:26:49+05:30"),
            json!("2023-05-10T01:10:47-07:00"),
        ] {
            assert_eq!(round::<DateTime>(v.clone()), v);
        }
        assert_eq!(round::<Date>(json!("2026-09-30")), json!("2026-09-30"));
        assert_eq!(
            round::<BigInt>(json!("4150868000000225013")),
            json!("4150868000000225013")
        );
        assert_eq!(round::<BigInt>(json!(42)), json!(42));
        let l = json!({"name": "Zylker", "id": "1", "module": {"api_name": "Accounts"}});
        assert_eq!(round::<Lookup>(l.clone()), l);
        assert_eq!(
            serde_json::from_value::<Lookup>(l).unwrap().name(),
            Some("Zylker")
        );
    }

    #[test]
    fn decimal_is_exact() {
        let d: Decimal = serde_json::from_value(json!(0.1)).unwrap();
        assert_eq!(d.to_string(), "0.1");
        assert_eq!((d.value() + d.value() + d.value()).to_string(), "0.3");
    }

    #[test]
    fn patch_serialises_null_or_value() {
        assert_eq!(
            serde_json::to_value(Patch::<i64>::Null).unwrap(),
            Value::Null
        );
        assert_eq!(serde_json::to_value(Patch::Set(3)).unwrap(), json!(3));
    }
}
