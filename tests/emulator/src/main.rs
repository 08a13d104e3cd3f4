//! `zcrm-emulator [--port N] [--host ADDR] [--specs DIR]`: runs the emulator until interrupted.

use std::net::SocketAddr;
use zcrm_emulator::{Emulator, EmulatorConfig, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

fn usage() -> ! {
    eprintln!("usage: zcrm-emulator [--port N] [--host 127.0.0.1] [--specs DIR]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut port: u16 = 0;
    let mut host = "127.0.0.1".to_string();
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--host" => host = args.next().unwrap_or_else(|| usage()),
            "--specs" => config.specs_dir = args.next().unwrap_or_else(|| usage()).into(),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    let addr: SocketAddr = format!("{host}:{port}").parse().unwrap_or_else(|_| usage());
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
