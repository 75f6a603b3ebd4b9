//! Solana CLI keypair files: a JSON array of the 64 secret-key bytes.
use std::path::Path;

use solana_keypair::Keypair;

use crate::{ClientError, ClientResult};

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
        let _ = std::fs::remove_dir_all(dir);
    }
}
