//! Response cache: a rerun of the same request does not pay twice. Entries are keyed by API
//! base, model, request body and rollout index (so several rollouts of one prompt stay
//! distinct samples); keys never include the API key.
//!
//! One append-only JSONL log per (API base, model), `{"key":"<sha256>","completion":{…}}` per
//! line. Opening a log indexes its keys (byte offsets only, the completions stay on disk);
//! new entries are appended by the run's single writer, once per batch, with the results. A
//! file per entry cost two file creations per request: three times the whole request path
//! against a fast server. A torn last line (a crash mid-append) is ignored, and concurrent
//! runs may append to one log (each batch is one `write` to a file opened for appending).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use netlogs_client::RemoteCompletion;
use netlogs_data::sha256_hex;
use serde::{Deserialize, Serialize};

use crate::error::{EvalError, Result};

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

/// Every line starts with this, then the 64-hex key: keys are indexed without parsing JSON.
const LINE_PREFIX: &[u8] = b"{\"key\":\"";
const KEY_LEN: usize = 64;

#[derive(Serialize)]
struct EntryOut<'a> {
    key: &'a str,
    completion: &'a RemoteCompletion,
}

#[derive(Deserialize)]
struct EntryIn {
    key: String,
    completion: RemoteCompletion,
}

/// Where one entry's line sits in the log.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: usize,
}

#[derive(Debug)]
pub struct ResponseCache {
    path: PathBuf,
    /// By the first 128 bits of the key (a hit checks the whole key).
    index: HashMap<u128, Span>,
    reader: Mutex<File>,
    /// The log, opened for appending, and the entries not yet written.
    writer: Mutex<(File, Vec<u8>)>,
}

impl ResponseCache {
    /// Open (creating it if need be) the log of `api_base` + `model` under `dir`.
    pub fn open(dir: &Path, api_base: &str, model: &str) -> Result<ResponseCache> {
        std::fs::create_dir_all(dir).map_err(EvalError::io("create cache directory", dir))?;
        let namespace = sha256_hex(format!("{api_base}\n{model}").as_bytes());
        let path = dir.join(format!("{}.jsonl", &namespace[..16]));
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(EvalError::io("open response cache", &path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(EvalError::io("read response cache", &path))?;
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            // A torn last line: end it, so the next entry starts on a line of its own.
            file.write_all(b"\n")
                .map_err(EvalError::io("repair response cache", &path))?;
        }
        let index = index_lines(&bytes);
        let reader = File::open(&path).map_err(EvalError::io("open response cache", &path))?;
        Ok(ResponseCache {
            path,
            index,
            reader: Mutex::new(reader),
            writer: Mutex::new((file, Vec::new())),
        })
    }

    pub fn key(api_base: &str, model: &str, body: &str, rollout: u32) -> String {
        let material = format!("{api_base}\n{model}\n{body}\n{rollout}");
        sha256_hex(material.as_bytes())
    }

    /// Entries indexed when the cache was opened.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A cached completion; unreadable entries count as misses.
    pub fn get(&self, key: &str) -> Option<RemoteCompletion> {
        let span = *self.index.get(&key_prefix(key)?)?;
        let mut line = vec![0; span.len];
        {
            let mut f = self.reader.lock().ok()?;
            f.seek(SeekFrom::Start(span.offset)).ok()?;
            f.read_exact(&mut line).ok()?;
        }
        let entry: EntryIn = serde_json::from_slice(&line).ok()?;
        (entry.key == key).then_some(entry.completion)
    }

    /// Buffer an entry; [`ResponseCache::flush`] writes the buffered entries.
    pub fn put(&self, key: &str, completion: &RemoteCompletion) {
        let Ok(mut w) = self.writer.lock() else {
            return;
        };
        let buffer = &mut w.1;
        let mark = buffer.len();
        // Strings and numbers into memory: this cannot fail, but a failed entry would be
        // cut off rather than leave half a line.
        if serde_json::to_writer(&mut *buffer, &EntryOut { key, completion }).is_err() {
            buffer.truncate(mark);
            return;
        }
        buffer.push(b'\n');
    }

    /// Append the buffered entries in one write, so lines from concurrent runs never mix.
    /// Failure to cache never fails a run: the warning goes back to the caller, once per
    /// failed write.
    pub fn flush(&self) -> Result<(), String> {
        let warn = |e: &dyn std::fmt::Display| {
            format!(
                "warning: cannot write the response cache {}: {e}",
                self.path.display()
            )
        };
        let mut w = self.writer.lock().map_err(|e| warn(&e))?;
        let (file, buffer) = &mut *w;
        if buffer.is_empty() {
            return Ok(());
        }
        let written = file.write_all(buffer);
        buffer.clear();
        written.map_err(|e| warn(&e))
    }
}

/// The first 128 bits of a hex key: 32 bytes of index per entry instead of a 64-byte string.
fn key_prefix(key: &str) -> Option<u128> {
    u128::from_str_radix(key.get(..32)?, 16).ok()
}

/// Each well-formed line's key and span; a later entry for a key wins.
fn index_lines(bytes: &[u8]) -> HashMap<u128, Span> {
    let mut index = HashMap::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        let line = &bytes[start..end];
        if let Some(key) = line
            .strip_prefix(LINE_PREFIX)
            .and_then(|rest| rest.get(..KEY_LEN))
            .filter(|k| k.iter().all(u8::is_ascii_hexdigit))
            .and_then(|k| std::str::from_utf8(k).ok())
            .and_then(key_prefix)
        {
            index.insert(
                key,
                Span {
                    offset: start as u64,
                    len: line.len(),
                },
            );
        }
        start = end + 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(text: &str) -> RemoteCompletion {
        RemoteCompletion {
            text: text.into(),
            finish_reason: Some("stop".into()),
            usage: None,
            tool_calls: Vec::new(),
        }
    }

    #[test]
    fn entries_survive_reopen_torn_lines_and_namespaces() {
        let dir = tempfile::tempdir().expect("tmp");
        let k1 = ResponseCache::key("http://127.0.0.1:1/v1", "m", "{}", 0);
        let k2 = ResponseCache::key("http://127.0.0.1:1/v1", "m", "{}", 1);
        let c = ResponseCache::open(dir.path(), "http://127.0.0.1:1/v1", "m").expect("open");
        assert_eq!(c.len(), 0);
        c.put(&k1, &completion("one\n\"quoted\""));
        c.flush().expect("flush");
        drop(c);

        // A crash mid-append leaves a torn line; it is ignored and does not swallow the next.
        let log = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .next()
            .expect("log")
            .path();
        let mut f = OpenOptions::new().append(true).open(&log).expect("log");
        f.write_all(b"{\"key\":\"abc").expect("torn");
        drop(f);

        let c = ResponseCache::open(dir.path(), "http://127.0.0.1:1/v1", "m").expect("reopen");
        assert_eq!(c.get(&k1), Some(completion("one\n\"quoted\"")));
        assert_eq!(c.get(&k2), None);
        c.put(&k2, &completion("two"));
        c.put(&k1, &completion("one, again"));
        c.flush().expect("flush");
        drop(c);

        let c = ResponseCache::open(dir.path(), "http://127.0.0.1:1/v1", "m").expect("reopen");
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&k2), Some(completion("two")));
        assert_eq!(
            c.get(&k1),
            Some(completion("one, again")),
            "last entry wins"
        );

        let other = ResponseCache::open(dir.path(), "http://127.0.0.1:1/v1", "m2").expect("m2");
        assert_eq!(other.len(), 0, "another model has its own log");
    }
}
