use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`: dataset identity in run metadata, and row ids.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file read piece by piece (for files streamed rather than held whole).
#[derive(Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Lowercase hex, as [`sha256_hex`] gives for the same bytes.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}
