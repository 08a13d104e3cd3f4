//! `cargo xtask fetch-metadata --out DIR`: downloads an org's modules and the field metadata of
//! every API-supported module, in the layout `cargo xtask codegen --spec-dir` reads
//! (`modules.json`, `fields/<Module>.json`). The work is `zcrm_codegen::fetch`'s, as in the
//! `zcrm-codegen` binary; credentials come from the variables of
//! [`zcrm_codegen::fetch::ENV_HELP`].

use std::path::PathBuf;
use std::process::ExitCode;

/// The command.
pub fn main(args: &[String]) -> ExitCode {
    let out = match args {
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!(
                "usage: cargo xtask fetch-metadata --out DIR\n{}",
                zcrm_codegen::fetch::ENV_HELP
            );
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fetched = rt.block_on(async {
        let client = zcrm_codegen::fetch::client_from_env().await?;
        zcrm_codegen::fetch::fetch(&client)
            .await
            .map_err(|e| e.to_string())
    });
    match fetched.and_then(|m| {
        m.write(&out)
            .map(|_| m.fields.len())
            .map_err(|e| e.to_string())
    }) {
        Ok(n) => {
            println!("wrote the metadata of {n} modules to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fetch-metadata: {e}");
            ExitCode::FAILURE
        }
    }
}
