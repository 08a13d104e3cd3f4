//! The fault run in its short form, so that every test run holds its guarantees.

use zcrm_reliability::faults::{self, FaultRun};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_smoke() {
    let r = faults::run(FaultRun {
        reads: 30,
        creates: 30,
        tasks: 4,
    })
    .await;
    assert!(r.passed(), "{r:#?}");
    assert_eq!(r.reads_ok + r.read_errors.values().sum::<usize>(), 30);
    assert_eq!(
        r.creates_ok + r.creates_unknown + r.create_errors.values().sum::<usize>(),
        30
    );
    assert!(r.creates_unknown > 0, "the rotation loses replies: {r:#?}");
    assert!(
        r.refresh_requests > 0,
        "the rotation expires tokens: {r:#?}"
    );
}
