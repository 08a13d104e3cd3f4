//! What the client makes of odd answers and odd input: bounded bodies, exact paths, counts
//! and "not found" only when the server says so.

mod common;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use zcrm_core::store::MemoryStore;
use zcrm_core::{Error, ProtocolError, RecordId, SdkConfig, SearchQuery};
use zcrm_emulator::Emulator;

use common::{fast_retries, fault};

/// A server that answers every request with an endless chunked JSON body (or, with
/// `announce`, a `Content-Length` of 300 MB) and counts the bytes it managed to send.
async fn endless_server(announce: bool) -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let total = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let total = total.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = if announce {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 300000000\r\n\r\n"
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                };
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                // At most 300 MB, so that the test ends even when the client keeps reading.
                for _ in 0..(300_000_000 / chunk.len()) {
                    let framed = if announce {
                        sock.write_all(&chunk).await
                    } else {
                        let mut f = format!("{:x}\r\n", chunk.len()).into_bytes();
                        f.extend_from_slice(&chunk);
                        f.extend_from_slice(b"\r\n");
                        sock.write_all(&f).await
                    };
                    if framed.is_err() {
                        return;
                    }
                    total.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    (format!("http://{addr}"), sent)
}

#[tokio::test]
async fn response_bodies_are_bounded() {
    for announce in [false, true] {
        let (url, sent) = endless_server(announce).await;
        let config = SdkConfig::builder()
            .max_response_bytes(1024 * 1024)
            .max_concurrency(2)
            .retry(zcrm_core::RetryPolicy::none())
            .build()
            .unwrap();
        let c = common::access_token_client(&url)
            .config(config)
            .build()
            .await
            .unwrap();
        let e = tokio::time::timeout(Duration::from_secs(120), c.get_json("/Leads", &[]))
            .await
            .expect("reading stops at the limit")
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::ResponseTooLarge {
                    limit: 1_048_576,
                    status: 200
                }
            ),
            "{e}"
        );
        // The server could push only what fits in socket buffers past the limit.
        let pushed = sent.load(std::sync::atomic::Ordering::SeqCst);
        assert!(pushed < 64 * 1024 * 1024, "{pushed} bytes were sent");
    }
}

#[tokio::test]
async fn path_segments_are_encoded() {
    let emu = Emulator::start().await.unwrap();
    let c = common::client(&emu, Arc::new(MemoryStore::new()), fast_retries()).await;
    let leads = c.dynamic("Leads");
    let e = leads
        .get(&RecordId::from("1?fields=Email&x="), &["Last_Name"])
        .await;
    let last = emu.requests().pop().unwrap();
    assert_eq!(
        last.query, "fields=Last_Name",
        "the id cannot add parameters"
    );
    assert!(last.path.starts_with("/crm/v7/Leads/1"), "{}", last.path);
    assert!(matches!(e, Ok(None)), "{e:?}");
    // A module name cannot reach another path.
    let e = c
        .dynamic("Leads/3652397000000624001")
        .get(&RecordId::from("x"), &[])
        .await
        .unwrap_err();
    assert_eq!(
        e.api_code(),
        Some("INVALID_MODULE"),
        "one segment, an unknown module: {e}"
    );
}

#[tokio::test]
async fn counts_must_be_numbers() {
    let emu = Emulator::start().await.unwrap();
    let c = common::client(&emu, Arc::new(MemoryStore::new()), fast_retries()).await;
    let leads = c.dynamic("Leads");
    assert_eq!(leads.count(None).await.unwrap(), 3);
    for body in [
        json!({"count": "many"}),
        json!({}),
        json!({"count": -1}),
        json!([1]),
    ] {
        fault(
            &emu,
            "/crm/v7/Leads/actions/count",
            None,
            0,
            1,
            json!({"kind": "status", "status": 200, "body": body}),
        )
        .await;
        let e = leads
            .count(Some(SearchQuery::Word("x".into())))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::Malformed { .. })),
            "{body}: {e}"
        );
    }
}

#[tokio::test]
async fn not_found_only_when_the_server_says_the_id_is_unknown() {
    let emu = Emulator::start().await.unwrap();
    let c = common::client(&emu, Arc::new(MemoryStore::new()), fast_retries()).await;
    let leads = c.dynamic("Leads");
    assert!(leads
        .get(&RecordId::from("999"), &["Last_Name"])
        .await
        .unwrap()
        .is_none());
    // An INVALID_DATA about a field is an error, not "not found".
    fault(&emu, "/crm/v7/Leads/", Some("GET"), 0, 1, json!({"kind": "status", "status": 400, "body": {"code": "INVALID_DATA", "details": {"api_name": "No_Such_Field"}, "message": "invalid data", "status": "error"}})).await;
    let e = leads
        .get(&RecordId::from("999"), &["No_Such_Field"])
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some("INVALID_DATA"), "{e}");
}

/// `.` and `..` cannot be escaped in a URL path (`%2E` is a dot segment too), and an empty
/// segment names another resource: an id or module name that is one of them would send the
/// request elsewhere (`Leads/.` is the list of Leads, `../users` the users). Nothing is sent.
#[tokio::test]
async fn dot_and_empty_segments_never_leave() {
    let emu = Emulator::start().await.unwrap();
    let c = common::client(&emu, Arc::new(MemoryStore::new()), fast_retries()).await;
    let leads = c.dynamic("Leads");
    let sent = emu.requests().len();
    for id in ["", ".", ".."] {
        let e = leads.get(&RecordId::from(id), &["Last_Name"]).await;
        assert!(matches!(&e, Err(Error::Config(_))), "id `{id}`: {e:?}");
    }
    for module in [".", ".."] {
        let e = c.dynamic(module).get(&RecordId::from("users"), &[]).await;
        assert!(
            matches!(&e, Err(Error::Config(_))),
            "module `{module}`: {e:?}"
        );
    }
    let e = c.get_json("/Leads/%2e%2E/org", &[]).await.unwrap_err();
    assert!(
        e.to_string().contains("/Leads/%2e%2E/org"),
        "names the path: {e}"
    );
    assert_eq!(emu.requests().len(), sent, "no request was sent");
}

/// A failed connection is a transport error that keeps what caused it: its source chain leads
/// to the operating system's error (here: connection refused), and shows no URL.
#[tokio::test]
async fn a_transport_error_keeps_its_source() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = zcrm_core::Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(zcrm_core::ApiEnvironment::custom(&url, &url, &url))
        .config(common::fast_retries())
        .token(
            zcrm_core::OAuthToken::builder()
                .access_token("1000.access")
                .build()
                .unwrap(),
        )
        .build()
        .await
        .unwrap();
    let e = client.get_json("/org", &[]).await.unwrap_err();
    assert_eq!(e.kind(), zcrm_core::ErrorKind::Transport, "{e}");
    let mut chain = vec![];
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push(s.to_string());
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
            assert!(!e.to_string().contains("/crm/v7/org"), "{e}");
            // Each cause is told once: by the chain, not again in the message.
            assert_eq!(e.to_string(), "HTTP transport error: could not connect");
            assert!(!e.to_string().contains(&io.to_string()), "{e}");
            let report = e.report();
            assert_eq!(report.matches(&io.to_string()).count(), 1, "{report}");
            assert!(!report.contains("/crm/v7/org"), "{report}");
            return;
        }
        src = s.source();
    }
    panic!("no io::Error in the source chain: {chain:?}");
}
