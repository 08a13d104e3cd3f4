//! The SDK logs through `tracing` only: a span per request (`zcrm.request` with method, path,
//! attempt, status and duration) and events for refreshes and retries. No secret is ever logged.
//!
//! Applications install their own subscriber; `init` (feature `logging`) is a convenience that
//! writes the SDK's events (and anything else at the level) to a file, like the official SDK's
//! `Logger`.

#[cfg(feature = "logging")]
use crate::error::ConfigError;
#[cfg(feature = "logging")]
use std::path::Path;
#[cfg(feature = "logging")]
use std::sync::Mutex;

/// Installs a global subscriber writing events at `level` and above to `file_path` (appended,
/// created when absent), or to standard error when `None`. Fails if a global subscriber is set.
/// (Feature `logging`.)
#[cfg(feature = "logging")]
pub fn init(level: tracing::Level, file_path: Option<&Path>) -> Result<(), ConfigError> {
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_target(true);
    let result = match file_path {
        Some(p) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| ConfigError::Invalid {
                    field: "log file",
                    reason: format!("cannot open {}: {e}", p.display()),
                })?;
            builder.with_writer(Mutex::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    result.map_err(|e| ConfigError::Invalid {
        field: "logging",
        reason: e.to_string(),
    })
}
