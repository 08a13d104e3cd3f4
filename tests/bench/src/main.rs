//! The side-by-side performance runner.
//!
//! `cargo run --release -p zcrm-bench` starts one server (the emulator, pinned to CPU 0 when
//! the machine has two), seeds 100,000 Leads of 30 fields, and reads the same pages with every
//! client on CPU 1: raw reqwest (bytes only; + a minimal struct; + `Value`; + the generated
//! `Lead`), zcrm (typed and dynamic) and the official Python SDK v7, run after run (3 runs,
//! medians and ranges). It also times decoding one page in memory, counts the memory a decoded
//! `Lead` holds, the start of a process to its first page, peak memory while streaming, the
//! refreshes and 401s of 64 tasks across a token expiry, the server's CPU time per page and
//! `cargo xtask codegen` over Zoho's 102 OpenAPI files. It prints every figure with the goal it
//! answers and writes `docs/performance.md` and `docs/performance.svg`.
//!
//! It also measures memory of file work in processes of their own: typed bulk reads of 250,000
//! and 1,000,000 Leads and a 50 MB attachment uploaded from disk and downloaded back (bounds that
//! fail the run; see `files.rs`).
//!
//! `-- --files-only` runs that part alone (and writes `docs/performance-files.md`);
//! `-- --smoke` runs each part briefly and writes nothing (CI runs it);
//! `-- --records N --runs N` sizes the run; `-- --no-python` leaves the official SDK out.

mod clients;
mod codegen;
mod decode;
mod files;
mod process;
mod python;
mod refresh;
mod report;
mod server;
mod stats;

use clients::Kind;
use stats::Series;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use zcrm_core::store::{FileStore, MemoryStore};
use zcrm_core::{ApiEnvironment, Client, OAuthToken, SdkConfig};

#[global_allocator]
static ALLOC: decode::Counting = decode::Counting;

/// How the run is sized.
pub struct Options {
    /// Brief parts, nothing written.
    pub smoke: bool,
    /// Records each client reads per run.
    pub records: usize,
    /// Runs of every client.
    pub runs: usize,
    /// Run the official Python SDK.
    pub python: bool,
    /// Only the file part (bulk reads, upload and download).
    pub files_only: bool,
}

fn options(args: &[String]) -> Result<Options, String> {
    let smoke = args.iter().any(|a| a == "--smoke");
    let mut o = Options {
        smoke,
        records: if smoke { 4_000 } else { 100_000 },
        runs: if smoke { 1 } else { 3 },
        python: !args.iter().any(|a| a == "--no-python"),
        files_only: args.iter().any(|a| a == "--files-only"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .ok_or(format!("{name} takes a positive number"))
        };
        match a.as_str() {
            "--records" => o.records = num("--records")?.min(100_000),
            "--runs" => o.runs = num("--runs")?,
            "--smoke" | "--no-python" | "--files-only" => {}
            other => {
                return Err(format!(
                    "unknown argument `{other}` (--smoke, --records N, --runs N, --no-python, --files-only)"
                ))
            }
        }
    }
    o.records = o.records.div_ceil(200) * 200;
    Ok(o)
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child-files") {
        if let Err(e) = files::child(&args[1..]) {
            eprintln!("zcrm-bench child-files: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.first().map(String::as_str) == Some("child") {
        if let Err(e) = process::child(&args[1..]) {
            eprintln!("zcrm-bench child: {e}");
            std::process::exit(1);
        }
        return;
    }
    let opts = match options(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("zcrm-bench: {e}");
            std::process::exit(2);
        }
    };
    let result = if opts.files_only {
        run_files(&opts)
    } else {
        run(&opts)
    };
    match result {
        Ok(()) => {}
        Err(e) => {
            eprintln!("zcrm-bench: {e}");
            std::process::exit(1);
        }
    }
}

/// The sizes of the file part: bulk reads of these many Leads, in pages of so many rows.
fn file_plan(o: &Options, seeded: usize) -> files::Plan {
    let (sizes, page_rows) = if o.smoke {
        (vec![20_000, 60_000], 25_000)
    } else {
        (vec![250_000, 1_000_000], 200_000)
    };
    files::Plan {
        seeded,
        sizes,
        page_rows,
    }
}

