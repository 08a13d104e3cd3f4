//! The run's figures as a summary, as `docs/performance.md` and as a bar chart (SVG).

use crate::clients::Kind;
use crate::Figures;
use std::fmt::Write;

/// One goal of the performance work: what it asks, what was measured, whether it holds.
pub struct Goal {
    /// What is asked.
    pub ask: &'static str,
    /// What was measured.
    pub measured: String,
    /// Whether it holds (`None`: not measured in this run).
    pub met: Option<bool>,
}

fn rate(f: &Figures, k: Kind) -> f64 {
    f.listing
        .iter()
        .find(|(x, _)| *x == k)
        .map_or(0.0, |(_, s)| s.median())
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The goals, checked against the figures.
pub fn goals(f: &Figures) -> Vec<Goal> {
    let d = &f.decode;
    let (lead, value, minimal) = (d.lead.median(), d.value.median(), d.minimal.median());
    let typed = rate(f, Kind::Typed);
    let raw_lead = rate(f, Kind::RawLead);
    let decoding = [
        Kind::RawMinimal,
        Kind::RawValue,
        Kind::RawLead,
        Kind::Typed,
        Kind::Dynamic,
    ];
    // Medians of the runs, as for every other figure; the highest of any client.
    let busiest = f
        .server_cpu
        .iter()
        .filter(|(k, _, _)| decoding.contains(k))
        .map(|(_, _, b)| b.median())
        .fold(0.0, f64::max);
    let per_page = f
        .server_cpu
        .iter()
        .map(|(_, p, _)| p.median())
        .fold(0.0, f64::max);
    let first = f.first_page.median();
    let r = &f.refresh;
    vec![
        Goal {
            ask: "1. typed Lead decode >= 2x serde_json::Value",
            measured: format!("{:.2}x", lead / value),
            met: Some(lead / value >= 2.0),
        },
        Goal {
            ask: "1. typed Lead decode >= 0.8x a minimal hand-written struct",
            measured: format!("{:.2}x", lead / minimal),
            met: Some(lead / minimal >= 0.8),
        },
        Goal {
            ask: "2. records(Leads).list() >= 0.9x raw reqwest + the same Lead",
            measured: format!("{:.2}x", typed / raw_lead),
            met: Some(typed / raw_lead >= 0.9),
        },
        Goal {
            ask: "2. a decoded Lead holds <= 2x its JSON",
            measured: format!(
                "{:.2}x (serde_json::Value: {:.2}x)",
                d.lead_size_ratio, d.value_size_ratio
            ),
            met: Some(d.lead_size_ratio <= 2.0),
        },
        Goal {
            ask: "2. no needless 401 at expiry (only requests already in flight)",
            measured: format!("{} 401s, concurrency limit {}", r.unauthorized, r.limit),
            met: Some(r.unauthorized <= r.limit),
        },
        Goal {
            ask: "3. typed listing >= 50x the official Python SDK",
            measured: match &f.python {
                Ok(p) => format!("{:.1}x", typed / p.median()),
                Err(e) => format!("not run: {e}"),
            },
            met: f.python.as_ref().ok().map(|p| typed / p.median() >= 50.0),
        },
        Goal {
            ask: "4. emulator: a 200-record page in < 1 ms of server CPU",
            measured: format!(
                "{:.3} ms (median of the runs, the most of any client)",
                per_page * 1e3
            ),
            met: Some(per_page < 1e-3),
        },
        Goal {
            ask: "4. 100,000 records through page_token at >= 50,000 records/s",
            measured: format!(
                "{} records/s (typed, {} records a run)",
                thousands(typed),
                thousands(f.records as f64)
            ),
            met: Some(typed >= 50_000.0),
        },
        Goal {
            ask: "4. the emulator is not the bottleneck (busy < 50% under every decoding client)",
            measured: format!(
                "busy at most {:.0}% (median of the runs, the most of any client)",
                busiest * 100.0
            ),
            met: Some(busiest < 0.5),
        },
        Goal {
            ask: "5. cargo xtask codegen over the 102 official files < 3 s",
            measured: match &f.codegen {
                Ok(s) => format!("{:.2} s (median of {})", s.median(), s.len()),
                Err(e) => format!("not run: {e}"),
            },
            met: f.codegen.as_ref().ok().map(|s| s.median() < 3.0),
        },
        Goal {
            ask: "6. 1 refresh for 64 concurrent tasks across an expiry",
            measured: format!(
                "{} refresh(es), {} of {} requests failed",
                r.refreshes, r.failures, r.requests
            ),
            met: Some(r.refreshes == 1 && r.failures == 0),
        },
        Goal {
            ask: "6. < 20 MiB streaming the records (peak resident memory of the process)",
            measured: format!(
                "{:.1} MiB for {} records",
                f.stream.1 as f64 / 1024.0,
                thousands(f.stream.0 as f64)
            ),
            met: Some(f.stream.1 < 20 * 1024 && f.stream.0 == f.records),
        },
        Goal {
            ask: "2. no GET /org at start-up from a stored token",
            measured: {
                let org = f
                    .start_requests
                    .iter()
                    .filter(|r| r.ends_with("/org"))
                    .count();
                format!(
                    "{org} GET /org in {} starts ({} requests in all)",
                    f.first_page.len(),
                    f.start_requests.len()
                )
            },
            met: Some(
                !f.start_requests.iter().any(|r| r.ends_with("/org"))
                    && f.start_requests.len() == f.first_page.len(),
            ),
        },
        Goal {
            ask: "6. < 50 ms process start to first page (stored token)",
            measured: format!("{:.1} ms (median of {})", first * 1e3, f.first_page.len()),
            met: Some(first < 0.05),
        },
    ]
}

fn mark(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "not measured",
    }
}

