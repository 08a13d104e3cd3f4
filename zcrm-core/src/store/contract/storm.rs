//! A sign-in storm: several processes, each saving many new user-orgs at once into one
//! [`DbStore`] table, as a fleet of servers does when its users first sign in. It measures what
//! the store promises: every save stored once, under its own numeric id, with no error.
//!
//! The storm runs the current program again as its child processes; such a program calls
//! [`run_storm_child_if_asked`] first thing in `main`.

use crate::error::StoreError;
use crate::secret::{ClientSecret, RefreshToken};
use crate::store::db::{redact_url, DbStore, Schema};
use crate::store::TokenStore;
use crate::token::StoredToken;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CHILD: &str = "ZCRM_STORM_CHILD";
const URL: &str = "ZCRM_STORM_URL";
const TABLE: &str = "ZCRM_STORM_TABLE";
const COUNT: &str = "ZCRM_STORM_COUNT";
/// Lines a child writes on its standard output start with this.
const MARK: &str = "zcrm-storm";

/// The table a storm starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StormTable {
    /// No table: every process creates it as it connects, all at once.
    New,
    /// A table created first with the official SDK's documented schema, which has no unique key
    /// on `user_name`.
    OfficialSchema,
}

/// What a storm runs.
#[derive(Debug, Clone)]
pub struct StormConfig {
    /// A [`DbStore`] URL (`mysql://`, `postgres://`, `sqlite://`). The storm uses a table of its
    /// own in that database and drops it at the end.
    pub url: String,
    /// Processes signing in at once.
    pub processes: usize,
    /// New user-orgs each process saves, all at once.
    pub per_process: usize,
    /// The table the storm starts from.
    pub table: StormTable,
    /// Time allowed to the whole storm; processes still running then are killed and their
    /// missing saves counted as errors.
    pub deadline: Duration,
}

impl StormConfig {
    /// `processes` x `per_process` new sign-ins against `url`, on a new table, within 5 minutes.
    pub fn new(url: impl Into<String>, processes: usize, per_process: usize) -> Self {
        StormConfig {
            url: url.into(),
            processes,
            per_process,
            table: StormTable::New,
            deadline: Duration::from_secs(300),
        }
    }
}

/// What a storm did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StormReport {
    /// The database, without its password.
    pub target: String,
    /// Processes that took part.
    pub processes: usize,
    /// Saves each process attempted.
    pub per_process: usize,
    /// Saves that returned a stored token.
    pub saved: usize,
    /// Saves that failed, and saves of processes that failed or ran out of time.
    pub errors: usize,
    /// Rows in the table afterwards.
    pub rows: usize,
    /// Rows whose id another row has too, plus successful saves that got an id another save got.
    pub duplicate_ids: usize,
    /// Rows whose user-org another row has too.
    pub duplicate_users: usize,
    /// Successful saves whose row (id and user-org) is not in the table.
    pub lost: usize,
    /// Rows whose id is not a number the official SDK's `max(id) + 1` can follow.
    pub non_numeric_ids: usize,
    /// From the start signal to the end of the last process.
    pub wall: Duration,
    /// Whether the deadline ended the storm.
    pub timed_out: bool,
    /// The first few error messages.
    pub first_errors: Vec<String>,
}

impl StormReport {
    /// Every save stored once under its own numeric id, no error, in time.
    pub fn is_clean(&self) -> bool {
        let attempted = self.processes.saturating_mul(self.per_process);
        self.errors == 0
            && self.saved == attempted
            && self.rows == attempted
            && self.duplicate_ids == 0
            && self.duplicate_users == 0
            && self.lost == 0
            && self.non_numeric_ids == 0
            && !self.timed_out
    }
}

impl std::fmt::Display for StormReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} x {} new sign-ins: {} rows, {} saved, {} errors, {} duplicate ids, {} duplicate user-orgs, {} lost, {} non-numeric ids, {:.1} s{}",
            self.target,
            self.processes,
            self.per_process,
            self.rows,
            self.saved,
            self.errors,
            self.duplicate_ids,
            self.duplicate_users,
            self.lost,
            self.non_numeric_ids,
            self.wall.as_secs_f64(),
            if self.timed_out { " (deadline reached)" } else { "" }
        )?;
        for e in &self.first_errors {
            write!(f, "\n  error: {e}")?;
        }
        Ok(())
    }
}

