//! Reading a bulk read export: the ZIP Zoho serves holds one CSV, whose rows become JSON
//! objects by the module's field metadata (numbers, booleans, multi-select lists, lookups as
//! `{"id"}`), then the module's record type. Runs on a blocking thread; nothing here panics
//! on what the server sent.

use crate::error::{Error, ProtocolError};
use crate::metadata::ModuleFields;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use std::io::{Read, Seek};

/// How a column's cells become JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// Text (and any type not listed here).
    Text,
    /// A number (`integer`, `bigint`, `double`, `currency`, `percent`, ...).
    Number,
    /// `true` / `false`.
    Boolean,
    /// A multi-select picklist: values joined with `;`.
    MultiSelect,
    /// A lookup or user: the cell holds the id.
    Lookup,
}

impl CellKind {
    /// The kind of a field of Zoho's `data_type`.
    pub(crate) fn of(data_type: &str) -> Self {
        match data_type {
            "integer" | "bigint" | "double" | "currency" | "percent" | "decimal" | "long" => {
                CellKind::Number
            }
            "boolean" => CellKind::Boolean,
            "multiselectpicklist" => CellKind::MultiSelect,
            "lookup" | "ownerlookup" | "userlookup" => CellKind::Lookup,
            _ => CellKind::Text,
        }
    }
}

/// The columns of an export: each one's key in the JSON object and its kind.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    columns: Vec<(String, CellKind)>,
}

impl Columns {
    /// Reads a header: the `Id` column (required) becomes `id`, the others keep their names
    /// and take the kind of the field of that name (text when the metadata does not know it).
    pub(crate) fn new<'a>(
        header: impl IntoIterator<Item = &'a str>,
        fields: Option<&ModuleFields>,
    ) -> Result<Self, Error> {
        let mut columns = vec![];
        let mut has_id = false;
        for (i, name) in header.into_iter().enumerate() {
            let name = if i == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                name
            };
            if name == "Id" || name == "id" {
                has_id = true;
                columns.push(("id".to_string(), CellKind::Text));
                continue;
            }
            let kind = fields
                .and_then(|f| f.field(name))
                .map_or(CellKind::Text, |f| CellKind::of(&f.data_type));
            columns.push((name.to_string(), kind));
        }
        if !has_id {
            return Err(ProtocolError::Malformed {
                what: format!(
                    "the bulk read CSV has no `Id` column (its header holds {} columns)",
                    columns.len()
                ),
            }
            .into());
        }
        Ok(Columns { columns })
    }

    /// A row as a JSON object: an empty cell is `null`, a missing cell (a short row) too;
    /// cells past the header are ignored.
    pub(crate) fn row<'a>(&self, cells: impl IntoIterator<Item = &'a str>) -> Map<String, Value> {
        let mut out = Map::new();
        let mut cells = cells.into_iter();
        for (name, kind) in &self.columns {
            let value = cells.next().map_or(Value::Null, |c| cell(c, *kind));
            out.insert(name.clone(), value);
        }
        out
    }
}

/// One cell as a JSON value of its column's kind; a cell that does not read as its kind
/// (a number column holding text) stays text, for the record type to accept or refuse.
pub(crate) fn cell(text: &str, kind: CellKind) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match kind {
        CellKind::Text => Value::String(text.to_string()),
        CellKind::Number => text
            .trim()
            .parse::<Number>()
            .map_or_else(|_| Value::String(text.to_string()), Value::Number),
        CellKind::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        CellKind::MultiSelect => Value::Array(
            text.split(';')
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        CellKind::Lookup => {
            let mut m = Map::new();
            m.insert("id".into(), Value::String(text.to_string()));
            Value::Object(m)
        }
    }
}

/// A row that does not decode into the record type: names the row and the column, and keeps
/// serde's message (redacted of anything token-like), never the row's text.
fn row_error(job: &str, row: u64, e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let at = e.path().to_string();
    let column = at.split(['.', '[']).next().unwrap_or_default();
    let path = if column.is_empty() {
        format!("bulk read job {job}, row {row}")
    } else {
        format!("bulk read job {job}, row {row}, column {column}")
    };
    Error::Decode {
        path,
        message: crate::http::redact(&e.into_inner().to_string()),
        snippet: String::new(),
    }
}

