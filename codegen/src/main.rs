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
files and the [features] table of Cargo.toml change, and only in a crate it made). It prints
the line to add to your crate's Cargo.toml.

OPTIONS:
    --out DIR          the crate to write (required)
    --metadata MDIR    where the metadata is kept (default: DIR/specs; fetching replaces it)
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

/// What the command line asks for: `None` for help or the version (printed here).
fn parse(args: Vec<std::ffi::OsString>) -> Result<Option<Args>, String> {
    let mut a = Args {
        fetch: true,
        ..Args::default()
    };
    let mut it = args.into_iter().map(|arg| {
        arg.into_string()
            .map_err(|bad| format!("`{}` is not UTF-8", bad.to_string_lossy()))
    });
    while let Some(flag) = it.next() {
        let flag = flag?;
        let mut value = |what: &str| -> Result<String, String> {
            match it.next() {
                Some(Ok(v)) if !v.starts_with('-') => Ok(v),
                Some(Err(e)) => Err(e),
                _ => Err(format!("{flag} needs {what}")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => {
                print!("{}", help());
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("zcrm-codegen {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
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
    let args = match parse(std::env::args_os().skip(1).collect()) {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
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

/// Every check that needs no network comes first, so a mistake never spends a grant code;
/// the fetched metadata is generated from in memory, and written only when generation
/// succeeded.
fn run(args: Args) -> Result<ExitCode, String> {
    let out = args.out.clone().expect("checked by parse");
    let metadata_dir = args.metadata.clone().unwrap_or_else(|| out.join("specs"));
    let text = |e: zcrm_codegen::Error| e.to_string();
    let existing = zcrm_codegen::output::check_target(&out).map_err(text)?;
    if existing.is_none() {
        zcrm_codegen::scaffold::package_name(&out, &args.new_crate).map_err(text)?;
        if let CoreDependency::Path(p) = &args.new_crate.core {
            zcrm_codegen::scaffold::core_path(p).map_err(text)?;
        }
    }
    let specs = match &args.openapi {
        Some(dir) if !dir.is_dir() => {
            return Err(format!("--openapi {}: not a directory", dir.display()))
        }
        Some(dir) => Some(zcrm_codegen::openapi::load::Specs::load(dir).map_err(text)?),
        None => None,
    };
    let (modules, fetched) = if args.fetch {
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
        (fetched.parse(&metadata_dir).map_err(text)?, Some(fetched))
    } else {
        if !metadata_dir.join("modules.json").is_file() {
            return Err(format!(
                "{} holds no modules.json: fetch it first (run without --no-fetch/--check) or point --metadata at it",
                metadata_dir.display()
            ));
        }
        (
            zcrm_codegen::metadata::load(&metadata_dir).map_err(text)?,
            None,
        )
    };
    let generated = zcrm_codegen::generate_inputs(&modules, specs).map_err(text)?;
    let plan = zcrm_codegen::output::plan(&out, generated, &args.new_crate).map_err(text)?;
    if args.check {
        if plan.is_up_to_date() {
            println!("{} is up to date ({} files)", out.display(), plan.unchanged);
            return Ok(ExitCode::SUCCESS);
        }
        let mut again = format!("zcrm-codegen --out {} --no-fetch", out.display());
        if let Some(m) = &args.metadata {
            again.push_str(&format!(" --metadata {}", m.display()));
        }
        if let Some(o) = &args.openapi {
            again.push_str(&format!(" --openapi {}", o.display()));
        }
        eprintln!("{} is stale; run `{again}`:", out.display());
        for p in plan.stale() {
            eprintln!("  {}", p.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    if let Some(fetched) = &fetched {
        fetched.write(&metadata_dir).map_err(text)?;
        println!(
            "fetched the metadata of {} modules into {}",
            fetched.fields.len(),
            metadata_dir.display()
        );
    }
    let done = plan.apply().map_err(text)?;
    let written = plan.write.len();
    println!(
        "wrote {written} files, removed {}, {} unchanged",
        done.len() - written,
        plan.unchanged
    );
    if plan.creates_crate {
        let name = zcrm_codegen::scaffold::package_name(&out, &args.new_crate).map_err(text)?;
        let path = std::path::absolute(&out).unwrap_or(out.clone());
        let path = toml_edit::Value::from(path.to_string_lossy().as_ref()).to_string();
        let dep = format!("{name} = {{ path = {} }}", path.trim());
        println!("created the crate `{name}`; use it from your crate's Cargo.toml:\n  {dep}");
    }
    Ok(ExitCode::SUCCESS)
}
