//! Memory of file work, each in a process of its own (so the figure is the client's alone):
//! a typed bulk read of many Leads (250,000 and 1,000,000 in the full run), and a 50 MB file
//! uploaded as an attachment from disk and downloaded back to disk. Each figure is the
//! process's peak resident memory (`VmHWM`) beside a baseline process that only signs in and
//! reads one page; the bounds below fail the run.

use futures_util::TryStreamExt;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use zcrm_core::records::BulkRead;
use zcrm_core::store::FileStore;
use zcrm_core::upload::FilePart;
use zcrm_core::{ApiEnvironment, Client, OAuthToken, RecordId};
use zcrm_modules::leads::{LeadUpdate, Leads};

/// Bytes of the uploaded file.
pub const UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
/// An upload or download may add at most this share of the file to the baseline's memory.
const TRANSFER_SHARE: f64 = 0.25;
/// A bulk read may add at most this much (KiB) to the baseline, at any size.
const BULK_EXTRA_KIB: u64 = 32 * 1024;

/// The figures.
pub struct FileFigures {
    /// Peak KiB of a process that signs in and reads one page.
    pub baseline_kib: u64,
    /// Per bulk read: (records in the module, records read, peak KiB, ids not above the one
    /// before).
    pub bulk: Vec<(usize, usize, u64, usize)>,
    /// Rows per bulk read page (job) in this run.
    pub page_rows: usize,
    /// The upload: (bytes, peak KiB), and whether the download came back identical.
    pub upload: (u64, u64, bool),
}

impl FileFigures {
    /// The bounds, as (what, measured, held).
    pub fn checks(&self) -> Vec<(String, String, bool)> {
        let base = self.baseline_kib;
        let mut out = vec![];
        for (asked, read, peak, repeated) in &self.bulk {
            out.push((
                format!(
                    "bulk read of {asked} Leads: every record once, peak within {} MiB of the baseline",
                    BULK_EXTRA_KIB / 1024
                ),
                format!(
                    "{read} read, {repeated} repeated, peak {} MiB (+{} MiB)",
                    peak / 1024,
                    peak.saturating_sub(base) / 1024
                ),
                read == asked && *repeated == 0 && peak.saturating_sub(base) <= BULK_EXTRA_KIB,
            ));
        }
        if let [(_, _, small, _), .., (_, _, large, _)] = self.bulk.as_slice() {
            out.push((
                "bulk read memory does not grow with the export".into(),
                format!(
                    "{} MiB for the largest, {} MiB for the smallest",
                    large / 1024,
                    small / 1024
                ),
                (*large as f64) <= (*small as f64) * 1.25 + 8.0 * 1024.0,
            ));
        }
        let (bytes, peak, same) = self.upload;
        let limit = (bytes as f64 * TRANSFER_SHARE / 1024.0) as u64;
        out.push((
            format!("{} MiB upload and download from and to disk: peak within {}% of the file above the baseline, identical copy", bytes >> 20, (TRANSFER_SHARE * 100.0) as u32),
            format!("peak {} MiB (+{} MiB), identical: {same}", peak / 1024, peak.saturating_sub(base) / 1024),
            same && peak.saturating_sub(base) <= limit,
        ));
        out
    }

    /// `docs/performance-files.md`.
    pub fn markdown(&self) -> String {
        let mut s = String::from("# Performance: files\n\n<!-- Written by `cargo xtask bench` (or `cargo xtask bench --files-only`); run it again to refresh every figure. -->\n\n");
        s.push_str(&format!(
            "Each row is a process of its own; memory is its peak resident set (`VmHWM`). The baseline process signs in and reads one page: {} MiB. Bulk read pages hold {} rows.\n\n",
            self.baseline_kib / 1024,
            self.page_rows
        ));
        s.push_str("| measured | figure | holds |\n|---|---|---|\n");
        for (what, measured, held) in self.checks() {
            s.push_str(&format!(
                "| {what} | {measured} | {} |\n",
                if held { "yes" } else { "NO" }
            ));
        }
        s
    }
}

/// A client process's command: `child-files MODE STORE API ARG`.
fn command(mode: &str, store: &Path, api: &str, arg: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the runner's path"));
    c.arg("child-files").arg(mode).arg(store).arg(api).arg(arg);
    c
}

/// Runs a child and reads its one JSON line.
fn run_child(mode: &str, store: &Path, api: &str, arg: &str) -> Result<serde_json::Value, String> {
    let out = command(mode, store, api, arg)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the {mode} process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the {mode} process printed no figure: {e}"))
}

/// What to measure.
pub struct Plan {
    /// Leads the server holds already.
    pub seeded: usize,
    /// Leads to hold for each bulk read, in order.
    pub sizes: Vec<usize>,
    /// Rows per bulk read page.
    pub page_rows: usize,
}

