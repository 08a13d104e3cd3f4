//! `cargo run --release -p zcrm-reliability -- [--smoke] [faults] [signins]`: the
//! fault-and-concurrency run. Prints the figures of `docs/reliability.md` and exits non-zero
//! when a guarantee broke. Without a phase named, runs both.
//!
//! `signins` runs on SQLite (a file in the temporary directory) and, when their URLs are set in
//! `ZCRM_TEST_MYSQL_URL` and `ZCRM_TEST_POSTGRES_URL`, on MariaDB/MySQL and PostgreSQL.

use std::time::Duration;
use zcrm_core::store::contract::{run_storm_child_if_asked, signin_storm, StormConfig, StormTable};
use zcrm_reliability::faults::{self, FaultRun};

fn main() {
    // The sign-in storm runs this program again as its child processes.
    run_storm_child_if_asked();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    let named = |p: &str| args.iter().any(|a| a == p);
    let all = !named("faults") && !named("signins");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let mut ok = true;
    if all || named("faults") {
        ok &= rt.block_on(fault_run(smoke));
    }
    if all || named("signins") {
        ok &= rt.block_on(signins(smoke));
    }
    if !ok {
        println!("FAILED: a guarantee broke (see above)");
        std::process::exit(1);
    }
    println!("all guarantees held");
}

async fn fault_run(smoke: bool) -> bool {
    let plan = if smoke {
        FaultRun {
            reads: 40,
            creates: 40,
            tasks: 4,
        }
    } else {
        FaultRun {
            reads: 200,
            creates: 200,
            tasks: 8,
        }
    };
    println!(
        "== faults: {} reads and {} creates on {} tasks, rotating faults (token endpoint included)",
        plan.reads, plan.creates, plan.tasks
    );
    let r = faults::run(plan).await;
    println!("faults installed: {:?}", r.faults);
    println!("reads:   {} ok, errors {:?}", r.reads_ok, r.read_errors);
    println!(
        "creates: {} ok, {} unknown outcome ({} of them applied by the server), errors {:?}",
        r.creates_ok, r.creates_unknown, r.unknown_applied, r.create_errors
    );
    println!("refresh requests: {}", r.refresh_requests);
    println!(
        "panics: {}, duplicates: {}, contract breaks: {}",
        r.panics,
        r.duplicates,
        r.violations.len()
    );
    for v in &r.violations {
        println!("  BROKEN: {v}");
    }
    println!("time: {:.1} s", r.elapsed.as_secs_f64());
    r.passed()
}

async fn signins(smoke: bool) -> bool {
    let (processes, per_process) = if smoke { (4, 25) } else { (8, 200) };
    let dir = std::env::temp_dir().join(format!("zcrm-reliability-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        println!("cannot create {}: {e}", dir.display());
        return false;
    }
    let mut targets = vec![(
        "SQLite".to_string(),
        format!("sqlite://{}", dir.join("tokens.db").display()),
    )];
    for (name, var) in [
        ("MariaDB", "ZCRM_TEST_MYSQL_URL"),
        ("PostgreSQL", "ZCRM_TEST_POSTGRES_URL"),
    ] {
        match std::env::var(var) {
            Ok(url) => targets.push((name.to_string(), url)),
            Err(_) => println!("== signins on {name}: SKIPPED ({var} is not set)"),
        }
    }
    let mut ok = true;
    for (name, url) in targets {
        for table in [StormTable::New, StormTable::OfficialSchema] {
            println!("== signins on {name}, {table:?} table: {processes} processes x {per_process} new sign-ins at once");
            let mut config = StormConfig::new(url.clone(), processes, per_process);
            config.table = table;
            config.deadline = Duration::from_secs(300);
            match signin_storm(&config).await {
                Ok(r) => {
                    println!("{r}");
                    ok &= r.is_clean();
                }
                Err(e) => {
                    println!("could not run: {e}");
                    ok = false;
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    ok
}
