//! Solana CLI keypair files (a JSON array of the 64 secret-key bytes), and where AgentRunner
//! keeps its own files: `$AGENTRUNNER_HOME` (default `~/.config/agentrunner`), with the local
//! cluster's deployment and role keypairs under `localnet/` and keeper journals under
//! `journal/`. A keypair may be named by its local-cluster role (`-k owner`).
use std::path::{Path, PathBuf};

use solana_keypair::Keypair;

use crate::{ClientError, ClientResult};

/// AgentRunner's directory: `$AGENTRUNNER_HOME`, else `~/.config/agentrunner`.
pub fn home() -> PathBuf {
    match std::env::var_os("AGENTRUNNER_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => user_home().join(".config/agentrunner"),
    }
}

fn user_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Where `agentrunner serve` writes the local cluster's deployment and role keypairs.
pub fn localnet_dir() -> PathBuf {
    home().join("localnet")
}

/// The deployment file commands and keepers read by default (the local cluster's).
pub fn default_deployment() -> PathBuf {
    localnet_dir().join("deployment.json")
}

/// The Solana CLI's default keypair, `~/.config/solana/id.json`.
pub fn default_keypair() -> PathBuf {
    user_home().join(".config/solana/id.json")
}

/// The keypair file `arg` names: a path, or the name of a local-cluster role (`owner`,
/// `vendor`, ...) whose file `agentrunner serve` wrote.
pub fn keypair_path(arg: &Path) -> PathBuf {
    let text = arg.to_string_lossy();
    let bare = !text.contains(std::path::MAIN_SEPARATOR) && !text.ends_with(".json");
    let role = localnet_dir().join(format!("{text}.json"));
    if bare && !arg.exists() && role.exists() {
        role
    } else {
        arg.to_path_buf()
    }
}

/// Reads a keypair file.
pub fn read_keypair(path: &Path) -> ClientResult<Keypair> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        ClientError::Build(format!(
            "missing keypair {} (pass -k <keypair>)",
            path.display()
        ))
    })?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|_| {
        ClientError::Build(format!("{} is not a Solana keypair file", path.display()))
    })?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|e| ClientError::Build(format!("{} is not a valid keypair: {e}", path.display())))
}

/// Writes a keypair file (creating its directory).
pub fn write_keypair(path: &Path, keypair: &Keypair) -> ClientResult<()> {
    let io = |e: std::io::Error| ClientError::Build(format!("write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let json = serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap_or_default();
    std::fs::write(path, json).map_err(io)
}

#[cfg(test)]
mod tests {
    use solana_signer::Signer;

    use super::*;

    #[test]
    fn test_keypair_files_round_trip_and_bad_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("agentrunner-keys-{}", std::process::id()));
        let path = dir.join("id.json");
        let keypair = Keypair::new();
        write_keypair(&path, &keypair).unwrap();
        assert_eq!(read_keypair(&path).unwrap().pubkey(), keypair.pubkey());
        std::fs::write(&path, "[1,2,3]").unwrap();
        assert!(read_keypair(&path).is_err());
        assert!(read_keypair(&dir.join("missing.json")).is_err());
        // A path stays a path; an unknown bare name stays itself (and then fails to read).
        assert_eq!(keypair_path(&path), path);
        assert_eq!(
            keypair_path(Path::new("no-such-role")),
            Path::new("no-such-role")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
