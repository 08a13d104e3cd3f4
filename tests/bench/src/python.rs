//! The official Python SDK v7 in a virtual environment the runner creates (PyPI
//! `zohocrmsdk7-0==6.0.0`), run as its own process on the clients' CPU.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The SDK's PyPI package, pinned.
pub const PACKAGE: &str = "zohocrmsdk7-0==6.0.0";

/// The listing script.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/list_leads.py")
}

/// A Python with the SDK installed, or why there is none.
pub fn prepare(dir: &Path) -> Result<PathBuf, String> {
    let venv = dir.join("python-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("python3 is not available ({e})"))?;
        if !made.success() {
            return Err("python3 -m venv failed".into());
        }
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", PACKAGE])
        .status()
        .map_err(|e| format!("pip did not run ({e})"))?;
    if !pip.success() {
        return Err(format!("pip could not install {PACKAGE}"));
    }
    Ok(python)
}

/// The environment the script reads.
pub struct Run<'a> {
    /// The Python with the SDK.
    pub python: &'a Path,
    /// The emulator's base URL.
    pub url: &'a str,
    /// A refresh token.
    pub refresh: &'a str,
    /// Records to list.
    pub records: usize,
    /// A scratch directory.
    pub scratch: &'a Path,
    /// The CPU to run on.
    pub cpu: Option<usize>,
}

impl Run<'_> {
    fn command(&self, mode: &str) -> Command {
        let _ = std::fs::create_dir_all(self.scratch);
        let mut c = Command::new(self.python);
        c.arg(script())
            .arg(mode)
            .env("ZCRM_BENCH_URL", self.url)
            .env("ZCRM_BENCH_REFRESH", self.refresh)
            .env("ZCRM_BENCH_FIELDS", crate::server::FIELDS)
            .env("ZCRM_BENCH_RECORDS", self.records.to_string())
            .env("ZCRM_BENCH_DIR", self.scratch);
        if let Some(cpu) = self.cpu {
            c.env("ZCRM_BENCH_CPU", cpu.to_string());
        }
        c
    }

    /// Lists the records; records per second (the listing alone, after a warm-up request).
    pub fn list(&self) -> Result<f64, String> {
        let out = self
            .command("list")
            .output()
            .map_err(|e| format!("the Python SDK did not run ({e})"))?;
        if !out.status.success() {
            return Err(format!(
                "the Python SDK failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = text
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| format!("unexpected output of the Python SDK: {text}"))?;
        let (n, secs) = (v["records"].as_f64(), v["seconds"].as_f64());
        match (n, secs) {
            (Some(n), Some(s)) if n as usize == self.records && s > 0.0 => Ok(n / s),
            _ => Err(format!(
                "the Python SDK listed {v} (wanted {} records)",
                self.records
            )),
        }
    }

    /// Seconds from starting the process to its first page.
    pub fn first_page(&self) -> Result<f64, String> {
        crate::process::time_to_line(self.command("first"), "first page")
    }
}