/// Measures everything: seeds Leads up to each size of the plan, runs the processes, and
/// returns the figures.
pub async fn measure(
    server: &crate::server::Server,
    http: &reqwest::Client,
    sdk: &Client,
    store: &Path,
    scratch: &Path,
    plan: &Plan,
) -> Result<FileFigures, String> {
    let (seeded, sizes, page_rows) = (plan.seeded, &plan.sizes, plan.page_rows);
    let api = server.emu.api_url.clone();
    let r = http
        .put(format!("{}/settings", server.emu.admin_url))
        .json(&serde_json::json!({"bulk_read_page_rows": page_rows}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("setting the bulk page size: {}", r.status()));
    }
    let baseline = run_child("baseline", store, &api, "-")?;
    let baseline_kib = baseline["peak_kib"].as_u64().unwrap_or(0);
    let mut have = seeded;
    let mut bulk = vec![];
    for &n in sizes.iter() {
        if n > have {
            println!("seeding Leads up to {n}");
            server.seed(http, n - have).await;
            have = n;
        }
        let expected = sdk
            .records(Leads)
            .count(None)
            .await
            .map_err(|e| e.to_string())? as usize;
        let v = run_child("bulk-read", store, &api, &n.to_string())?;
        let read = v["records"].as_u64().unwrap_or(0) as usize;
        let peak = v["peak_kib"].as_u64().unwrap_or(0);
        let repeated = v["repeated"].as_u64().map_or(usize::MAX, |r| r as usize);
        println!(
            "bulk read of {expected}: {read} records, peak {} MiB",
            peak / 1024
        );
        bulk.push((expected, read, peak, repeated));
    }
    // The upload: one lead to attach to, a file of patterned bytes.
    let lead = sdk
        .records(Leads)
        .create(&[LeadUpdate::new().last_name("Files").company("Bench")])
        .await
        .map_err(|e| e.to_string())?[0]
        .clone()
        .into_result()
        .map_err(|e| e.to_string())?;
    let file = scratch.join("upload.bin");
    write_pattern(&file, UPLOAD_BYTES).map_err(|e| e.to_string())?;
    let arg = format!("{}|{}", lead, file.display());
    let v = run_child("upload", store, &api, &arg)?;
    let upload = (
        v["bytes"].as_u64().unwrap_or(0),
        v["peak_kib"].as_u64().unwrap_or(0),
        v["identical"].as_bool() == Some(true) && v["bytes"].as_u64() == Some(UPLOAD_BYTES),
    );
    println!(
        "upload and download of {} MiB: peak {} MiB, identical: {}",
        upload.0 >> 20,
        upload.1 / 1024,
        upload.2
    );
    let _ = std::fs::remove_file(&file);
    Ok(FileFigures {
        baseline_kib,
        bulk,
        page_rows,
        upload,
    })
}

/// Writes `len` bytes of a pattern that is not all alike.
fn write_pattern(path: &Path, len: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let block: Vec<u8> = (0..65_536u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut left = len;
    let mut n = 0u8;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        let mut chunk = block[..take].to_vec();
        chunk[0] = n;
        n = n.wrapping_add(1);
        f.write_all(&chunk)?;
        left -= take as u64;
    }
    f.flush()
}

/// Whether two files hold the same bytes (read in chunks).
fn same_files(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// A child process: `MODE STORE API ARG`.
pub fn child(args: &[String]) -> Result<(), String> {
    let [mode, store, api, arg] = args else {
        return Err("child-files: MODE STORE API ARG".into());
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = Client::builder()
            .environment(ApiEnvironment::custom(api, api, api))
            .token(OAuthToken::builder().id("1").build().map_err(|e| e.to_string())?)
            .store(std::sync::Arc::new(FileStore::new(store)))
            .build()
            .await
            .map_err(|e| e.to_string())?;
        let out = match mode.as_str() {
            "baseline" => {
                let page = client
                    .records(Leads)
                    .page(
                        &zcrm_core::ListParams::fields(["Last_Name"]),
                        &zcrm_core::PageCursor::Number(1),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                std::hint::black_box(page);
                serde_json::json!({"peak_kib": crate::process::peak_kib()})
            }
            "bulk-read" => {
                let read: BulkRead<Leads> = client
                    .records(Leads)
                    .bulk_read()
                    .fields(crate::server::FIELDS.split(','))
                    .poll(std::time::Duration::from_millis(10), std::time::Duration::from_millis(200));
                let mut stream = std::pin::pin!(read.run());
                let mut n = 0usize;
                // The emulator exports in id order: an id not above the one before is a
                // record read twice (or out of order), found without keeping every id.
                let (mut last, mut repeated) = (0u64, 0usize);
                while let Some(lead) = stream.try_next().await.map_err(|e| e.to_string())? {
                    let id: u64 = lead.id.as_ref().and_then(|i| i.as_str().parse().ok()).unwrap_or(0);
                    if id <= last {
                        repeated += 1;
                    }
                    last = id;
                    std::hint::black_box(lead);
                    n += 1;
                }
                let _ = arg;
                serde_json::json!({"records": n, "repeated": repeated, "peak_kib": crate::process::peak_kib()})
            }
            "upload" => {
                let (lead, file) = arg.split_once('|').ok_or("upload takes LEAD|FILE")?;
                let atts = client.records(Leads).attachments(&RecordId::from(lead));
                let id = atts
                    .upload(FilePart::path(file).content_type("application/octet-stream"))
                    .await
                    .map_err(|e| e.to_string())?;
                let copy = format!("{file}.copy");
                let bytes = atts
                    .download(&id)
                    .await
                    .map_err(|e| e.to_string())?
                    .save_to(&copy)
                    .await
                    .map_err(|e| e.to_string())?;
                let identical = same_files(Path::new(file), Path::new(&copy)).map_err(|e| e.to_string())?;
                let _ = std::fs::remove_file(&copy);
                serde_json::json!({"bytes": bytes, "identical": identical, "peak_kib": crate::process::peak_kib()})
            }
            other => return Err(format!("unknown child mode `{other}`")),
        };
        println!("{out}");
        Ok(())
    })
}
