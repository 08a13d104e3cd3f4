use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zcrm-filestore-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn contract() {
    let d = temp_dir("contract");
    crate::store::contract::run(&FileStore::new(d.join("tokens.csv"))).await;
}

#[tokio::test]
async fn reads_a_file_written_the_way_the_python_sdk_writes_it() {
    let d = temp_dir("python");
    let path = d.join("sdk_tokens.txt");
    // As python-sdk.md §4.2 describes: header, minimal quoting, \r\n, empty = null; an
    // access-token-only row.
    std::fs::write(&path, "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n1,dev@example.com:5000,1000.CID,SECRET,1000.ref,1000.acc,1000.grant.xyz,1795863405468,http://localhost/cb,http://127.0.0.1:18080\r\n2,,,,,ACCESSONLY,,,,http://127.0.0.1:18080\r\n").unwrap();
    let store = FileStore::new(&path);
    let t = store
        .find_by_user("dev@example.com:5000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.id.as_deref(), Some("1"));
    assert_eq!(t.client_secret.unwrap().expose(), "SECRET");
    assert_eq!(t.expiry_time, Some(1_795_863_405_468));
    assert_eq!(t.redirect_url.as_deref(), Some("http://localhost/cb"));
    let only = store.find_by_id("2").await.unwrap().unwrap();
    assert_eq!(only.access_token.unwrap().expose(), "ACCESSONLY");
    assert_eq!((only.user_name, only.refresh_token), (None, None));
    // Writing keeps the format byte for byte: the whole file is unchanged.
    let before = std::fs::read(&path).unwrap();
    store
        .save(&store.find_by_id("1").await.unwrap().unwrap())
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(std::fs::read(&path).unwrap()).unwrap(),
        String::from_utf8(before).unwrap()
    );
}

