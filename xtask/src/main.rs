//! Project automation. `cargo xtask codegen` regenerates `zcrm-modules` from `specs/`;
//! `cargo xtask codegen --check` fails, listing the stale files, when the committed output differs.

mod fetch;
mod spec_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zcrm_codegen::scaffold::{CoreDependency, NewCrate};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask codegen [--check] [--spec-dir DIR] [--fields-dir DIR] [--out DIR]"
    );
    eprintln!("       (--spec-dir: modules.json, fields/ and openapi/; --fields-dir: field metadata only, e.g. from fetch-metadata)");
    eprintln!("       cargo xtask fetch-metadata --out DIR   (credentials from ZOHO_* variables; see README)");
    eprintln!("       cargo xtask spec-diff OLD_DIR NEW_DIR");
    eprintln!("       cargo xtask bench [--smoke] [--records N] [--runs N] [--no-python]   (docs/performance.md)");
    ExitCode::from(2)
}

fn codegen(args: &[String]) -> ExitCode {
    match run_codegen(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage) => usage(),
        Err(Failure::Failed) => ExitCode::FAILURE,
    }
}

/// Why a command did not succeed (what went wrong was printed).
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Usage,
    Failed,
}

/// Generates everything in memory, then writes: when generation fails, nothing is written or
/// removed.
fn run_codegen(args: &[String]) -> Result<(), Failure> {
    let mut check = false;
    let mut specs = root().join("specs");
    let mut fields_dir: Option<PathBuf> = None;
    let mut out = root().join("zcrm-modules");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec-dir" => match it.next() {
                Some(d) => specs = PathBuf::from(d),
                None => return Err(Failure::Usage),
            },
            "--fields-dir" => match it.next() {
                Some(d) => fields_dir = Some(PathBuf::from(d)),
                None => return Err(Failure::Usage),
            },
            "--out" => match it.next() {
                Some(d) => out = PathBuf::from(d),
                None => return Err(Failure::Usage),
            },
            _ => return Err(Failure::Usage),
        }
    }
    let failed = |message: String| {
        eprintln!("codegen: {message}");
        Failure::Failed
    };
    // A mistyped directory must not read as "no OpenAPI specs" (which would drop the API groups).
    for dir in std::iter::once(&specs).chain(fields_dir.as_ref()) {
        if !dir.is_dir() {
            return Err(failed(format!("{} is not a directory", dir.display())));
        }
    }
    // --spec-dir is a specs root (modules.json, fields/, openapi/) or a directory of OpenAPI
    // files (a new API version); field metadata then comes from --fields-dir or the project.
    let api_dir = if specs.join("openapi").is_dir() {
        specs.join("openapi")
    } else {
        specs.clone()
    };
    let fields_dir = fields_dir.unwrap_or_else(|| {
        if specs.join("fields").is_dir() {
            specs.clone()
        } else {
            root().join("specs")
        }
    });
    let generated =
        zcrm_codegen::generate_crate(&fields_dir, &api_dir).map_err(|e| failed(e.to_string()))?;
    // A new crate (an `--out` directory without one) uses this workspace's zcrm-core.
    let new_crate = NewCrate {
        name: None,
        core: CoreDependency::Path(root().join("zcrm-core")),
    };
    let plan = zcrm_codegen::output::plan(&out, generated, &new_crate)
        .map_err(|e| failed(e.to_string()))?;
    if check {
        if plan.is_up_to_date() {
            println!("generated code is up to date ({} files)", plan.unchanged);
            return Ok(());
        }
        eprintln!("generated code is stale; run `cargo xtask codegen` and commit:");
        for p in plan.stale() {
            eprintln!("  {}", p.display());
        }
        return Err(Failure::Failed);
    }
    if plan.creates_crate {
        println!("creating the crate {}", out.display());
    }
    for p in plan.apply().map_err(|e| failed(e.to_string()))? {
        let verb = if p.exists() { "wrote" } else { "removed" };
        println!("{verb} {}", p.display());
    }
    Ok(())
}

