//! Reading inputs named on the command line (`-` is standard input), with a size
//! cap, and writing outputs, with private keys written owner-only.

use std::io::Read;
use std::path::Path;

use sigillum_credential::key::{Jwk, PublicKey, SigningKey};

use crate::CliError;

/// Largest input file read (16 MiB).
const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Reads a file, or standard input for `-`.
pub fn read(path: &str) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().take(MAX_INPUT + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path)
            .map_err(|e| CliError(format!("cannot open {path}: {e}")))?
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
    };
    read.map_err(|e| CliError(format!("cannot read {path}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(CliError(format!("{path} is larger than 16 MiB")));
    }
    Ok(bytes)
}

/// Reads a text file (UTF-8), trimmed.
pub fn read_text(path: &str) -> Result<String, CliError> {
    String::from_utf8(read(path)?)
        .map(|s| s.trim().to_owned())
        .map_err(|_| CliError(format!("{path} is not UTF-8 text")))
}

/// Reads a JSON file into a value (strict: duplicate members refused).
pub fn read_json(path: &str) -> Result<serde_json::Value, CliError> {
    sigillum_credential::json::parse(&read(path)?, MAX_INPUT as usize)
        .map_err(|e| CliError(format!("{path}: {e}")))
}

/// Reads a private JWK (as written by `sigillum key generate`).
pub fn signing_key(path: &str) -> Result<SigningKey, CliError> {
    let jwk = Jwk::from_value(&read_json(path)?).map_err(|e| CliError(format!("{path}: {e}")))?;
    jwk.to_signing_key().map_err(|e| {
        CliError(format!(
            "{path}: {e} (expected a private JWK, e.g. from `sigillum key generate`)"
        ))
    })
}

/// Reads a public JWK (a private one is accepted and only its public part used).
pub fn public_key(path: &str) -> Result<PublicKey, CliError> {
    let jwk = Jwk::from_value(&read_json(path)?).map_err(|e| CliError(format!("{path}: {e}")))?;
    jwk.to_public_key_lenient()
        .map_err(|e| CliError(format!("{path}: {e}")))
}

/// Writes `contents` to `path`; with `private`, the file is readable by its owner only.
pub fn write(path: &str, contents: &[u8], private: bool) -> Result<(), CliError> {
    let path = Path::new(path);
    #[cfg(unix)]
    if private {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
        return file
            .write_all(contents)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())));
    }
    let _ = private;
    std::fs::write(path, contents)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
}