#[tokio::test]
async fn writes_exactly_what_the_python_sdk_writes() {
    // python-sdk.md §4.2: header, `,` delimiter, `"` quotes only where needed (a field with a
    // comma, quote, CR or LF; quotes doubled), `\r\n` after every row, empty for a missing value,
    // ids "1", "2", ... in insertion order.
    let d = temp_dir("python-write");
    let path = d.join("sdk_tokens.txt");
    let store = FileStore::new(&path);
    store
        .save(&StoredToken {
            user_name: Some("dev@example.com:5000".into()),
            client_id: Some("1000.CID".into()),
            client_secret: Some(ClientSecret::new("se,cr\"et")),
            refresh_token: Some(RefreshToken::new("1000.ref")),
            access_token: Some(AccessToken::new("1000.acc")),
            grant_token: Some(GrantToken::new("1000.grant.xyz")),
            expiry_time: Some(1_795_863_405_468),
            redirect_url: Some("http://localhost/cb?a=1\nb".into()),
            api_domain: Some("http://127.0.0.1:18080".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    store
        .save(&StoredToken {
            access_token: Some(AccessToken::new("ACCESSONLY")),
            api_domain: Some("http://127.0.0.1:18080".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let expected = concat!(
        "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n",
        "1,dev@example.com:5000,1000.CID,\"se,cr\"\"et\",1000.ref,1000.acc,1000.grant.xyz,1795863405468,\"http://localhost/cb?a=1\nb\",http://127.0.0.1:18080\r\n",
        "2,,,,,ACCESSONLY,,,,http://127.0.0.1:18080\r\n",
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[cfg(unix)]
#[tokio::test]
async fn leftover_temporary_files_of_dead_writers_are_removed() {
    let d = temp_dir("leftover");
    let path = d.join("t.csv");
    let store = FileStore::new(&path);
    store.save(&StoredToken::default()).await.unwrap();
    // What a writer killed between writing its copy and renaming it leaves behind.
    let leftover = d.join(".t.csv.4194999.tmp");
    std::fs::write(&leftover, std::fs::read(&path).unwrap()).unwrap();
    // Not a temporary file of this store: left alone.
    let other = d.join(".t.csv.notes.tmp");
    std::fs::write(&other, b"x").unwrap();
    store.save(&StoredToken::default()).await.unwrap();
    assert!(
        !leftover.exists(),
        "the dead writer's copy of the tokens is still there"
    );
    assert!(other.exists());
    let names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && n != ".t.csv.notes.tmp")
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_temporary_file_found_in_place_cannot_widen_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = temp_dir("tmp-mode");
    let path = d.join("t.csv");
    // A world-readable file at the very name this process writes its copy to (a leftover of a
    // killed process that had the same pid, or planted).
    let tmp = d.join(format!(".t.csv.{}.tmp", std::process::id()));
    std::fs::write(&tmp, b"").unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = FileStore::new(&path);
    store
        .save(&StoredToken {
            refresh_token: Some(RefreshToken::new("1000.secret")),
            ..Default::default()
        })
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "the token file took the mode of the file found in place"
    );
    assert!(!tmp.exists());
}

#[test]
fn corrupt_lines_are_named() {
    let p = Path::new("t.csv");
    let head = HEADER.join(",");
    let cases: [(String, usize, &str); 10] = [
        (
            format!("{head}\r\n1,a,,,,,,-1e30,,\r\n"),
            2,
            "expiry_time `-1e30`",
        ),
        (
            format!("{head}\r\n1,a,,,,,,1e400,,\r\n"),
            2,
            "expiry_time `1e400`",
        ),
        (
            format!("{head}\r\n1,a,,,,,,soon,,\r\n"),
            2,
            "expiry_time `soon`",
        ),
        (
            format!("{head}\r\n1,\"a\nb\",,,,,,,,\r\n2,b,,,\r\n"),
            4,
            "expected 10 fields, found 5",
        ),
        ("id,user\r\n".to_string(), 1, "the header must be"),
        (format!("{head}\r\n\r\n1,\u{e9}"), 3, "expected 10 fields"),
        // A header after empty lines is named where it is.
        ("\r\n\nid,user\r\n".to_string(), 3, "the header must be"),
        // `\r` alone ends a line (old Mac files), and is counted as one.
        (
            format!("{head}\r1,a,,,,,,soon,,\r"),
            2,
            "expiry_time `soon`",
        ),
        // A byte order mark (Excel's "CSV UTF-8") and an empty line before the header.
        (
            format!("\u{feff}\r\n{head}\r\n1,a,,,,,,soon,,\r\n"),
            3,
            "expiry_time `soon`",
        ),
        // A quote left open in the last field would swallow every later row.
        (
            format!("{head}\r\n1,a,,,,,,,,\"x\r\n2,b,,,,,,,,\r\n"),
            2,
            "quoted field is not closed",
        ),
    ];
    for (text, line, reason) in cases {
        match decode(p, text.as_bytes()) {
            Err(StoreError::Corrupt {
                line: l, reason: r, ..
            }) => {
                assert_eq!(l, line, "{text:?}: {r}");
                assert!(r.contains(reason), "{text:?}: {r}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let mut bytes = format!("{head}\r\n1,a,,,,,,,,\r\n2,").into_bytes();
    bytes.push(0xff);
    match decode(p, &bytes) {
        Err(StoreError::Corrupt {
            line: 3, reason, ..
        }) => assert!(reason.contains("UTF-8")),
        other => panic!("{other:?}"),
    }
    // A quote inside a field is a character (Python's reader); a byte order mark is skipped.
    let quoted = format!("\u{feff}{head}\r\n1,a\"b,,,,,,,,\r\n");
    let rows = decode(p, quoted.as_bytes()).unwrap();
    assert_eq!(rows[0].user_name.as_deref(), Some("a\"b"));
    // In range: i64::MIN and a float the official SDK may write.
    let ok = format!(
        "{head}\r\n1,a,,,,,,{},,\r\n2,b,,,,,,1795863405468.0,,\r\n",
        i64::MIN
    );
    let rows = decode(p, ok.as_bytes()).unwrap();
    assert_eq!(rows[0].expiry_time, Some(i64::MIN));
    assert_eq!(rows[1].expiry_time, Some(1_795_863_405_468));
}

#[tokio::test]
async fn upgrades_the_nine_column_header() {
    let d = temp_dir("legacy");
    let path = d.join("t.csv");
    std::fs::write(&path, "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri\n1,a@x:1,c,s,r,a,,,\n").unwrap();
    let store = FileStore::new(&path);
    assert_eq!(store.list().await.unwrap().len(), 1);
    store
        .save(&StoredToken {
            user_name: Some("b@x:1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with(&HEADER.join(",")));
}

#[tokio::test]
async fn rejects_a_foreign_file_without_touching_it() {
    let d = temp_dir("foreign");
    let path = d.join("t.csv");
    std::fs::write(&path, "name,value\nx,y\n").unwrap();
    let store = FileStore::new(&path);
    let err = store.save(&StoredToken::default()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("line 1: the header must be `id,user_name,"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name,value\nx,y\n");
}

#[cfg(unix)]
#[tokio::test]
async fn file_mode_is_0600() {
    use std::os::unix::fs::PermissionsExt;
    let d = temp_dir("mode");
    let store = FileStore::new(d.join("t.csv"));
    store.save(&StoredToken::default()).await.unwrap();
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn csv_quoting_round_trips() {
    let fields: Vec<String> = ["a,b", "say \"hi\"", "line\nbreak", "", "plain"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut out = String::new();
    write_row(&mut out, &fields);
    assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",,plain\r\n");
    assert_eq!(read_csv(&out), Ok(vec![(1, fields)]));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A string of up to `max` characters drawn from `alphabet`.
    fn text(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
        let chars: Vec<char> = alphabet.chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 0..=max)
            .prop_map(String::from_iter)
    }

    /// A field as the official SDK could write it, or worse: commas, quotes, CR/LF, unicode.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            text("abcxyz0189.@:-", 12),
            text("ab ,\"\r\n;'\\\u{e9}\u{1F600}", 12),
        ]
    }

    /// An expiry_time cell, well-formed or not; `Ok(value)` when it must parse.
    fn expiry() -> impl Strategy<Value = (String, Result<Option<i64>, ()>)> {
        prop_oneof![
            Just((String::new(), Ok(None))),
            any::<i64>().prop_map(|v| (v.to_string(), Ok(Some(v)))),
            (0i64..4_000_000_000_000).prop_map(|v| (format!("{v}.0"), Ok(Some(v)))),
            Just((i64::MIN.to_string(), Ok(Some(i64::MIN)))),
            Just(("-1e30".to_string(), Err(()))),
            Just(("1e19".to_string(), Err(()))),
            Just(("99999999999999999999".to_string(), Err(()))),
            Just(("NaN".to_string(), Err(()))),
            Just(("inf".to_string(), Err(()))),
            Just(("-inf".to_string(), Err(()))),
            text("abcdefxyz", 8).prop_map(|s| {
                let s = format!("x{s}");
                (s, Err(()))
            }),
        ]
    }

    /// A row: fields, how many of them are written (10 is right), the expected expiry.
    fn row() -> impl Strategy<Value = (Vec<String>, usize, Result<Option<i64>, ()>)> {
        (
            proptest::collection::vec(field(), 10),
            expiry(),
            prop_oneof![8 => Just(10usize), 1 => 0usize..10, 1 => 11usize..14],
        )
            .prop_map(|(mut fields, (cell, expected), width)| {
                fields[7] = cell;
                fields.resize(width.max(10), "x".to_string());
                fields.truncate(width);
                (fields, width, expected)
            })
    }

    /// Lines as a text editor counts them: `\n`, `\r\n` and a `\r` alone each end one.
    fn lines_in(text: &str) -> usize {
        text.replace("\r\n", "\n")
            .replace('\r', "\n")
            .matches('\n')
            .count()
            + 1
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Any bytes at all: a typed error naming a line of the input, or tokens.
        #[test]
        fn any_bytes_parse_or_name_a_line(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            match decode(Path::new("t.csv"), &bytes) {
                Ok(_) => {}
                Err(StoreError::Corrupt { line, .. }) => {
                    let lines = lines_in(&String::from_utf8_lossy(&bytes));
                    prop_assert!(line >= 1 && line <= lines, "line {} of {}", line, lines);
                }
                Err(e) => prop_assert!(false, "not Corrupt: {e:?}"),
            }
        }

        /// Any bytes after a valid header (the header check is passed, so rows get parsed).
        #[test]
        fn any_rows_parse_or_name_a_line(tail in text("az09,,,\"\r\n.-e", 300)) {
            let text = format!("{}\r\n{tail}", HEADER.join(","));
            match decode(Path::new("t.csv"), text.as_bytes()) {
                Ok(_) => {}
                Err(StoreError::Corrupt { line, .. }) => {
                    prop_assert!(line >= 2 && line <= lines_in(&text), "line {}", line);
                }
                Err(e) => prop_assert!(false, "not Corrupt: {e:?}"),
            }
        }

        /// Rows written as the official SDK writes them, some with a bad expiry_time or a wrong
        /// number of columns: the first bad row is the error's line, else every row comes back.
        #[test]
        fn written_rows_parse_back_or_the_first_bad_one_is_named(
            rows in proptest::collection::vec(row(), 0..8)
        ) {
            let mut text = String::new();
            write_row(&mut text, &HEADER.map(String::from));
            let mut expected_rows = vec![];
            let mut first_bad = None;
            for (fields, width, expiry) in &rows {
                let line = lines_in(&text);
                write_row(&mut text, fields);
                if fields.iter().all(String::is_empty) {
                    continue; // an empty row is skipped, whatever its width
                }
                if first_bad.is_some() {
                    continue;
                }
                match (width, expiry) {
                    (10, Ok(e)) => expected_rows.push((fields.clone(), *e)),
                    _ => first_bad = Some(line),
                }
            }
            match (decode(Path::new("t.csv"), text.as_bytes()), first_bad) {
                (Err(StoreError::Corrupt { line, .. }), Some(bad)) => prop_assert_eq!(line, bad),
                (Ok(tokens), None) => {
                    prop_assert_eq!(tokens.len(), expected_rows.len());
                    for (t, (fields, expiry)) in tokens.iter().zip(&expected_rows) {
                        prop_assert_eq!(t.expiry_time, *expiry);
                        let mut back = to_fields(t);
                        back[7] = fields[7].clone();
                        prop_assert_eq!(&back, fields);
                    }
                }
                (got, bad) => prop_assert!(false, "expected bad line {bad:?}, got {got:?}"),
            }
        }
    }
}
