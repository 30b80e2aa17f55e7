//! Response cache: a rerun of the same request does not pay twice. One small JSON file per
//! entry, written atomically, keyed by API base, model, request body and rollout index (so
//! several rollouts of one prompt stay distinct samples). Keys never include the API key.

use std::path::{Path, PathBuf};

use netlogs_client::RemoteCompletion;
use netlogs_data::sha256_hex;

use crate::run_dir::write_atomic;

#[derive(Debug, Clone)]
pub struct ResponseCache {
    dir: PathBuf,
}

/// `$NETLOGS_CACHE_DIR`, else `$XDG_CACHE_HOME/netlogs/responses`, else
/// `~/.cache/netlogs/responses`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NETLOGS_CACHE_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("netlogs").join("responses")
}

impl ResponseCache {
    pub fn new(dir: PathBuf) -> ResponseCache {
        ResponseCache { dir }
    }

    pub fn key(api_base: &str, model: &str, body: &str, rollout: u32) -> String {
        let material = format!("{api_base}\n{model}\n{body}\n{rollout}");
        sha256_hex(material.as_bytes())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// A cached completion; unreadable entries count as misses.
    pub fn get(&self, key: &str) -> Option<RemoteCompletion> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Store a completion. Failure to cache never fails a run.
    pub fn put(&self, key: &str, completion: &RemoteCompletion) {
        let path = self.path(key);
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                return;
            }
        }
        if let Ok(text) = serde_json::to_string(completion) {
            let _ = write_atomic(&path, &text);
        }
    }
}
