//! A stored record: its fields as a JSON map, with each value's JSON text kept once written, so
//! that listing the same record again copies text instead of escaping it again.
//!
//! The text is made on first use and forgotten on any change: every mutable access goes through
//! [`DerefMut`], which drops it, so what is written always matches the fields.

use serde_json::{Map, Value};
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

/// A stored record: its fields keyed by API name (including `id`, `Owner`, `Created_Time`...).
#[derive(Debug, Default)]
pub struct Record {
    fields: Map<String, Value>,
    text: OnceLock<Text>,
}

/// The record's entries as JSON text, in the map's order: `"key":value` for each entry, joined
/// by commas, so that entries next to each other are one slice.
///
/// One block of memory: where each entry's `"key":value` starts in the text, where its `"key":`
/// ends and where its value ends (three little-endian `u32`s), then the text. Writing a record
/// reads one run of memory.
#[derive(Debug)]
pub struct Text {
    block: Box<[u8]>,
    /// The number of entries.
    len: usize,
    /// Whether the record is a converted lead (`Converted__s` true), which lists leave out
    /// unless asked: kept here so that choosing a page's records reads no block either.
    converted: bool,
}

/// Bytes of an entry's three offsets.
const ENTRY: usize = 12;

impl Text {
    fn of(fields: &Map<String, Value>) -> Text {
        let n = fields.len();
        let head = ENTRY * n;
        let mut block = Vec::with_capacity(head + 80 * n);
        block.resize(head, 0);
        let at =
            |b: &Vec<u8>| u32::try_from(b.len() - head).expect("a record's text is under 4 GiB");
        for (i, (k, v)) in fields.iter().enumerate() {
            if block.len() > head {
                block.push(b',');
            }
            let start = at(&block);
            // Writing JSON into memory cannot fail.
            let _ = serde_json::to_writer(&mut block, k);
            block.push(b':');
            let key_end = at(&block);
            let _ = serde_json::to_writer(&mut block, v);
            let end = at(&block);
            let slot = ENTRY * i;
            for (j, x) in [start, key_end, end].into_iter().enumerate() {
                block[slot + 4 * j..slot + 4 * j + 4].copy_from_slice(&x.to_le_bytes());
            }
        }
        Text {
            block: block.into_boxed_slice(),
            len: n,
            converted: fields.get("Converted__s") == Some(&Value::Bool(true)),
        }
    }

    fn u32_at(&self, at: usize) -> usize {
        let b: [u8; 4] = self.block[at..at + 4].try_into().expect("4 bytes");
        u32::from_le_bytes(b) as usize
    }

    /// Entry `i`'s offsets in the text: start, end of key, end of value (`i` < `len`).
    fn entry(&self, i: usize) -> (usize, usize, usize) {
        let slot = ENTRY * i;
        (
            self.u32_at(slot),
            self.u32_at(slot + 4),
            self.u32_at(slot + 8),
        )
    }

    fn bytes(&self) -> &[u8] {
        &self.block[ENTRY * self.len..]
    }

    /// Reads a byte of every 64 of the block, so that it is in the cache when the record is
    /// written next.
    pub fn touch(&self) {
        let mut x = 0u8;
        for b in self.block.iter().step_by(64) {
            x ^= b;
        }
        std::hint::black_box(x);
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the record is a converted lead (`Converted__s` is `true`).
    pub fn converted(&self) -> bool {
        self.converted
    }

    /// The length of the whole text.
    pub fn bytes_len(&self) -> usize {
        self.block.len() - ENTRY * self.len
    }

    /// Entry `i`'s key as JSON text with its colon (`"key":`), when there is such an entry.
    pub fn key(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| {
            let (start, key_end, _) = self.entry(i);
            &self.bytes()[start..key_end]
        })
    }

    /// Entries `first..=last` as JSON object members: `"key":value,...` (`first` <= `last` <
    /// [`Text::len`]).
    pub fn members(&self, first: usize, last: usize) -> &[u8] {
        &self.bytes()[self.entry(first).0..self.entry(last).2]
    }

    /// The JSON text of entry `i`'s value (`i` < [`Text::len`]).
    pub fn value(&self, i: usize) -> &[u8] {
        let (_, key_end, end) = self.entry(i);
        &self.bytes()[key_end..end]
    }
}

impl Record {
    /// The JSON text of every entry, made on first use after a change.
    pub fn text(&self) -> &Text {
        self.text.get_or_init(|| Text::of(&self.fields))
    }

    /// The fields, taken out of the record.
    pub fn into_map(self) -> Map<String, Value> {
        self.fields
    }
}

impl Clone for Record {
    fn clone(&self) -> Self {
        // The copy makes its own text when it is first written.
        Record::from(self.fields.clone())
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields
    }
}

impl From<Map<String, Value>> for Record {
    fn from(fields: Map<String, Value>) -> Self {
        Record {
            fields,
            text: OnceLock::new(),
        }
    }
}

impl From<Record> for Value {
    fn from(r: Record) -> Self {
        Value::Object(r.fields)
    }
}

impl Deref for Record {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.fields
    }
}

impl DerefMut for Record {
    /// Any change may alter the fields: the text is made again on next use.
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.text.take();
        &mut self.fields
    }
}

impl<'a> IntoIterator for &'a Record {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Record {
        match json!({"id": "1", "Last_Name": "O\"Neil\n", "Amount": 1.5, "Tag": [], "x": null}) {
            Value::Object(m) => Record::from(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn text_is_each_value_as_json() {
        let r = record();
        let t = r.text();
        assert_eq!(t.len(), r.len());
        for (i, (k, v)) in r.iter().enumerate() {
            assert_eq!(t.key(i), Some(format!("{}:", json!(k)).as_bytes()));
            assert_eq!(t.value(i), serde_json::to_vec(v).unwrap().as_slice());
            let one = serde_json::to_string(&json!({ k: v })).unwrap();
            assert_eq!(t.members(i, i), &one.as_bytes()[1..one.len() - 1]);
        }
        assert_eq!(t.key(r.len()), None);
        assert!(!t.converted());
        // Every entry at once is the record's JSON without its braces.
        let all = serde_json::to_string(&*r).unwrap();
        assert_eq!(t.members(0, t.len() - 1), &all.as_bytes()[1..all.len() - 1]);
        assert_eq!(t.bytes_len(), all.len() - 2);
    }

    #[test]
    fn a_change_is_written_next_time() {
        let mut r = record();
        assert_eq!(r.text().value(1), br#""O\"Neil\n""#);
        r.insert("Last_Name".into(), json!("Ng"));
        assert_eq!(r.text().value(1), br#""Ng""#);
        r.insert("Converted__s".into(), json!(true));
        assert!(r.text().converted());
        r.insert("Converted__s".into(), json!("true"));
        assert!(!r.text().converted());
        r.remove("Converted__s");
        r.remove("id");
        assert_eq!(r.text().len(), 4);
        for (i, (k, v)) in r.iter().enumerate() {
            assert_eq!(r.text().key(i), Some(format!("{}:", json!(k)).as_bytes()));
            assert_eq!(r.text().value(i), serde_json::to_vec(v).unwrap().as_slice());
        }
    }
}
