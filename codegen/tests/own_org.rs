//! `zcrm-codegen` for a user's own org, end to end, as a user runs it from outside this
//! repository: an emulator org gets a custom module and custom picklist fields; the installed
//! binary signs in, fetches the org's metadata and writes a crate that depends on zcrm-core by
//! version; a user's program using that crate is built with cargo (zcrm-core patched to this
//! checkout, as crates.io does not hold it here) and run against the emulator: a typed create,
//! get and list of the custom module, and a picklist value the org does not have refused before
//! anything is sent.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

const ORG: &str = "60012345";
const USER: &str = "patricia.boyle@zylker.example";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A target directory of its own (the outer `cargo test` holds the workspace's), shared with
/// the other tests that build generated crates.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("generated-crates")
}

async fn admin(emu: &Emulator, path: &str, body: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", emu.admin_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "{path}: {}",
        r.text().await.unwrap()
    );
}

/// A grant code with the scopes `zcrm-codegen --help` names, and no more.
fn codegen_grant_code(emu: &Emulator) -> String {
    emu.mint_grant_code(
        USER,
        &[
            "ZohoCRM.settings.ALL",
            "ZohoCRM.users.READ",
            "ZohoCRM.org.READ",
        ],
    )
    .unwrap()
}

/// A grant code for the user's program, which also writes records.
fn program_grant_code(emu: &Emulator) -> String {
    emu.mint_grant_code(
        USER,
        &[
            "ZohoCRM.modules.ALL",
            "ZohoCRM.settings.ALL",
            "ZohoCRM.users.READ",
            "ZohoCRM.org.READ",
        ],
    )
    .unwrap()
}

