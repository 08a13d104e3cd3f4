//! Figures that need a process of their own: start to first page, and peak memory while
//! streaming. The runner starts itself as the client (`zcrm-bench child ...`).

use crate::server::FIELDS;
use futures_util::TryStreamExt;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use zcrm_core::store::FileStore;
use zcrm_core::{ApiEnvironment, Client, ListParams, OAuthToken};
use zcrm_modules::leads::Leads;

/// Seconds from spawning `cmd` to the line `line` on its output; the process is then waited for.
pub fn time_to_line(mut cmd: Command, line: &str) -> Result<f64, String> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let out = child.stdout.take().ok_or("no output")?;
    let mut seen = None;
    for l in BufReader::new(out).lines() {
        let l = l.map_err(|e| e.to_string())?;
        if seen.is_none() && l.trim() == line {
            seen = Some(start.elapsed().as_secs_f64());
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    match seen {
        Some(s) if status.success() => Ok(s),
        _ => Err(format!(
            "{cmd:?} ended ({status}) without printing `{line}`"
        )),
    }
}

/// The runner as a client process: `child first-page|stream STORE API_URL RECORDS CPU`.
pub fn command(
    mode: &str,
    store: &Path,
    api_url: &str,
    records: usize,
    cpu: Option<usize>,
) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the runner's path"));
    c.arg("child")
        .arg(mode)
        .arg(store)
        .arg(api_url)
        .arg(records.to_string())
        .arg(cpu.map_or("-".to_string(), |c| c.to_string()));
    c
}

/// Runs a child: builds a client from the token stored with id 1 in the file store, then
/// either reads the first page, or streams `records` typed Leads and prints its peak memory.
pub fn child(args: &[String]) -> Result<(), String> {
    let [mode, store, api_url, records, cpu] = args else {
        return Err("child: MODE STORE API_URL RECORDS CPU".into());
    };
    if let Ok(cpu) = cpu.parse() {
        crate::server::pin(cpu);
    }
    let records: usize = records.parse().map_err(|_| "RECORDS is a number")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = Client::builder()
            .environment(ApiEnvironment::custom(api_url, api_url, api_url))
            .token(
                OAuthToken::builder()
                    .id("1")
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .store(std::sync::Arc::new(FileStore::new(store)))
            .build()
            .await
            .map_err(|e| e.to_string())?;
        let params = ListParams::fields(FIELDS.split(','));
        match mode.as_str() {
            "first-page" => {
                let page = client
                    .records(Leads)
                    .page(&params, &zcrm_core::PageCursor::Number(1))
                    .await
                    .map_err(|e| e.to_string())?;
                if page.records.is_empty() {
                    return Err("the first page is empty".into());
                }
                println!("first page");
            }
            "stream" => {
                let mut stream = std::pin::pin!(client.records(Leads).list(params));
                let mut n = 0;
                while n < records {
                    match stream.try_next().await.map_err(|e| e.to_string())? {
                        Some(lead) => {
                            std::hint::black_box(lead);
                            n += 1;
                        }
                        None => break,
                    }
                }
                println!(
                    "{}",
                    serde_json::json!({"records": n, "peak_kib": peak_kib()})
                );
            }
            other => return Err(format!("unknown child mode `{other}`")),
        }
        Ok(())
    })
}

/// The process's peak resident memory (`VmHWM`), in KiB.
pub fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Streams `records` in a child; (records, peak KiB).
pub fn stream(
    store: &Path,
    api_url: &str,
    records: usize,
    cpu: Option<usize>,
) -> Result<(usize, u64), String> {
    let out = command("stream", store, api_url, records, cpu)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the streaming client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok((
        v["records"].as_u64().unwrap_or(0) as usize,
        v["peak_kib"].as_u64().unwrap_or(0),
    ))
}
