//! Files against the emulator: a record's attachments (uploaded from a path, from bytes and
//! from a stream; linked URLs; listed, downloaded byte-identical as streams or files, deleted),
//! record photos, files for file fields, the upload size limit, and which failed uploads are
//! sent again (a path, after a 429) and which are not (a stream, read once).

mod common;

use futures_util::TryStreamExt;
use serde_json::{json, Value};
use zcrm_core::records::AttachmentKind;
use zcrm_core::upload::FilePart;
use zcrm_core::{DynamicRecord, Error, ErrorKind, RecordId};
use zcrm_emulator::{Emulator, EmulatorConfig};
use zcrm_modules::leads::{LeadUpdate, Leads};

async fn admin(emu: &Emulator, method: reqwest::Method, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", emu.admin_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "admin {path}: {}",
        resp.status()
    );
    resp.json().await.unwrap_or(Value::Null)
}

async fn new_lead(client: &zcrm_core::Client, last: &str) -> RecordId {
    client
        .records(Leads)
        .create(&[LeadUpdate::new().last_name(last).company("Files Ltd")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap()
}

/// Bytes that are not all alike, so a shifted or truncated copy shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Uploads sent to attachment paths.
fn uploads_sent(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/Attachments"))
        .count()
}

#[tokio::test]
async fn attachments_upload_list_download_and_delete() {
    let (_emu, client) = common::setup().await;
    let lead = new_lead(&client, "Attached").await;
    let atts = client.records(Leads).attachments(&lead);
    let dir = tempfile::tempdir().unwrap();

    // From a path: streamed from the file.
    let data = pattern(3 * 1024 * 1024 + 17);
    let path = dir.path().join("proposal v2.pdf");
    std::fs::write(&path, &data).unwrap();
    let from_path = atts
        .upload(FilePart::path(&path).content_type("application/pdf"))
        .await
        .unwrap();

    // From a stream of unknown length, and from bytes.
    let streamed = pattern(200_000);
    let reader = std::io::Cursor::new(streamed.clone());
    let from_reader = atts
        .upload(FilePart::reader("notes.txt", reader, None).content_type("text/plain"))
        .await
        .unwrap();
    let from_bytes = atts
        .upload(FilePart::bytes("tiny.bin", vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    let link = atts
        .link("https://example.com/brochure", Some("Brochure"))
        .await
        .unwrap();

    let listed: Vec<_> = atts.list().try_collect().await.unwrap();
    assert_eq!(listed.len(), 4);
    let find = |id: &RecordId| listed.iter().find(|a| &a.id == id).unwrap();
    let a = find(&from_path);
    assert_eq!(a.file_name.as_deref(), Some("proposal v2.pdf"));
    assert_eq!(a.size, Some(data.len() as u64));
    assert_eq!(a.kind, Some(AttachmentKind::File));
    assert_eq!(find(&from_reader).size, Some(streamed.len() as u64));
    let l = find(&link);
    assert_eq!(l.kind, Some(AttachmentKind::LinkUrl));
    assert_eq!(l.link_url.as_deref(), Some("https://example.com/brochure"));
    assert_eq!(l.file_name.as_deref(), Some("Brochure"));

    // Downloads: to a file (byte-identical, named by Content-Disposition), as a stream, and
    // into memory with a limit.
    let d = atts.download(&from_path).await.unwrap();
    assert_eq!(d.file_name(), Some("proposal v2.pdf"));
    assert_eq!(d.content_type(), Some("application/pdf"));
    assert_eq!(d.content_length(), Some(data.len() as u64));
    let target = dir.path().join("copy.pdf");
    assert_eq!(d.save_to(&target).await.unwrap(), data.len() as u64);
    assert!(
        std::fs::read(&target).unwrap() == data,
        "the saved copy differs"
    );

    let chunks: Vec<bytes::Bytes> = atts
        .download(&from_reader)
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(chunks.concat() == streamed, "the streamed copy differs");

    let small = atts.download(&from_bytes).await.unwrap();
    let e = small.bytes(3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
    let small = atts.download(&from_bytes).await.unwrap();
    assert_eq!(&small.bytes(4).await.unwrap()[..], &[0u8, 1, 2, 255]);

    // Deletes: one, then many (an unknown id is an outcome, not an error).
    atts.delete(&from_bytes).await.unwrap();
    let gone = atts.download(&from_bytes).await.unwrap_err();
    assert_eq!(gone.api_code(), Some("INVALID_DATA"), "{gone}");
    let outcomes = atts
        .delete_many(&[from_path.clone(), RecordId::from("999"), link.clone()])
        .await
        .unwrap();
    let codes: Vec<&str> = outcomes.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["SUCCESS", "INVALID_DATA", "SUCCESS"]);
    let left: Vec<_> = atts.list().try_collect().await.unwrap();
    assert_eq!(
        left.iter().map(|a| &a.id).collect::<Vec<_>>(),
        [&from_reader]
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let (emu, client) = common::setup().await;
    let lead = new_lead(&client, "Careful").await;
    let atts = client.records(Leads).attachments(&lead);
    let before = emu.requests().len();
    let e = atts
        .upload(FilePart::path("/nonexistent/zcrm/missing.pdf"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(
        e.to_string().contains("/nonexistent/zcrm/missing.pdf"),
        "{e}"
    );
    let e = atts
        .upload(FilePart::bytes("evil\r\nX-Injected: 1", vec![1]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    for url in ["ftp://example.com/x", "javascript:alert(1)", "https://"] {
        let e = atts.link(url, None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{url}: {e}");
    }
    let e = client
        .records(Leads)
        .attachments(&RecordId::from(".."))
        .upload(FilePart::bytes("a.txt", vec![1]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(emu.requests().len(), before, "nothing reaches the server");
    // Unknown record: Zoho's error, typed.
    let e = client
        .records(Leads)
        .attachments(&RecordId::from("1234"))
        .upload(FilePart::bytes("a.txt", vec![1]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api { .. }), "{e}");
}

#[tokio::test]
async fn files_past_the_size_limit_get_zohos_413() {
    let emu = Emulator::start_with(
        EmulatorConfig {
            max_upload_bytes: 64 * 1024,
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = common::sign_in(&emu, &["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"]).await;
    let lead = new_lead(&client, "Big").await;
    let atts = client.records(Leads).attachments(&lead);
    let e = atts
        .upload(FilePart::bytes("big.bin", pattern(100 * 1024)))
        .await
        .unwrap_err();
    match &e {
        Error::Api { status, code, .. } => {
            assert_eq!(
                (*status, code.as_str()),
                (413, "FILE_SIZE_MORE_THAN_ALLOWED_SIZE")
            )
        }
        other => panic!("expected Zoho's 413, got {other}"),
    }
    assert!(!e.is_retryable());
    assert_eq!(uploads_sent(&emu), 1, "a refused upload is not sent again");
    // A file of exactly the limit is taken.
    atts.upload(FilePart::bytes("ok.bin", pattern(64 * 1024)))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_throttled_upload_is_sent_again_from_a_path_but_not_from_a_stream() {
    let (emu, client) = common::setup().await;
    let lead = new_lead(&client, "Throttled").await;
    let atts = client.records(Leads).attachments(&lead);
    let path_prefix = format!("/crm/v7/Leads/{lead}/Attachments");
    let fault = json!({"path_prefix": path_prefix, "times": 1,
        "action": {"kind": "status", "status": 429, "headers": {"Retry-After": "0"}}});

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("again.bin");
    let data = pattern(300_000);
    std::fs::write(&path, &data).unwrap();
    admin(&emu, reqwest::Method::POST, "/faults", fault.clone()).await;
    let id = atts.upload(FilePart::path(&path)).await.unwrap();
    assert_eq!(
        uploads_sent(&emu),
        2,
        "the file is read again for the second send"
    );
    let copy = atts
        .download(&id)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    assert!(copy[..] == data[..]);

    admin(&emu, reqwest::Method::POST, "/faults", fault).await;
    let reader = std::io::Cursor::new(pattern(1000));
    let e = atts
        .upload(FilePart::reader("once.bin", reader, Some(1000)))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some("TOO_MANY_REQUESTS"), "{e}");
    assert!(e.to_string().contains("not sent again"), "{e}");
    assert_eq!(uploads_sent(&emu), 3, "a stream is sent once");

    // A server error may come after the file was taken: even a file from a path is not
    // sent again.
    let fault = json!({"path_prefix": path_prefix, "times": 1,
        "action": {"kind": "status", "status": 500}});
    admin(&emu, reqwest::Method::POST, "/faults", fault).await;
    let e = atts.upload(FilePart::path(&path)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api, "{e}");
    assert_eq!(uploads_sent(&emu), 4, "not repeated after a 500");
}

#[tokio::test]
async fn record_photos_upload_download_and_delete() {
    let (_emu, client) = common::setup().await;
    let lead = new_lead(&client, "Pictured").await;
    let leads = client.records(Leads);
    assert!(leads.download_photo(&lead).await.unwrap().is_none());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(pattern(5000));
    leads
        .upload_photo(
            &lead,
            FilePart::bytes("face.png", png.clone()).content_type("image/png"),
        )
        .await
        .unwrap();
    let photo = leads.download_photo(&lead).await.unwrap().unwrap();
    assert_eq!(photo.content_type(), Some("image/png"));
    assert!(photo.bytes(1 << 20).await.unwrap()[..] == png[..]);

    let e = leads
        .upload_photo(&lead, FilePart::bytes("not.png", b"plain text".to_vec()))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some("INVALID_DATA"), "{e}");

    leads.delete_photo(&lead).await.unwrap();
    assert!(leads.download_photo(&lead).await.unwrap().is_none());
    let e = leads.delete_photo(&lead).await.unwrap_err();
    assert_eq!(e.api_code(), Some("INVALID_DATA"), "{e}");
}

#[tokio::test]
async fn a_file_field_takes_an_uploaded_file() {
    let (emu, client) = common::setup().await;
    admin(
        &emu,
        reqwest::Method::POST,
        "/orgs/60012345/fields/Leads",
        json!({"api_name": "Signed_Contract", "field_label": "Signed Contract", "data_type": "fileupload"}),
    )
    .await;
    let lead = new_lead(&client, "Contracted").await;
    let data = pattern(70_000);
    let file = client
        .upload_file(FilePart::bytes("contract.pdf", data.clone()).content_type("application/pdf"))
        .await
        .unwrap();
    assert_eq!(file.name, "contract.pdf");

    let update = DynamicRecord::new()
        .set("id", lead.as_str())
        .set("Signed_Contract", json!([{"File_Id__s": file.id}]));
    let out = client.dynamic("Leads").update(&[update]).await.unwrap();
    assert!(out[0].is_success(), "{out:?}");
    let got = client
        .dynamic("Leads")
        .get(&lead, &["Signed_Contract"])
        .await
        .unwrap()
        .unwrap();
    let stored = got.get("Signed_Contract").unwrap();
    assert_eq!(stored[0]["File_Id__s"], json!(file.id));
    assert_eq!(stored[0]["File_Name__s"], json!("contract.pdf"));
    assert_eq!(stored[0]["Size__s"], json!(data.len().to_string()));

    let copy = client.download_file(&file.id).await.unwrap();
    assert_eq!(copy.file_name(), Some("contract.pdf"));
    assert!(copy.bytes(1 << 20).await.unwrap()[..] == data[..]);

    // An id no upload gave is Zoho's per-record error.
    let bad = DynamicRecord::new()
        .set("id", lead.as_str())
        .set("Signed_Contract", json!([{"File_Id__s": "nope"}]));
    let out = client.dynamic("Leads").update(&[bad]).await.unwrap();
    assert_eq!(out[0].code, "INVALID_DATA");
    let e = client.download_file("").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

/// A download holds one concurrency slot while its body is unread, and gives it back when
/// read to its end or dropped: with a limit of one, a request waits for it.
#[tokio::test]
async fn a_download_holds_its_slot_until_read_or_dropped() {
    use std::time::Duration;
    use zcrm_core::{ApiEnvironment, Client, OAuthToken, SdkConfig};
    let emu = Emulator::start().await.unwrap();
    let code = emu
        .mint_grant_code(
            "patricia.boyle@zylker.example",
            &["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"],
        )
        .unwrap();
    let client = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(ApiEnvironment::custom(
            &emu.api_url,
            &emu.accounts_url,
            &emu.upload_url,
        ))
        .config(SdkConfig::builder().max_concurrency(1).build().unwrap())
        .token(
            OAuthToken::builder()
                .client_id(zcrm_emulator::SELF_CLIENT_ID)
                .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()
                .unwrap(),
        )
        .build()
        .await
        .unwrap();
    assert_eq!(client.concurrency_limit(), 1);
    let lead = new_lead(&client, "One at a time").await;
    let atts = client.records(Leads).attachments(&lead);
    let id = atts
        .upload(FilePart::bytes("a.bin", pattern(10_000)))
        .await
        .unwrap();
    let leads = client.records(Leads);
    let count = || leads.count(None);
    let wait = Duration::from_millis(300);

    let held = atts.download(&id).await.unwrap();
    assert!(
        tokio::time::timeout(wait, count()).await.is_err(),
        "an unread download holds the only slot"
    );
    drop(held);
    tokio::time::timeout(wait, count()).await.unwrap().unwrap();

    let mut read = atts.download(&id).await.unwrap();
    while read.chunk().await.unwrap().is_some() {}
    tokio::time::timeout(wait, count())
        .await
        .expect("a download read to its end gives its slot back")
        .unwrap();
    drop(read);
    // Released once, not twice: the limit is still one.
    let _held = atts.download(&id).await.unwrap();
    assert!(tokio::time::timeout(wait, count()).await.is_err());
}