/// Every client's records/s (median), the official SDK last.
fn rows(f: &Figures) -> Vec<(String, f64, (f64, f64))> {
    let mut rows: Vec<_> = f
        .listing
        .iter()
        .map(|(k, s)| (k.name().to_string(), s.median(), s.range()))
        .collect();
    if let Ok(p) = &f.python {
        rows.push(("official Python SDK v7".into(), p.median(), p.range()));
    }
    rows
}

/// The printed summary.
pub fn summary(f: &Figures, goals: &[Goal]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "records/s ({} records a run, {} runs, medians):",
        thousands(f.records as f64),
        f.runs
    );
    for (name, m, (lo, hi)) in rows(f) {
        let _ = writeln!(
            s,
            "  {name:48} {:>9} (range {}..{})",
            thousands(m),
            thousands(lo),
            thousands(hi)
        );
    }
    let _ = writeln!(
        s,
        "server CPU per page (and busy share) under each client ({:.0}% of it in the kernel):",
        f.server_kernel_share * 100.0
    );
    for (k, p, b) in &f.server_cpu {
        let (lo, hi) = p.range();
        let _ = writeln!(
            s,
            "  {:48} {:>7.3} ms ({:.0}%) (range {:.3}..{:.3} ms)",
            k.name(),
            p.median() * 1e3,
            b.median() * 100.0,
            lo * 1e3,
            hi * 1e3
        );
    }
    let _ = writeln!(s, "goals:");
    for g in goals {
        let _ = writeln!(s, "  [{}] {} -- {}", mark(g.met), g.ask, g.measured);
    }
    s
}

/// The machine's CPUs and model (all its CPUs: this thread may be pinned to one by now).
fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|m| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = match info.lines().filter(|l| l.starts_with("processor")).count() {
        0 => crate::server::cpus(),
        n => n,
    };
    format!("{cpus} CPU(s), {model}")
}