/// `cargo xtask bench [ARGS]`: the side-by-side performance runner (`tests/bench`), built
/// optimised; the full run writes `docs/performance.md` and `docs/performance.svg`.
fn bench(args: &[String]) -> ExitCode {
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root())
            .args(["run", "--release", "-q", "-p", "zcrm-bench", "--"])
            .args(args)
            .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => {
            eprintln!("bench: cargo did not run: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("fetch-metadata") => fetch::main(&args[1..]),
        Some("spec-diff") => spec_diff::main(&args[1..]),
        Some("bench") => bench(&args[1..]),
        _ => usage(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                copy_dir(&p, &to.join(e.file_name()));
            } else {
                std::fs::copy(&p, to.join(e.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn check_fails_after_a_spec_changes() {
        let tmp = std::env::temp_dir().join(format!("zcrm-xtask-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let specs = tmp.join("specs");
        copy_dir(&root().join("codegen/tests/fixtures/small"), &specs);
        let out = tmp.join("crate");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(
            out.join("Cargo.toml"),
            "[package]\nname = \"x\"\n\n[package.metadata.zcrm-codegen]\n",
        )
        .unwrap();
        let args = |check: bool| {
            let mut a = vec![
                "--spec-dir".to_string(),
                specs.display().to_string(),
                "--out".into(),
                out.display().to_string(),
            ];
            if check {
                a.push("--check".into());
            }
            a
        };
        assert_eq!(
            run_codegen(&args(true)),
            Err(Failure::Failed),
            "nothing generated yet"
        );
        run_codegen(&args(false)).unwrap();
        let first = std::fs::read_to_string(out.join("src/generated/widgets.rs")).unwrap();
        run_codegen(&args(false)).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/generated/widgets.rs")).unwrap(),
            first,
            "generating twice gives the same files"
        );
        run_codegen(&args(true)).unwrap();
        let f = specs.join("fields/Widgets.json");
        std::fs::write(
            &f,
            std::fs::read_to_string(&f)
                .unwrap()
                .replace("Widget Name", "Widget Title"),
        )
        .unwrap();
        assert_eq!(
            run_codegen(&args(true)),
            Err(Failure::Failed),
            "a changed spec makes the check fail"
        );
        std::fs::remove_file(specs.join("fields/Widget_Parts.json")).unwrap();
        assert_eq!(
            run_codegen(&args(false)),
            Err(Failure::Failed),
            "a missing spec file is an error"
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    /// `--out` into an empty directory makes a crate that builds: the org's fields, no API groups.
    #[test]
    fn codegen_into_a_new_directory_makes_a_crate() {
        let tmp = std::env::temp_dir().join(format!("zcrm-xtask-new-crate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let out = tmp.join("my-org-modules");
        let fields = root().join("codegen/tests/fixtures/small");
        std::fs::create_dir_all(tmp.join("no-openapi")).unwrap();
        let args = vec![
            "--fields-dir".to_string(),
            fields.display().to_string(),
            "--spec-dir".into(),
            tmp.join("no-openapi").display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ];
        run_codegen(&args).unwrap();
        assert!(
            out.join("src/generated/widgets.rs").is_file()
                && !out.join("src/generated/api").exists()
        );
        let status = std::process::Command::new(env!("CARGO"))
            .args(["check", "--offline", "--quiet"])
            .current_dir(&out)
            .env(
                "CARGO_TARGET_DIR",
                std::env::var_os("CARGO_TARGET_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| root().join("target"))
                    .join("oas-check"),
            )
            .status()
            .unwrap();
        assert!(status.success(), "the new crate compiles");
        let mut check = args.clone();
        check.push("--check".into());
        run_codegen(&check).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

#[cfg(test)]
mod readme_tests {
    /// The README's table of zcrm-core's features gives the crates each build pulls in; this
    /// recounts them with `cargo tree` (each crate once) and fails when the table is stale.
    #[test]
    fn crate_counts_in_the_readme_are_current() {
        let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
        let count = |features: &[&str]| -> usize {
            let mut cmd = std::process::Command::new(env!("CARGO"));
            cmd.current_dir(super::root()).args([
                "tree",
                "-q",
                "--offline",
                "-p",
                "zcrm-core",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--no-default-features",
            ]);
            if !features.is_empty() {
                cmd.args(["--features", &features.join(",")]);
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let crates: std::collections::BTreeSet<&str> =
                text.lines().map(|l| l.trim_end_matches(" (*)")).collect();
            crates.len()
        };
        let row = |name: &str| -> Vec<usize> {
            let line = readme
                .lines()
                .find(|l| l.starts_with(&format!("| {name} |")))
                .unwrap_or_else(|| panic!("no README row `{name}`"));
            let last = line.trim_end_matches('|').rsplit('|').next().unwrap();
            last.split('/')
                .map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{line}")))
                .collect()
        };
        let mut checked = vec![];
        for (name, builds) in [
            ("(default, none)", vec![vec![]]),
            (
                "`mysql` / `postgres` / `sqlite`",
                vec![vec!["mysql"], vec!["postgres"], vec!["sqlite"]],
            ),
            ("`db`", vec![vec!["db"]]),
            ("`redis`", vec![vec!["redis"]]),
            ("`logging`", vec![vec!["logging"]]),
            ("`test-support`", vec![vec!["test-support"]]),
            ("all", vec![vec!["db", "redis", "logging", "test-support"]]),
        ] {
            let counted: Vec<usize> = builds.iter().map(|f| count(f)).collect();
            assert_eq!(
                row(name),
                counted,
                "README row {name}: run cargo tree and update it"
            );
            checked.push((name, counted));
        }
        println!("{checked:?}");
    }
}
