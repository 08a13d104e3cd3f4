//! `cargo run --release -p zcrm-reliability -- [--smoke]`: the fault-and-concurrency run. Prints
//! the figures of `docs/reliability.md` and exits non-zero when a guarantee broke.

use zcrm_reliability::faults::{self, FaultRun};

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
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
    let mut ok = true;
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
    ok &= r.passed();
    if !ok {
        std::process::exit(1);
    }
}