fn io(target: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        target: target.to_string(),
        reason: reason.to_string(),
    }
}

/// The token of the `i`-th new user-org of child `table`/`pid`.
fn new_sign_in(tag: &str, i: usize) -> StoredToken {
    StoredToken {
        user_name: Some(format!("storm-{tag}-{i}@x.example:1")),
        client_id: Some("1000.STORM".into()),
        client_secret: Some(ClientSecret::new("storm-secret")),
        refresh_token: Some(RefreshToken::new(format!("1000.refresh.{tag}.{i}"))),
        expiry_time: Some(0),
        ..Default::default()
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// In a child process of [`signin_storm`], does its part and exits; elsewhere returns at once.
/// Call it first thing in `main` of a program that calls [`signin_storm`].
pub fn run_storm_child_if_asked() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let code = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(child()),
        Err(e) => {
            println!("{MARK} fatal cannot start a runtime: {e}");
            2
        }
    };
    std::process::exit(code);
}

async fn child() -> i32 {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let count: usize = var(COUNT).parse().unwrap_or(0);
    let tag = format!("{}", std::process::id());
    let store = match DbStore::connect_with_table(&var(URL), &var(TABLE)).await {
        Ok(s) => s,
        Err(e) => {
            println!("{MARK} fatal {}", one_line(&e.to_string()));
            return 1;
        }
    };
    println!("{MARK} ready");
    let mut go = String::new();
    if std::io::stdin().read_line(&mut go).is_err() || go.trim() != "go" {
        println!("{MARK} fatal no start signal");
        return 1;
    }
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let store = store.clone();
            let token = new_sign_in(&tag, i);
            tokio::spawn(async move { store.save(&token).await })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for t in tasks {
        let line = match t.await {
            Ok(Ok(saved)) => format!(
                "{MARK} saved {} {}",
                saved.id.unwrap_or_default(),
                saved.user_name.unwrap_or_default()
            ),
            Ok(Err(e)) => format!("{MARK} failed {}", one_line(&e.to_string())),
            Err(e) => format!("{MARK} failed the task ended: {e}"),
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{MARK} done");
    let _ = out.flush();
    0
}

/// One child process and what it said.
struct Runner {
    child: Child,
    lines: mpsc::Receiver<String>,
    ready: bool,
    exited: bool,
    saved: Vec<(String, String)>,
    failed: Vec<String>,
}

impl Runner {
    fn take(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix(MARK).map(str::trim_start) else {
            return;
        };
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        match kind {
            "ready" => self.ready = true,
            "saved" => {
                let (id, user) = rest.split_once(' ').unwrap_or((rest, ""));
                self.saved.push((id.to_string(), user.to_string()));
            }
            "failed" | "fatal" => self.failed.push(rest.to_string()),
            _ => {}
        }
    }

    /// Takes in what the child has written so far.
    fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.take(&line);
        }
    }

    /// Takes in the rest of the output of a child that has ended (its reader thread stops at
    /// the end of the output).
    fn drain_to_end(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.take(&line);
        }
    }
}