/// Prints the file figures' checks; an error naming the first that does not hold.
fn file_checks(f: &files::FileFigures) -> Result<(), String> {
    println!("files:");
    let checks = f.checks();
    for (what, measured, held) in &checks {
        println!(
            "  {:>7}  {what}: {measured}",
            if *held { "met" } else { "NOT MET" }
        );
    }
    match checks.iter().find(|c| !c.2) {
        Some((what, measured, _)) => Err(format!(
            "a file memory bound does not hold: {what}: {measured}"
        )),
        None => Ok(()),
    }
}

/// `--files-only`: the file part alone (its own server, token file and figures), writing
/// `docs/performance-files.md` unless `--smoke`.
fn run_files(o: &Options) -> Result<(), String> {
    let server = server::Server::start(false);
    let scratch = std::env::temp_dir().join(format!("zcrm-bench-files-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let figures = rt.block_on(async {
        let http = reqwest::Client::new();
        let api = server.emu.api_url.clone();
        let env = ApiEnvironment::custom(&api, &api, &api);
        let grant = || {
            let code = server
                .emu
                .mint_grant_code(server::USER, &server::SCOPES)
                .map_err(|e| e.to_string())?;
            OAuthToken::builder()
                .client_id(zcrm_emulator::SELF_CLIENT_ID)
                .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()
                .map_err(|e| e.to_string())
        };
        let store_file = scratch.join("zcrm_tokens.txt");
        let sdk = Client::builder()
            .environment(env)
            .token(grant()?)
            .store(Arc::new(FileStore::new(&store_file)))
            .build()
            .await
            .map_err(|e| format!("the stored token: {e}"))?;
        files::measure(
            &server,
            &http,
            &sdk,
            &store_file,
            &scratch,
            &file_plan(o, 0),
        )
        .await
    })?;
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
    file_checks(&figures)?;
    if !o.smoke {
        std::fs::write(root().join("docs/performance-files.md"), figures.markdown())
            .map_err(|e| e.to_string())?;
        println!("wrote docs/performance-files.md");
    }
    Ok(())
}

/// Everything one run measured.
pub struct Figures {
    /// Records/s per Rust client, in [`Kind::ALL`] order.
    pub listing: Vec<(Kind, Series)>,
    /// Records/s of the official Python SDK, or why it did not run.
    pub python: Result<Series, String>,
    /// Per Rust client: the server's CPU seconds per page, and the share of the run's wall
    /// time the server was busy (the largest of the runs).
    pub server_cpu: Vec<(Kind, Series, Series)>,
    /// The share of the server's CPU time spent in the kernel (TCP over loopback, which on
    /// Linux includes much of the receiving side's work) during the listing.
    pub server_kernel_share: f64,
    /// In-memory decode comparison.
    pub decode: decode::DecodeFigures,
    /// Seconds from process start to the first page (zcrm, stored token).
    pub first_page: Series,
    /// The requests the server saw from those starts.
    pub start_requests: Vec<String>,
    /// The same for the official Python SDK.
    pub python_first_page: Result<Series, String>,
    /// (records, peak KiB) of a process streaming typed Leads.
    pub stream: (usize, u64),
    /// 64 tasks across an expiry.
    pub refresh: refresh::RefreshFigures,
    /// `cargo xtask codegen` over the official files, or why not.
    pub codegen: Result<Series, String>,
    /// Memory of bulk reads and of a large upload and download.
    pub files: files::FileFigures,
    /// Whether server and clients ran on CPUs of their own.
    pub pinned: bool,
    /// Records per run.
    pub records: usize,
    /// Runs.
    pub runs: usize,
    /// Wall seconds of the whole run.
    pub elapsed: f64,
}

