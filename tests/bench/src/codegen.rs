//! `cargo xtask codegen` over Zoho's 102 OpenAPI files plus the field metadata, timed as users
//! run it (the dev profile), from the workspace root.

use crate::stats::Series;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Wall seconds of `runs` runs (after one untimed run that also builds the tool), or why not.
pub fn time(root: &Path, runs: usize) -> Result<Series, String> {
    let specs = root.join("../shared/crm-oas/v8.0");
    if !specs.is_dir() {
        return Err(format!(
            "{} is missing (the official OpenAPI files)",
            specs.display()
        ));
    }
    let out = std::env::temp_dir().join(format!("zcrm-bench-codegen-{}", std::process::id()));
    let run = || -> Result<f64, String> {
        let _ = std::fs::remove_dir_all(&out);
        let start = Instant::now();
        let status = Command::new(env!("CARGO"))
            .stdout(std::process::Stdio::null())
            .current_dir(root)
            .args(["xtask", "codegen", "--spec-dir"])
            .arg(&specs)
            .args(["--fields-dir", "specs", "--out"])
            .arg(&out)
            .env("CARGO_TERM_QUIET", "true")
            .status()
            .map_err(|e| format!("cargo did not run: {e}"))?;
        let secs = start.elapsed().as_secs_f64();
        if !status.success() {
            return Err(format!("cargo xtask codegen failed ({status})"));
        }
        Ok(secs)
    };
    run()?;
    let mut s = Series::default();
    for _ in 0..runs {
        s.push(run()?);
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok(s)
}