/// The environment a user sets for the binary and for their program.
fn sign_in_env(cmd: &mut Command, emu: &Emulator, code: &str) {
    for var in [
        "ZOHO_DC",
        "ZOHO_ENVIRONMENT",
        "ZOHO_REFRESH_TOKEN",
        "ZCRM_API_URL",
        "ZCRM_ACCOUNTS_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("ZCRM_API_URL", &emu.api_url)
        .env("ZCRM_ACCOUNTS_URL", &emu.accounts_url)
        .env("ZOHO_CLIENT_ID", SELF_CLIENT_ID)
        .env("ZOHO_CLIENT_SECRET", SELF_CLIENT_SECRET)
        .env("ZOHO_GRANT_TOKEN", code);
}

fn codegen(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zcrm-codegen"));
    cmd.args(args);
    cmd
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const PROGRAM: &str = r#"
use acme_crm::leads::{LeadUpdate, Leads, LoyaltyTier};
use acme_crm::projects::{Phase, Project, ProjectField, ProjectUpdate, Projects};
use acme_crm::zcrm_core::store::MemoryStore;
use acme_crm::zcrm_core::{ApiEnvironment, Client, ErrorKind, ListParams, OAuthToken};
use futures_util::TryStreamExt;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |n: &str| std::env::var(n).unwrap();
    let api = var("ZCRM_API_URL");
    let client = Client::builder()
        .environment(ApiEnvironment::custom(&api, &var("ZCRM_ACCOUNTS_URL"), &api))
        .token(
            OAuthToken::builder()
                .client_id(var("ZOHO_CLIENT_ID"))
                .client_secret(var("ZOHO_CLIENT_SECRET"))
                .grant_token(var("ZOHO_GRANT_TOKEN"))
                .build()?,
        )
        .store(Arc::new(MemoryStore::new()))
        .build()
        .await?;
    let projects = client.records(Projects);
    let id = projects
        .create(&[ProjectUpdate::new().name("Apollo").phase(Phase::Build)])
        .await?
        .remove(0)
        .into_result()?;
    println!("created {id}");
    let got: Project = projects.get(&id, &[]).await?.ok_or("the project vanished")?;
    println!(
        "got {} in phase {}",
        got.name.as_deref().unwrap_or(""),
        got.phase.as_ref().map(|p| p.as_str()).unwrap_or("")
    );
    let all: Vec<Project> = projects
        .list(ListParams::fields([ProjectField::Name, ProjectField::Phase]))
        .try_collect()
        .await?;
    println!("listed {} project(s)", all.len());
    let lead = client
        .records(Leads)
        .create(&[LeadUpdate::new().last_name("Loyal").loyalty_tier(LoyaltyTier::Gold)])
        .await?
        .remove(0)
        .into_result()?;
    println!("created lead {lead} with a custom picklist field");
    match projects
        .create(&[ProjectUpdate::new().name("Gemini").phase(Phase::Other("Cancelled".into()))])
        .await
    {
        Err(e) if e.kind() == ErrorKind::Validation => println!("refused: {e}"),
        Err(e) => return Err(format!("refused for another reason: {e}").into()),
        Ok(r) => return Err(format!("a value the org does not have was sent: {r:?}").into()),
    }
    Ok(())
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn own_org_crate_is_fetched_generated_built_and_typed() {
    let emu = Emulator::start().await.unwrap();
    admin(
        &emu,
        &format!("/orgs/{ORG}/modules"),
        json!({"api_name": "Projects", "singular_label": "Project", "plural_label": "Projects"}),
    )
    .await;
    admin(
        &emu,
        &format!("/orgs/{ORG}/fields/Projects"),
        json!({"api_name": "Phase", "data_type": "picklist", "pick_list_values": ["Planning", "Build", "Done"]}),
    )
    .await;
    admin(
        &emu,
        &format!("/orgs/{ORG}/fields/Leads"),
        json!({"api_name": "Loyalty_Tier", "data_type": "picklist", "pick_list_values": ["Gold", "Silver"]}),
    )
    .await;

    let tmp = std::env::temp_dir().join(format!("zcrm-own-org-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("acme-crm");

    // 0. A wrong client secret fails, saying so without the secret or the code.
    let code = codegen_grant_code(&emu);
    let mut cmd = codegen(&["--out", out.to_str().unwrap()]);
    sign_in_env(&mut cmd, &emu, &code);
    let wrong = "0000wrong-secret-for-the-test0000";
    let run = cmd.env("ZOHO_CLIENT_SECRET", wrong).output().unwrap();
    let text = output_text(&run);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("signing in"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(&code), "{text}");
    assert!(!out.exists(), "nothing written");

    // 1. The user's first command (after `cargo install`): fetch and generate.
    let mut cmd = codegen(&["--out", out.to_str().unwrap()]);
    let code = codegen_grant_code(&emu);
    sign_in_env(&mut cmd, &emu, &code);
    let run = cmd.current_dir(&tmp).output().unwrap();
    let text = output_text(&run);
    assert!(run.status.success(), "{text}");
    assert!(text.contains("created the crate `acme-crm`"), "{text}");
    assert!(
        out.join("specs/fields/Projects.json").is_file(),
        "the metadata is kept beside the crate"
    );
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    let core = &doc["dependencies"]["zcrm-core"];
    assert_eq!(
        core["version"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "{manifest}"
    );
    assert!(
        core.get("path").is_none(),
        "by version, not path: {manifest}"
    );
    assert!(
        doc["features"]["projects"].is_array(),
        "a feature per module: {manifest}"
    );
    let projects = std::fs::read_to_string(out.join("src/generated/projects.rs")).unwrap();
    assert!(projects.contains("pub enum Phase"), "{projects}");
    assert!(
        !text.contains(SELF_CLIENT_SECRET) && !text.contains(&code),
        "{text}"
    );
    let modules_json = std::fs::read_to_string(out.join("specs/modules.json")).unwrap();
    assert!(
        !modules_json.contains("\"modified_by\"") && !modules_json.contains("\"profiles\""),
        "no personal data kept"
    );
    let out_s = out.to_str().unwrap();

    // 2. Regenerating from the kept metadata changes nothing; --check agrees.
    let again = codegen(&["--out", out_s, "--no-fetch"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("wrote 0 files, removed 0"),
        "{}",
        output_text(&again)
    );
    let check = codegen(&["--out", out_s, "--check"]).output().unwrap();
    assert!(check.status.success(), "{}", output_text(&check));

    // --check fails on a stale crate: an edited generated file, a generated file no longer
    // produced. Regenerating repairs both and removes only files with the generator's header.
    let projects_rs = out.join("src/generated/projects.rs");
    std::fs::write(
        &projects_rs,
        projects.replace("pub enum Phase", "pub enum Stage"),
    )
    .unwrap();
    let gone = out.join("src/generated/gone.rs");
    std::fs::write(&gone, format!("{}pub struct Gone;\n", zcrm_codegen::HEADER)).unwrap();
    let mine = out.join("src/generated/mine.rs");
    std::fs::write(&mine, "// kept: not written by the generator\n").unwrap();
    let check = codegen(&["--out", out_s, "--check"]).output().unwrap();
    let text = output_text(&check);
    assert_eq!(check.status.code(), Some(1), "{text}");
    assert!(
        text.contains("projects.rs") && text.contains("gone.rs") && !text.contains("mine.rs"),
        "{text}"
    );
    let repair = codegen(&["--out", out_s, "--no-fetch"]).output().unwrap();
    assert!(repair.status.success(), "{}", output_text(&repair));
    assert_eq!(std::fs::read_to_string(&projects_rs).unwrap(), projects);
    assert!(!gone.exists() && mine.exists());
    std::fs::remove_file(&mine).unwrap();

    // A crate zcrm-codegen did not make is never written into.
    let foreign = tmp.join("foreign");
    std::fs::create_dir_all(foreign.join("src/generated")).unwrap();
    std::fs::write(
        foreign.join("Cargo.toml"),
        "[package]\nname = \"foreign\"\n\n[features]\nmine = []\n",
    )
    .unwrap();
    std::fs::write(
        foreign.join("src/generated/proto.rs"),
        "// @generated by prost\n",
    )
    .unwrap();
    let run = codegen(&[
        "--out",
        foreign.to_str().unwrap(),
        "--metadata",
        out.join("specs").to_str().unwrap(),
        "--no-fetch",
    ])
    .output()
    .unwrap();
    let text = output_text(&run);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("was not made by zcrm-codegen"), "{text}");
    assert!(foreign.join("src/generated/proto.rs").exists());
    assert!(std::fs::read_to_string(foreign.join("Cargo.toml"))
        .unwrap()
        .contains("mine = []"));

    // 3. The user's program, built with cargo against the generated crate.
    let app = tmp.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        tmp.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [\"app\", \"acme-crm\"]\n\n[patch.crates-io]\nzcrm-core = {{ path = {:?} }}\n",
            workspace_root().join("zcrm-core")
        ),
    )
    .unwrap();
    // The workspace's lock file pins what the offline build may use.
    std::fs::copy(workspace_root().join("Cargo.lock"), tmp.join("Cargo.lock")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nacme-crm = { path = \"../acme-crm\" }\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\nfutures-util = { version = \"0.3\", default-features = false }\n",
    )
    .unwrap();
    std::fs::write(app.join("src/main.rs"), PROGRAM).unwrap();
    let build = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet", "-p", "app"])
        .current_dir(&tmp)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "the generated crate and the program build\n{}",
        output_text(&build)
    );

    let before = emu.requests().len();
    let exe = target_dir()
        .join("debug")
        .join(format!("app{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = Command::new(exe);
    sign_in_env(&mut cmd, &emu, &program_grant_code(&emu));
    let run = cmd.output().unwrap();
    let text = output_text(&run);
    assert!(run.status.success(), "{text}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("created "), "{text}");
    assert_eq!(lines[1], "got Apollo in phase Build", "{text}");
    assert_eq!(lines[2], "listed 1 project(s)", "{text}");
    assert!(lines[3].starts_with("created lead "), "{text}");
    assert!(
        lines[4].starts_with("refused: ")
            && ["`Cancelled`", "Projects.Phase", "Planning", "Build", "Done"]
                .iter()
                .all(|part| lines[4].contains(part)),
        "the refusal names the value, the field and what is allowed: {text}"
    );

    // What reached the emulator: one project written, none after the refusal.
    let log = &emu.requests()[before..];
    let writes: Vec<_> = log
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/Projects"))
        .collect();
    assert_eq!(writes.len(), 1, "only Apollo was sent: {writes:?}");

    // 4. A field added in the org later: running the command again picks it up.
    admin(
        &emu,
        &format!("/orgs/{ORG}/fields/Projects"),
        json!({"api_name": "Sponsor", "data_type": "text"}),
    )
    .await;
    let mut cmd = codegen(&["--out", out_s]);
    sign_in_env(&mut cmd, &emu, &codegen_grant_code(&emu));
    let run = cmd.output().unwrap();
    assert!(run.status.success(), "{}", output_text(&run));
    let projects = std::fs::read_to_string(&projects_rs).unwrap();
    assert!(
        projects.contains("pub sponsor: Option<String>"),
        "{projects}"
    );
    let check = codegen(&["--out", out_s, "--check"]).output().unwrap();
    assert!(check.status.success(), "{}", output_text(&check));

    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A new crate's name is checked before anything is fetched or written, and bad arguments say
/// what is expected.
#[test]
fn bad_arguments_are_refused_before_anything_is_written() {
    let tmp = std::env::temp_dir().join(format!("zcrm-own-org-args-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = codegen(&["--out", tmp.join("2bad name").to_str().unwrap()])
        .env("ZCRM_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let text = output_text(&run);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot be a package name"), "{text}");
    assert!(!tmp.exists(), "nothing written");
    let run = codegen(&["--out", "--check"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(output_text(&run).contains("--out needs a directory"));
    let run = codegen(&[
        "--out",
        tmp.to_str().unwrap(),
        "--openapi",
        "/nonexistent/dir",
    ])
    .output()
    .unwrap();
    assert!(output_text(&run).contains("--openapi /nonexistent/dir: not a directory"));
    assert!(!tmp.exists(), "nothing written");
    let run = codegen(&["--frobnicate"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(output_text(&run).contains("unknown argument `--frobnicate`"));
    let run = codegen(&[]).output().unwrap();
    assert!(output_text(&run).contains("--out DIR is required"));
    let help = codegen(&["--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("ZOHO_CLIENT_ID"));
    let run = codegen(&["--out", tmp.to_str().unwrap(), "--no-fetch"])
        .output()
        .unwrap();
    let text = output_text(&run);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("holds no modules.json"), "{text}");
}
