//! The fault-and-concurrency run of zcrm, as a library so that its smoke test and its command
//! share the code. Everything runs on 127.0.0.1 (an in-process emulator and the local
//! database servers), with bounded counts and time.
#![warn(missing_docs)]

pub mod faults;
