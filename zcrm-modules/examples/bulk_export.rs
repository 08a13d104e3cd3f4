//! Exports every Lead to a JSON-lines file through a typed bulk read, with a progress bar.
//!
//! `cargo run -p zcrm-modules --example bulk_export [OUT_FILE] [--leads N]`
//!
//! Without Zoho credentials it starts the Zoho emulator in this process, seeds it with `N`
//! leads (default 5,000) and exports them in pages of 2,000 rows (Zoho pages by 200,000). With
//! `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN` and `ZOHO_DC` set it exports your
//! org's Leads (the token needs `ZohoCRM.bulk.READ`, `ZohoCRM.modules.leads.READ` and
//! `ZohoCRM.settings.fields.READ`). The file is written beside `OUT_FILE` and renamed over it
//! when the export is complete (default: `leads.jsonl` in a new temporary directory).

use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::time::Duration;
use zcrm_core::{ApiEnvironment, Client, DataCenter, Environment, OAuthToken};
use zcrm_emulator::{Emulator, EmulatorConfig};
use zcrm_modules::leads::Leads;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The fields exported.
const FIELDS: [&str; 8] = [
    "First_Name",
    "Last_Name",
    "Company",
    "Email",
    "Lead_Status",
    "Lead_Source",
    "Annual_Revenue",
    "Created_Time",
];

/// A client for Zoho (from `ZOHO_*`), or for an emulator started here and seeded with `leads`.
async fn client(leads: usize) -> Result<(Client, Option<Emulator>)> {
    if let (Some(id), Some(secret), Some(refresh), Some(dc)) = (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
        var("ZOHO_REFRESH_TOKEN"),
        var("ZOHO_DC"),
    ) {
        let dc: DataCenter = dc.parse()?;
        let token = OAuthToken::builder()
            .client_id(id)
            .client_secret(secret)
            .refresh_token(refresh)
            .build()?;
        let client = Client::builder()
            .environment(dc.environment(Environment::Production))
            .token(token)
            .build()
            .await?;
        return Ok((client, None));
    }
    eprintln!("no ZOHO_* credentials: exporting from the Zoho emulator, seeded with {leads} leads");
    let emu = Emulator::start_with(
        EmulatorConfig {
            bulk_read_page_rows: 2_000,
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let template = serde_json::json!({
        "First_Name": "Ada", "Last_Name": "Lovelace {n}", "Company": "Analytical Engines {n}",
        "Email": "ada{n}@example.com", "Lead_Status": "Contacted", "Lead_Source": "Web Download",
        "Annual_Revenue": 125000.5
    });
    let seeded = reqwest::Client::new()
        .post(format!("{}/orgs/60012345/records/Leads", emu.admin_url))
        .json(&serde_json::json!({"generate": leads, "template": template}))
        .send()
        .await?;
    if !seeded.status().is_success() {
        return Err(format!("seeding the emulator: {}", seeded.status()).into());
    }
    let code = emu.mint_grant_code(
        "patricia.boyle@zylker.example",
        &[
            "ZohoCRM.modules.ALL",
            "ZohoCRM.settings.ALL",
            "ZohoCRM.bulk.READ",
        ],
    )?;
    let client = Client::builder()
        .store(std::sync::Arc::new(zcrm_core::store::MemoryStore::new()))
        .environment(ApiEnvironment::custom(
            &emu.api_url,
            &emu.accounts_url,
            &emu.upload_url,
        ))
        .token(
            OAuthToken::builder()
                .client_id(zcrm_emulator::SELF_CLIENT_ID)
                .client_secret(zcrm_emulator::SELF_CLIENT_SECRET)
                .grant_token(code)
                .build()?,
        )
        .build()
        .await?;
    Ok((client, Some(emu)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut out = None;
    let mut leads = 5_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--leads" => {
                leads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--leads takes a number")?
            }
            path => out = Some(std::path::PathBuf::from(path)),
        }
    }
    let out = match out {
        Some(p) => p,
        None => {
            let dir = std::env::temp_dir().join(format!("zcrm-export-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            dir.join("leads.jsonl")
        }
    };
    let (client, _emulator) = client(leads).await?;
    let total = client.records(Leads).count(None).await?;

    let bar = ProgressBar::new(total);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} exporting Leads [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
    )?);
    bar.enable_steady_tick(Duration::from_millis(120));

    // Written beside the target, renamed over it once complete.
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    let export = client
        .records(Leads)
        .bulk_read()
        .fields(FIELDS)
        .poll(Duration::from_millis(200), Duration::from_secs(10))
        .run();
    let mut export = std::pin::pin!(export);
    let mut written = 0u64;
    {
        let mut w = std::io::BufWriter::new(temp.as_file_mut());
        while let Some(lead) = export.try_next().await? {
            serde_json::to_writer(&mut w, &lead)?;
            w.write_all(b"\n")?;
            written += 1;
            bar.inc(1);
        }
        w.flush()?;
    }
    temp.persist(&out)?;
    bar.finish_and_clear();
    println!("exported {written} of {total} Leads to {}", out.display());
    if written != total {
        return Err(format!("the export gave {written} leads, the module holds {total}").into());
    }
    Ok(())
}