/// The index of the CSV inside a bulk job's ZIP (the first entry whose name ends in `.csv`).
pub(crate) fn csv_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    job: &str,
) -> Result<usize, Error> {
    let malformed = |what: String| Error::from(ProtocolError::Malformed { what });
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| {
            malformed(format!(
                "the file of bulk job {job} is not a readable ZIP: {e}"
            ))
        })?;
        let csv = entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with(".csv"));
        if entry.is_file() && csv {
            return Ok(i);
        }
    }
    Err(malformed(format!(
        "the file of bulk job {job} holds no CSV file ({} entries)",
        zip.len()
    )))
}

/// What reading an export came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadEnd {
    /// Every row was handed on; how many.
    Done(u64),
    /// The receiver went away (the stream was dropped); reading stopped.
    Stopped,
}

/// Whether `file` opens as a ZIP holding a CSV (rewound after): a download cut short where
/// HTTP cannot tell (a body without a length) fails here, before any row is read.
pub(crate) fn check_zip(file: &mut std::fs::File, job: &str) -> Result<(), Error> {
    let opened = {
        let mut zip = zip::ZipArchive::new(&mut *file).map_err(|e| {
            Error::from(ProtocolError::Malformed {
                what: format!("the file of bulk job {job} is not a readable ZIP: {e}"),
            })
        });
        match &mut zip {
            Ok(z) => csv_entry(z, job).map(drop),
            Err(_) => zip.map(drop),
        }
    };
    file.rewind().map_err(|source| Error::Io {
        what: "reading the downloaded file of a bulk job in",
        path: std::env::temp_dir().display().to_string(),
        source,
    })?;
    opened
}