/// Runs a storm and reports what the table holds afterwards: `config.processes` copies of the
/// current program (which must call [`run_storm_child_if_asked`] first in `main`) connect to
/// `config.url` at once, then each saves `config.per_process` new user-orgs concurrently. Needs a
/// Tokio runtime with its timer enabled. An error means the storm could not be run (its table not
/// created, no child process started, the table unreadable afterwards), not that saves failed:
/// those are counted in the report.
pub async fn signin_storm(config: &StormConfig) -> Result<StormReport, StoreError> {
    let target = redact_url(&config.url);
    if std::env::var_os(CHILD).is_some() {
        return Err(io(&target, format!("{CHILD} is set: this program runs as a storm's child process; call run_storm_child_if_asked() first in main")));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let table = format!("zcrm_storm_{}_{nanos}", std::process::id());
    if config.table == StormTable::OfficialSchema {
        DbStore::open_with_schema(
            &config.url,
            &table,
            Duration::from_secs(60),
            Schema::Official,
        )
        .await?;
    }
    let exe = std::env::current_exe().map_err(|e| io(&target, e))?;
    let start = Instant::now();
    let deadline = start + config.deadline;
    let mut runners = vec![];
    for _ in 0..config.processes {
        let spawned = Command::new(&exe)
            .env(CHILD, "1")
            .env(URL, &config.url)
            .env(TABLE, &table)
            .env(COUNT, config.per_process.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                for mut r in runners {
                    stop(&mut r);
                }
                return Err(io(&target, format!("cannot start {}: {e}", exe.display())));
            }
        };
        let (tx, rx) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        runners.push(Runner {
            child,
            lines: rx,
            ready: false,
            exited: false,
            saved: vec![],
            failed: vec![],
        });
    }
    let mut timed_out = false;
    // Everyone connected (the table created by whoever came first), or gone.
    loop {
        poll(&mut runners);
        if runners.iter().all(|r| r.ready || r.exited) {
            break;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let go = Instant::now();
    for r in &mut runners {
        if let Some(mut stdin) = r.child.stdin.take() {
            let _ = stdin.write_all(b"go\n");
        }
    }
    let end = loop {
        poll(&mut runners);
        let now = Instant::now();
        if runners.iter().all(|r| r.exited) {
            break now;
        }
        if now >= deadline {
            timed_out = true;
            break now;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let wall = end.saturating_duration_since(go);
    for r in &mut runners {
        if !r.exited {
            stop(r);
        }
        let status = r.child.wait();
        r.drain_to_end();
        match status {
            Ok(s) if !s.success() && r.failed.is_empty() => {
                r.failed.push(format!("the process ended with {s}"))
            }
            Err(e) => r.failed.push(format!("cannot wait for the process: {e}")),
            _ => {}
        }
    }

    let mut saved = 0;
    let mut errors = 0;
    let mut first_errors = vec![];
    let mut returned_ids = HashSet::new();
    let mut duplicate_returned = 0;
    let mut pairs = vec![];
    for r in &runners {
        saved += r.saved.len();
        errors += config.per_process.saturating_sub(r.saved.len());
        for e in &r.failed {
            if first_errors.len() < 5 {
                first_errors.push(e.clone());
            }
        }
        for (id, user) in &r.saved {
            if !returned_ids.insert(id.clone()) {
                duplicate_returned += 1;
            }
            pairs.push((id.clone(), user.clone()));
        }
    }

    let store = DbStore::connect_with_table(&config.url, &table).await?;
    let rows = store.list().await?;
    let _ = store.drop_table().await;
    let mut ids = HashSet::new();
    let mut users = HashSet::new();
    let mut in_table = HashSet::new();
    let (mut duplicate_ids, mut duplicate_users, mut non_numeric_ids) = (0, 0, 0);
    for row in &rows {
        let id = row.id.clone().unwrap_or_default();
        let user = row.user_name.clone().unwrap_or_default();
        if !ids.insert(id.clone()) {
            duplicate_ids += 1;
        }
        if !users.insert(user.clone()) {
            duplicate_users += 1;
        }
        let numeric =
            !id.is_empty() && !id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit());
        if !numeric {
            non_numeric_ids += 1;
        }
        in_table.insert((id, user));
    }
    let lost = pairs.iter().filter(|p| !in_table.contains(*p)).count();
    Ok(StormReport {
        target: format!("{target} table {table}"),
        processes: config.processes,
        per_process: config.per_process,
        saved,
        errors,
        rows: rows.len(),
        duplicate_ids: duplicate_ids + duplicate_returned,
        duplicate_users,
        lost,
        non_numeric_ids,
        wall,
        timed_out,
        first_errors,
    })
}

fn poll(runners: &mut [Runner]) {
    for r in runners {
        r.drain();
        if !r.exited && matches!(r.child.try_wait(), Ok(Some(_))) {
            r.exited = true;
        }
    }
}

fn stop(r: &mut Runner) {
    let _ = r.child.kill();
    let _ = r.child.wait();
    r.exited = true;
}
