//! The field-metadata cache shared between processes through its files. This test binary has
//! its own `main`: with `ZCRM_META_CHILD` set it runs as the child process of the test (and is no
//! test itself); otherwise it runs the test.

mod common;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use zcrm_core::store::{FileStore, TokenStore};
use zcrm_core::{ApiEnvironment, Client, OAuthToken, SdkConfig};
use zcrm_emulator::Emulator;

fn main() -> ExitCode {
    if let Ok(dir) = std::env::var("ZCRM_META_CHILD") {
        runtime().block_on(child_writer(PathBuf::from(dir)));
        return ExitCode::SUCCESS;
    }
    let trials = vec![Trial::test(
        "lazy_per_module_and_shared_through_files",
        || -> Result<(), Failed> {
            runtime().block_on(lazy_per_module_and_shared_through_files());
            Ok(())
        },
    )];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The child process: rebuild the client by id and write a Lead with a picklist value.
async fn child_writer(dir: PathBuf) {
    let url = std::env::var("ZCRM_EMULATOR").unwrap();
    let env = ApiEnvironment::custom(&url, &url, &url);
    let token = OAuthToken::builder()
        .id(std::env::var("ZCRM_TOKEN_ID").unwrap())
        .build()
        .unwrap();
    let config = SdkConfig::builder().resource_path(&dir).build().unwrap();
    let client = Client::builder()
        .environment(env)
        .token(token)
        .config(config)
        .store(Arc::new(FileStore::new(dir.join("tokens.csv"))))
        .build()
        .await
        .unwrap();
    let out = client
        .dynamic("Leads")
        .create(&[common::lead("Child").set("Rating", "Active")])
        .await
        .unwrap();
    assert!(out[0].is_success());
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            files_under(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

async fn lazy_per_module_and_shared_through_files() {
    let emu = Emulator::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("zcrm-meta-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(dir.join("tokens.csv")));
    let client = common::client(
        &emu,
        store.clone(),
        SdkConfig::builder().resource_path(&dir).build().unwrap(),
    )
    .await;
    client
        .dynamic("Leads")
        .create(&[common::lead("First").set("Lead_Status", "Contacted")])
        .await
        .unwrap();
    assert_eq!(
        common::field_fetches(&emu),
        vec![("module=Leads".to_string(), 200)],
        "the first write fetches Leads only"
    );
    client
        .dynamic("Leads")
        .create(&[common::lead("Second")])
        .await
        .unwrap();
    assert_eq!(
        common::field_fetches(&emu).len(),
        1,
        "then memory serves it"
    );
    // File names hold host, org and module; no token material.
    let mut files = vec![];
    files_under(client.metadata_dir().as_deref().unwrap(), &mut files);
    let secrets: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|t| {
            [
                t.access_token.map(|x| x.expose().to_string()),
                t.refresh_token.map(|x| x.expose().to_string()),
            ]
        })
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    for f in &files {
        let p = f.display().to_string();
        assert!(p.contains("60012345") && p.ends_with("Leads.json"), "{p}");
        assert!(
            !p.contains("1000.") && secrets.iter().all(|s| !p.contains(&s[5..20])),
            "{p}"
        );
    }
    // A second process reuses the files: no metadata request at all.
    let before = common::field_fetches(&emu).len();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env("ZCRM_META_CHILD", &dir)
        .env("ZCRM_EMULATOR", &emu.base_url)
        .env("ZCRM_TOKEN_ID", client.token_id().unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        common::field_fetches(&emu).len(),
        before,
        "the second process read the cached file"
    );
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.path == "/crm/v7/Leads" && r.method == "POST" && r.status == 201),
        "and wrote its lead"
    );
}