/// Reads the export in `file` row by row and hands each row, decoded as `T`, to `send`
/// (which answers `false` once nobody listens). An error that ends the export (not a ZIP,
/// no CSV, no `Id` column, broken CSV) is returned; a row that does not decode is handed on
/// as an [`Error::Decode`] and reading goes on.
pub(crate) fn read_export<R: Read + Seek, T: DeserializeOwned>(
    file: R,
    job: &str,
    fields: Option<&ModuleFields>,
    mut send: impl FnMut(Result<T, Error>) -> bool,
) -> Result<ReadEnd, Error> {
    let malformed = |what: String| Error::from(ProtocolError::Malformed { what });
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        malformed(format!(
            "the file of bulk job {job} is not a readable ZIP: {e}"
        ))
    })?;
    let index = csv_entry(&mut zip, job)?;
    let entry = zip.by_index(index).map_err(|e| {
        malformed(format!(
            "the file of bulk job {job} is not a readable ZIP: {e}"
        ))
    })?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(entry);
    let header = csv.headers().map_err(|e| {
        malformed(format!(
            "the CSV of bulk read job {job} has no readable header: {e}"
        ))
    })?;
    let columns = Columns::new(header.iter(), fields)?;
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => return Ok(ReadEnd::Done(rows)),
            Ok(true) => {}
            Err(e) => {
                return Err(malformed(format!(
                    "the CSV of bulk read job {job} cannot be read after row {rows}: {e}"
                )))
            }
        }
        rows += 1;
        let object = Value::Object(columns.row(record.iter()));
        let decoded = serde_path_to_error::deserialize(object).map_err(|e| row_error(job, rows, e));
        if !send(decoded) {
            return Ok(ReadEnd::Stopped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::FieldMeta;
    use serde_json::json;
    use std::collections::HashMap;
    use std::io::{Cursor, Write};

    fn fields() -> ModuleFields {
        let mut map = HashMap::new();
        for (name, t) in [
            ("Annual_Revenue", "currency"),
            ("No_of_Employees", "integer"),
            ("Email_Opt_Out", "boolean"),
            ("Preferred_Channels", "multiselectpicklist"),
            ("Owner", "ownerlookup"),
            ("Last_Name", "text"),
        ] {
            map.insert(
                name.to_string(),
                FieldMeta {
                    api_name: name.into(),
                    data_type: t.into(),
                    options: vec![],
                    raw: Value::Null,
                },
            );
        }
        ModuleFields {
            module: "Leads".into(),
            checked_at: 0,
            fields: map,
        }
    }

    fn zip_of(name: &str, text: &str) -> Cursor<Vec<u8>> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
        let mut c = w.finish().unwrap();
        c.set_position(0);
        c
    }

    fn read(name: &str, text: &str) -> Result<Vec<Result<Value, Error>>, Error> {
        let mut out = vec![];
        let f = fields();
        read_export(zip_of(name, text), "J1", Some(&f), |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    #[test]
    fn rows_become_typed_json() {
        let csv = "Id,Last_Name,Annual_Revenue,No_of_Employees,Email_Opt_Out,Preferred_Channels,Owner,Unknown\r\n\
            1,\"Boyle, \"\"Pat\"\"\",1500.50,12,true,Email;In Person,99,x\r\n\
            2,,,,false,,,\r\n";
        let rows = read("J1.csv", csv).unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(
            first,
            &json!({"id": "1", "Last_Name": "Boyle, \"Pat\"",
                "Annual_Revenue": Value::Number("1500.50".parse().unwrap()),
                "No_of_Employees": 12, "Email_Opt_Out": true,
                "Preferred_Channels": ["Email", "In Person"], "Owner": {"id": "99"}, "Unknown": "x"})
        );
        assert_eq!(first["Annual_Revenue"].to_string(), "1500.50");
        let second = rows[1].as_ref().unwrap();
        assert_eq!(second["Last_Name"], Value::Null);
        assert_eq!(second["Preferred_Channels"], Value::Null);
        assert_eq!(second["Email_Opt_Out"], json!(false));
    }

    #[test]
    fn quoted_cells_keep_newlines_and_commas() {
        let csv = "Id,Last_Name\r\n1,\"two\r\nlines, and a comma\"\r\n";
        let rows = read("x.csv", csv).unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap()["Last_Name"],
            "two\r\nlines, and a comma"
        );
    }

    #[test]
    fn short_rows_read_as_nulls_and_text_stays_text() {
        let cols =
            Columns::new(["Id", "Annual_Revenue", "Email_Opt_Out"], Some(&fields())).unwrap();
        let row = cols.row(["7", "lots"]);
        assert_eq!(row["Annual_Revenue"], "lots");
        assert_eq!(row["Email_Opt_Out"], Value::Null);
        assert_eq!(cell("maybe", CellKind::Boolean), "maybe");
    }

    #[test]
    fn a_zip_without_csv_or_a_csv_without_id_is_a_protocol_error() {
        let e = read("notes.txt", "hello").unwrap_err();
        assert!(e.to_string().contains("holds no CSV"), "{e}");
        let e = read("J1.csv", "Last_Name\r\nX\r\n").unwrap_err();
        assert!(e.to_string().contains("no `Id` column"), "{e}");
        let e = read_export::<_, Value>(Cursor::new(b"not a zip".to_vec()), "J2", None, |_| true)
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Protocol);
    }

    #[test]
    fn a_row_that_does_not_decode_names_row_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Rec {
            id: String,
            #[serde(rename = "No_of_Employees")]
            n: Option<u32>,
        }
        let mut out: Vec<Result<Rec, Error>> = vec![];
        let f = fields();
        let csv = "Id,No_of_Employees\r\n1,3\r\n2,many\r\n";
        read_export(zip_of("a.csv", csv), "J9", Some(&f), |r| {
            out.push(r);
            true
        })
        .unwrap();
        assert!(out[0].is_ok());
        let e = out[1].as_ref().unwrap_err().to_string();
        assert!(
            e.contains("J9") && e.contains("row 2") && e.contains("No_of_Employees"),
            "{e}"
        );
    }

    #[test]
    fn a_receiver_gone_stops_reading() {
        let f = fields();
        let mut seen = 0;
        let end = read_export::<_, Value>(
            zip_of("a.csv", "Id\r\n1\r\n2\r\n3\r\n"),
            "J",
            Some(&f),
            |_| {
                seen += 1;
                false
            },
        )
        .unwrap();
        assert_eq!((end, seen), (ReadEnd::Stopped, 1));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn kind() -> impl Strategy<Value = CellKind> {
            prop_oneof![
                Just(CellKind::Text),
                Just(CellKind::Number),
                Just(CellKind::Boolean),
                Just(CellKind::MultiSelect),
                Just(CellKind::Lookup),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            /// Any cell text of any kind converts without a panic, and only an empty cell is
            /// null.
            #[test]
            fn any_cell_converts(text in any::<String>(), kind in kind()) {
                let v = cell(&text, kind);
                prop_assert_eq!(v.is_null(), text.is_empty());
            }

            /// Any CSV text inside a ZIP is read, or refused with an error, without a panic.
            #[test]
            fn any_csv_reads_or_fails(body in any::<String>(), header in "(Id|Owner|Annual_Revenue|Preferred_Channels|,|\")*") {
                let f = fields();
                let text = format!("{header}\r\n{body}");
                let _ = read_export::<_, Value>(zip_of("p.csv", &text), "P", Some(&f), |_| true);
            }
        }
    }
}
