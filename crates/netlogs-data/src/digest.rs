use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`: dataset identity in run metadata, and row ids.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