/// `docs/performance.md`.
pub fn markdown(f: &Figures, goals: &[Goal]) -> String {
    let mut s = String::new();
    let d = &f.decode;
    let typed = rate(f, Kind::Typed);
    let _ = writeln!(s, "# Performance\n");
    let _ = writeln!(s, "<!-- Written by `cargo run --release -p zcrm-bench`; run it again to refresh every figure. -->\n");
    let _ = writeln!(s, "Every figure below comes from one run of `cargo run --release -p zcrm-bench` (the runner in\n`tests/bench`), on {}. The run took {:.0} s. {}\nThe machine is shared and its speed drifts, so the ratios, measured side by side in the same run,\nare what to read; absolute figures move between runs.\n",
        machine(), f.elapsed,
        if f.pinned { "The server (the emulator) ran on CPU 0 and every client on CPU 1." } else { "Server and clients shared one CPU." });
    let _ = writeln!(s, "## Goals\n\n| goal | measured | |\n|---|---|---|");
    for g in goals {
        let _ = writeln!(s, "| {} | {} | {} |", g.ask, g.measured, mark(g.met));
    }
    let _ = writeln!(s, "\n## Listing: the same pages, every client\n");
    let _ = writeln!(s, "{} Leads of 30 fields (pages of 200 by `page_token`, about {} KB a page) read by each\nclient in turn, {} runs; records/s, median and range. Every record is decoded (the Python SDK builds\nits record objects and every value is visited).\n",
        thousands(f.records as f64), d.page_bytes / 1000, f.runs);
    let _ = writeln!(s, "![records/s per client](performance.svg)\n");
    let _ = writeln!(
        s,
        "| client | records/s | range | vs official Python SDK |\n|---|---|---|---|"
    );
    let py = f.python.as_ref().ok().map(|p| p.median());
    for (name, m, (lo, hi)) in rows(f) {
        let vs = py.map_or("-".to_string(), |p| format!("{:.1}x", m / p));
        let _ = writeln!(
            s,
            "| {name} | {} | {}..{} | {vs} |",
            thousands(m),
            thousands(lo),
            thousands(hi)
        );
    }
    if let Err(e) = &f.python {
        let _ = writeln!(s, "\nThe official Python SDK did not run: {e}.");
    }
    let _ = writeln!(s, "\nServer CPU per page and the share of each run the server was busy (its thread's CPU time,\nfrom `/proc`), medians of the runs and the range of CPU per page:\n\n| client | server CPU per page | range | server busy | range |\n|---|---|---|---|---|");
    for (k, p, b) in &f.server_cpu {
        let ((plo, phi), (blo, bhi)) = (p.range(), b.range());
        let _ = writeln!(
            s,
            "| {} | {:.3} ms | {:.3}..{:.3} ms | {:.0}% | {:.0}..{:.0}% |",
            k.name(),
            p.median() * 1e3,
            plo * 1e3,
            phi * 1e3,
            b.median() * 100.0,
            blo * 100.0,
            bhi * 100.0
        );
    }
    let _ = writeln!(s, "\n## Decoding one page in memory\n\nThe same page ({} bytes, 200 Leads), decoded {} rounds, the three types interleaved in each\nround; pages/s, median and range:\n\n| into | pages/s | range | vs `Value` |\n|---|---|---|---|", d.page_bytes, d.lead.len());
    for (name, sr) in [
        ("the generated `Lead`", &d.lead),
        ("`serde_json::Value`", &d.value),
        ("a minimal hand-written struct, same 30 fields", &d.minimal),
    ] {
        let (lo, hi) = sr.range();
        let _ = writeln!(
            s,
            "| {name} | {:.0} | {lo:.0}..{hi:.0} | {:.2}x |",
            sr.median(),
            sr.median() / d.value.median()
        );
    }
    let _ = writeln!(s, "\nMemory held after decoding the page (the vector trimmed to its length; stack and heap, counted\nby the allocator), per byte of the page's JSON: the generated `Lead` {:.2}x, `serde_json::Value`\n{:.2}x.\n", d.lead_size_ratio, d.value_size_ratio);
    let _ = writeln!(s, "## Start-up, memory, refresh\n");
    let _ = writeln!(s, "- Process start to first page, a client built from a token stored in a file (no request but\n  the page): median {:.1} ms of {} starts{}.", f.first_page.median() * 1e3, f.first_page.len(),
        match &f.python_first_page { Ok(p) => format!("; the official Python SDK: {:.0} ms", p.median() * 1e3), Err(_) => String::new() });
    let _ = writeln!(
        s,
        "- Streaming {} typed Leads in a process of its own: peak resident memory {:.1} MiB.",
        thousands(f.stream.0 as f64),
        f.stream.1 as f64 / 1024.0
    );
    let r = &f.refresh;
    let _ = writeln!(s, "- {} tasks sharing one client, {} requests, every token expired by the server a third of the\n  way in: {} refresh, {} answers 401 (requests already in flight; the concurrency limit is {}),\n  {} failed.", r.tasks, thousands(r.requests as f64), r.refreshes, r.unauthorized, r.limit, r.failures);
    let _ = writeln!(s, "\n## Code generation\n");
    match &f.codegen {
        Ok(c) => {
            let (lo, hi) = c.range();
            let _ = writeln!(s, "`cargo xtask codegen --spec-dir ../shared/crm-oas/v8.0 --fields-dir specs --out DIR` (Zoho's 102\nOpenAPI files plus the field metadata, the dev profile as users run it): median {:.2} s of {}\n(range {lo:.2}..{hi:.2} s).", c.median(), c.len());
        }
        Err(e) => {
            let _ = writeln!(s, "Not timed: {e}.");
        }
    }
    let _ = writeln!(s, "\n## Other benches\n\n- `cargo bench -p zcrm-modules --bench decode`: criterion, decoding and encoding a page of 200\n  Leads (`Lead`, `Value`, minimal struct).\n- `cargo bench -p zcrm-emulator --bench throughput`: the emulator's requests/s under many\n  connections.\n\nCI runs `cargo run --release -p zcrm-bench -- --smoke` (every part, briefly, nothing written).");
    let _ = writeln!(
        s,
        "\nTyped listing in this run: {} records/s.",
        thousands(typed)
    );
    s
}

/// A horizontal bar chart of records/s per client (log scale, since the official SDK is two
/// orders of magnitude below).
pub fn svg(f: &Figures) -> String {
    let rows = rows(f);
    let (w, left, bar, gap, top) = (860.0, 330.0, 22.0, 10.0, 40.0);
    let h = top + rows.len() as f64 * (bar + gap) + 40.0;
    let max = rows.iter().map(|r| r.1).fold(1.0, f64::max);
    let lo = 100.0f64;
    let scale = |x: f64| (x.max(lo) / lo).log10() / (max * 2.0 / lo).log10() * (w - left - 90.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="10" y="24" font-size="15" font-weight="bold">Leads read per second, same pages, {} runs (median; log scale)</text>"#,
        f.runs
    );
    for (i, (name, m, _)) in rows.iter().enumerate() {
        let y = top + i as f64 * (bar + gap);
        let color = if name.starts_with("zcrm") {
            "#2b6cb0"
        } else if name.starts_with("official") {
            "#c05621"
        } else {
            "#718096"
        };
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + bar * 0.72,
            name.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('"', "&quot;")
        );
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{y}" width="{:.1}" height="{bar}" fill="{color}"/>"#,
            scale(*m).max(1.0)
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}">{}</text>"#,
            left + scale(*m).max(1.0) + 6.0,
            y + bar * 0.72,
            thousands(*m)
        );
    }
    let _ = writeln!(s, "</svg>");
    s
}
