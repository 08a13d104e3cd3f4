//! `zcrm-emulator`: runs the emulator until interrupted. `zcrm-emulator --help` lists the
//! options.

use std::net::SocketAddr;
use std::time::Duration;
use zcrm_emulator::{Emulator, EmulatorConfig, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

fn help() -> String {
    format!(
        "\
zcrm-emulator {version}: Zoho Accounts (OAuth) and the Zoho CRM REST API, in memory

USAGE:
    zcrm-emulator [OPTIONS]

One address serves the accounts server, the API domain (/crm/v7, /crm/v8, /crm/bulk/..) and
the admin API (/__emulator: mint grant codes, add orgs, users, modules, fields and records,
inject faults, expire tokens). Everything is lost when it stops.

OPTIONS:
    --port N                   port to listen on (default: a free one, printed at start)
    --host ADDR                address to listen on (default: 127.0.0.1)
    --specs DIR                field metadata to serve (modules.json, fields/<Module>.json;
                               default: the standard modules built in)
    --location DC              `location` on the OAuth redirect: us (default), eu, in, ...
    --access-token-ttl SECS    lifetime of access tokens (default: 3600)
    -h, --help                 this text
    -V, --version              the version

Seeded: the self client {SELF_CLIENT_ID} / {SELF_CLIENT_SECRET},
two orgs (zgid 60012345 with patricia.boyle@zylker.example, 60054321 with
amelia.burrows@acme.example) and a few records.
",
        version = env!("CARGO_PKG_VERSION")
    )
}

fn usage_error(message: &str) -> ! {
    eprintln!("zcrm-emulator: {message}\nRun `zcrm-emulator --help` for the options.");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut port: u16 = 0;
    let mut host = "127.0.0.1".to_string();
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .unwrap_or_else(|| usage_error(&format!("{a} needs {what}")))
        };
        match a.as_str() {
            "--port" => {
                port = value("a port number")
                    .parse()
                    .unwrap_or_else(|_| usage_error("--port: expected a number from 0 to 65535"))
            }
            "--host" => host = value("an address"),
            "--specs" => config.specs_dir = Some(value("a directory").into()),
            "--location" => config.location = value("a data centre"),
            "--access-token-ttl" => {
                let secs: u64 = value("seconds")
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .unwrap_or_else(|| {
                        usage_error(
                            "--access-token-ttl: expected a whole number of seconds above 0",
                        )
                    });
                config.access_token_ttl = Duration::from_secs(secs);
            }
            "-h" | "--help" => {
                print!("{}", help());
                return;
            }
            "-V" | "--version" => {
                println!("zcrm-emulator {}", env!("CARGO_PKG_VERSION"));
                return;
            }
            other => usage_error(&format!("unknown argument `{other}`")),
        }
    }
    let ip: std::net::IpAddr = host.parse().unwrap_or_else(|_| {
        usage_error(&format!(
            "--host `{host}`: expected an IP address such as 127.0.0.1 or ::1"
        ))
    });
    let addr = SocketAddr::new(ip, port);
    let emu = match Emulator::start_with(config, addr).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("zcrm-emulator: {e}");
            std::process::exit(1)
        }
    };
    println!("zcrm-emulator listening on {}", emu.base_url);
    println!("  accounts server : {}", emu.accounts_url);
    println!("  API domain      : {}  (CRM at /crm/v7)", emu.api_url);
    println!("  admin API       : {}", emu.admin_url);
    println!("  self client     : {SELF_CLIENT_ID} / {SELF_CLIENT_SECRET}");
    println!("mint a grant code: curl -X POST {}/grant-codes -d '{{\"user\":\"patricia.boyle@zylker.example\",\"scopes\":\"ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ\"}}'", emu.admin_url);
    let _ = tokio::signal::ctrl_c().await;
}
