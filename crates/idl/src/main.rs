//! `cargo run -p agentrunner-idl -- write` regenerates `idl/<program>.json` for every program;
//! `cargo run -p agentrunner-idl -- check` regenerates them in memory and fails if any committed
//! file differs (CI's IDL drift check).
//!
//! IDLs come from Anchor's own `idl-build` path (the program's `__anchor_private_print_idl_*`
//! tests), exactly what `anchor idl build` runs, without needing the Anchor CLI. The IDL build
//! compiles with `RUSTFLAGS=-A warnings`, so it uses its own target directory (`target/idl`) to
//! keep the main build cache intact.
use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anchor_lang_idl::build::IdlBuilder;
use anyhow::{bail, Context, Result};

/// Programs whose IDL is committed, by directory name under `programs/`.
const PROGRAMS: &[&str] = &[
    "agent_registry",
    "escrow",
    "market",
    "receipts",
    "runner",
    "sim_venue",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generate(root: &Path, program: &str) -> Result<String> {
    let idl = IdlBuilder::new()
        .program_path(root.join("programs").join(program))
        .skip_lint(false)
        // Account resolution (fixed addresses, PDA seeds, relations) lets Anchor TS resolve
        // accounts itself; seeds it cannot express are wrapped in
        // `onchain_common::unresolved_seed!` so it skips them instead of failing to compile.
        .resolution(true)
        .build()
        .with_context(|| format!("building the IDL of {program}"))?;
    let mut json = serde_json::to_string_pretty(&idl)?;
    json.push('\n');
    Ok(json)
}

fn run(mode: &str) -> Result<()> {
    let root = workspace_root().canonicalize()?;
    // A toolchain pin in the environment makes the builder call `cargo +<toolchain>`;
    // the workspace's rust-toolchain.toml already selects it.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    std::env::set_var("CARGO_TARGET_DIR", root.join("target/idl"));
    let mut drift = Vec::new();
    for program in PROGRAMS {
        let path = root.join("idl").join(format!("{program}.json"));
        let fresh = generate(&root, program)?;
        match mode {
            "write" => {
                fs::create_dir_all(root.join("idl"))?;
                fs::write(&path, &fresh)?;
                println!("wrote {}", path.display());
            }
            "check" => {
                let committed = fs::read_to_string(&path).unwrap_or_default();
                if committed == fresh {
                    println!("idl/{program}.json is current");
                } else {
                    drift.push(format!("idl/{program}.json"));
                }
            }
            other => bail!("unknown mode {other:?}: use `write` or `check`"),
        }
    }
    if !drift.is_empty() {
        bail!(
            "IDL drift in {}: run `cargo run -p agentrunner-idl -- write` and commit",
            drift.join(", ")
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "check".into());
    match run(&mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