fn run(o: &Options) -> Result<(), String> {
    let started = Instant::now();
    let machine_cpus = server::cpus();
    let pinned = machine_cpus >= 2;
    if !pinned {
        println!("note: one CPU only: server and clients share it (ratios still compare)");
    }
    let server = server::Server::start(pinned);
    if pinned {
        server::pin(1);
    }
    let client_cpu = pinned.then_some(1);
    let scratch = std::env::temp_dir().join(format!("zcrm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let figures = rt.block_on(async {
        let http = reqwest::Client::new();
        println!("seeding {} Leads of 30 fields", o.records);
        server.seed(&http, o.records).await;
        let (refresh_token, access) = server.tokens(&http).await;
        let api = server.emu.api_url.clone();
        let env = ApiEnvironment::custom(&api, &api, &api);
        let grant = |code: String| {
            OAuthToken::builder()
                .client_id(zcrm_emulator::SELF_CLIENT_ID)
                .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()
                .expect("a grant token")
        };
        let mint = || {
            server
                .emu
                .mint_grant_code(server::USER, &server::SCOPES)
                .expect("a code")
        };
        let sdk = Client::builder()
            .environment(env.clone())
            .token(grant(mint()))
            .store(Arc::new(MemoryStore::new()))
            .config(SdkConfig::default())
            .build()
            .await
            .map_err(|e| format!("the zcrm client: {e}"))?;
        // A token file for the client processes (id 1).
        let store_file = scratch.join("zcrm_tokens.txt");
        Client::builder()
            .environment(env.clone())
            .token(grant(mint()))
            .store(Arc::new(FileStore::new(&store_file)))
            .build()
            .await
            .map_err(|e| format!("the stored token: {e}"))?;

        // Python first: its virtual environment is made before anything is timed.
        let python = if o.python {
            python::prepare(&scratch.join("..").join("zcrm-bench-python"))
        } else {
            Err("left out (--no-python)".into())
        };
        if let Err(e) = &python {
            println!("SKIP official Python SDK: {e}");
        }
        let py_scratch = scratch.join("python");
        let py_run = python.as_ref().ok().map(|p| python::Run {
            python: p,
            url: &server.emu.base_url,
            refresh: &refresh_token,
            records: o.records,
            scratch: &py_scratch,
            cpu: client_cpu,
        });

        // The listing, run after run.
        let mut listing: Vec<(Kind, Series)> =
            Kind::ALL.iter().map(|k| (*k, Series::default())).collect();
        let mut cpu: Vec<(Kind, Series, Series)> = Kind::ALL
            .iter()
            .map(|k| (*k, Series::default(), Series::default()))
            .collect();
        let mut py_rates = Series::default();
        let mut kernel = (0u64, 0u64);
        let mut py_error = None;
        for run in 1..=o.runs {
            for (i, kind) in Kind::ALL.iter().enumerate() {
                let cpu_before = server.cpu_time();
                let us_before = server.user_system();
                let start = Instant::now();
                let n = clients::run(*kind, &api, &access, &sdk, o.records).await;
                let secs = start.elapsed().as_secs_f64();
                if n != o.records {
                    return Err(format!("{} read {n} of {} records", kind.name(), o.records));
                }
                listing[i].1.push(n as f64 / secs);
                if let (Some(a), Some(b)) = (cpu_before, server.cpu_time()) {
                    let busy = (b - a).as_secs_f64();
                    cpu[i].1.push(busy / (n / 200) as f64);
                    cpu[i].2.push(busy / secs);
                }
                if let (Some(a), Some(b)) = (us_before, server.user_system()) {
                    kernel.0 += b.0 - a.0;
                    kernel.1 += b.1 - a.1;
                }
                println!(
                    "run {run}: {:48} {:>9.0} records/s",
                    kind.name(),
                    n as f64 / secs
                );
            }
            if let Some(py) = &py_run {
                match py.list() {
                    Ok(r) => {
                        println!(
                            "run {run}: {:48} {:>9.0} records/s",
                            "official Python SDK v7", r
                        );
                        py_rates.push(r);
                    }
                    Err(e) => {
                        println!("FAIL official Python SDK: {e}");
                        py_error = Some(e);
                    }
                }
            }
        }
        let python_rates = match (&python, py_error) {
            (Err(e), _) => Err(e.clone()),
            (_, Some(e)) => Err(e),
            _ => Ok(py_rates),
        };

        // Decoding one real page in memory.
        let page = http
            .get(format!("{api}/crm/v7/Leads"))
            .header("Authorization", format!("Zoho-oauthtoken {access}"))
            .query(&[("fields", server::FIELDS), ("per_page", "200")])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let (rounds, per_round) = if o.smoke { (3, 20) } else { (15, 200) };
        let decode = decode::compare(&page, rounds, per_round);

        // Processes: start to first page, and memory while streaming.
        let first_runs = if o.smoke { 2 } else { 7 };
        let mut first_page = Series::default();
        let seq = server.emu.requests().last().map_or(0, |r| r.seq);
        for _ in 0..first_runs {
            let cmd = process::command("first-page", &store_file, &api, 0, client_cpu);
            first_page.push(process::time_to_line(cmd, "first page")?);
        }
        let start_requests: Vec<String> = server
            .emu
            .requests()
            .into_iter()
            .filter(|r| r.seq > seq)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        let python_first_page = match &py_run {
            Some(py) => (0..first_runs.min(3))
                .map(|_| py.first_page())
                .collect::<Result<Vec<f64>, String>>()
                .map(|v| {
                    let mut s = Series::default();
                    v.into_iter().for_each(|x| s.push(x));
                    s
                }),
            None => Err(python.as_ref().err().cloned().unwrap_or_default()),
        };
        let stream = process::stream(&store_file, &api, o.records, client_cpu)?;

        // 64 tasks across an expiry.
        let each = if o.smoke { 20 } else { 200 };
        let refresh = refresh::expiry_under_load(&server, &sdk, 64, each).await;

        // Files: bulk reads of many Leads, a 50 MB upload and download.
        let plan = file_plan(o, o.records);
        let files = files::measure(&server, &http, &sdk, &store_file, &scratch, &plan).await?;

        // Users run the generator on every CPU, not on the one the clients were held to.
        if pinned {
            server::unpin(machine_cpus);
        }
        let codegen = if o.smoke {
            codegen::time(&root(), 1)
        } else {
            codegen::time(&root(), 3)
        };
        Ok::<_, String>(Figures {
            listing,
            python: python_rates,
            server_cpu: cpu,
            server_kernel_share: kernel.1 as f64 / (kernel.0 + kernel.1).max(1) as f64,
            decode,
            first_page,
            start_requests,
            python_first_page,
            stream,
            refresh,
            codegen,
            files,
            pinned,
            records: o.records,
            runs: o.runs,
            elapsed: started.elapsed().as_secs_f64(),
        })
    })?;
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
    let goals = report::goals(&figures);
    println!();
    print!("{}", report::summary(&figures, &goals));
    println!("files:");
    let file_checks = figures.files.checks();
    for (what, measured, held) in &file_checks {
        println!(
            "  {:>7}  {what}: {measured}",
            if *held { "met" } else { "NOT MET" }
        );
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if ci {
        if let Err(e) = &figures.python {
            return Err(format!("the official Python SDK must run in CI: {e}"));
        }
        if let Err(e) = &figures.codegen {
            return Err(format!("codegen must be timed in CI: {e}"));
        }
    }
    if let Some((what, measured, _)) = file_checks.iter().find(|c| !c.2) {
        return Err(format!(
            "a file memory bound does not hold: {what}: {measured}"
        ));
    }
    if !o.smoke {
        let docs = root().join("docs");
        std::fs::write(
            docs.join("performance.md"),
            report::markdown(&figures, &goals),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(docs.join("performance-files.md"), figures.files.markdown())
            .map_err(|e| e.to_string())?;
        std::fs::write(docs.join("performance.svg"), report::svg(&figures))
            .map_err(|e| e.to_string())?;
        println!("wrote docs/performance.md and docs/performance.svg");
    }
    Ok(())
}
