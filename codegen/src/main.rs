//! `zcrm-codegen`: typed Rust for your own Zoho CRM org. Signs in with zcrm-core, downloads the
//! org's modules and field metadata (custom modules and fields included) and writes a crate of
//! typed modules that depends on zcrm-core. Run `zcrm-codegen --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use zcrm_codegen::scaffold::{CoreDependency, NewCrate};

fn help() -> String {
    format!(
        "\
zcrm-codegen {version}: typed Rust modules for your own Zoho CRM org

USAGE:
    zcrm-codegen --out DIR [OPTIONS]

Signs in, downloads the org's modules and field metadata into DIR/specs, and writes a crate of
typed modules into DIR (a new crate when DIR holds none; in an existing one only the generated
files and the [features] table of Cargo.toml change). Add it to your Cargo.toml as
`my-org = {{ path = \"DIR\" }}`.

OPTIONS:
    --out DIR          the crate to write (required)
    --metadata DIR     where the metadata is kept (default: DIR/specs)
    --no-fetch         generate from the metadata already there; no sign-in
    --check            with the metadata already there, change nothing and fail when the
                       crate is not what it generates (for CI)
    --openapi DIR      also generate the API groups of the OpenAPI specs in DIR
    --name NAME        package name of a new crate (default: DIR's name)
    --core-path PATH   a new crate depends on the zcrm-core at PATH (default: crates.io)
    -h, --help         this text
    -V, --version      the version

ENVIRONMENT (sign-in, when fetching):
{env}
",
        version = env!("CARGO_PKG_VERSION"),
        env = zcrm_codegen::fetch::ENV_HELP
    )
}

#[derive(Debug, Default)]
struct Args {
    out: Option<PathBuf>,
    metadata: Option<PathBuf>,
    fetch: bool,
    check: bool,
    openapi: Option<PathBuf>,
    new_crate: NewCrate,
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let mut a = Args {
        fetch: true,
        ..Args::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--out" => a.out = Some(value("a directory")?.into()),
            "--metadata" => a.metadata = Some(value("a directory")?.into()),
            "--openapi" => a.openapi = Some(value("a directory")?.into()),
            "--name" => a.new_crate.name = Some(value("a package name")?),
            "--core-path" => {
                a.new_crate.core = CoreDependency::Path(value("a path")?.into());
            }
            "--no-fetch" => a.fetch = false,
            "--check" => {
                a.check = true;
                a.fetch = false;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.out.is_none() {
        return Err("--out DIR is required".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-V" || a == "--version") {
        println!("zcrm-codegen {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let args = match parse(&args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{}", help());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("zcrm-codegen: {e}\nRun `zcrm-codegen --help` for the options.");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zcrm-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<ExitCode, String> {
    let out = args.out.expect("checked by parse");
    let metadata = args.metadata.unwrap_or_else(|| out.join("specs"));
    if !out.join("Cargo.toml").is_file() {
        // A new crate's name is checked before anything is fetched or written.
        zcrm_codegen::scaffold::package_name(&out, &args.new_crate).map_err(|e| e.to_string())?;
    }
    if args.fetch {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let fetched = rt.block_on(async {
            let client = zcrm_codegen::fetch::client_from_env().await?;
            zcrm_codegen::fetch::fetch(&client)
                .await
                .map_err(|e| format!("fetching the metadata: {e}"))
        })?;
        fetched.write(&metadata).map_err(|e| e.to_string())?;
        println!(
            "fetched the metadata of {} modules into {}",
            fetched.fields.len(),
            metadata.display()
        );
    }
    if !metadata.join("modules.json").is_file() {
        return Err(format!(
            "{} holds no modules.json: fetch it first (run without --no-fetch/--check) or point --metadata at it",
            metadata.display()
        ));
    }
    let generated = match &args.openapi {
        Some(dir) if !dir.is_dir() => {
            return Err(format!("--openapi {}: not a directory", dir.display()))
        }
        Some(dir) => zcrm_codegen::generate_crate(&metadata, dir),
        // No OpenAPI specs given: typed modules, no API groups.
        None => zcrm_codegen::metadata::load(&metadata)
            .and_then(|modules| zcrm_codegen::generate_inputs(&modules, None)),
    }
    .map_err(|e| e.to_string())?;
    let plan =
        zcrm_codegen::output::plan(&out, generated, &args.new_crate).map_err(|e| e.to_string())?;
    if args.check {
        if plan.is_up_to_date() {
            println!("{} is up to date ({} files)", out.display(), plan.unchanged);
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} is stale; run `zcrm-codegen --out {} --no-fetch`:",
            out.display(),
            out.display()
        );
        for p in plan.stale() {
            eprintln!("  {}", p.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    let done = plan.apply().map_err(|e| e.to_string())?;
    let written = plan.write.len();
    println!(
        "wrote {written} files, removed {}, {} unchanged",
        done.len() - written,
        plan.unchanged
    );
    if plan.creates_crate {
        let name = zcrm_codegen::scaffold::package_name(&out, &args.new_crate)
            .map_err(|e| e.to_string())?;
        println!(
            "created the crate `{name}`; use it from your crate's Cargo.toml:  {name} = {{ path = \"{}\" }}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
