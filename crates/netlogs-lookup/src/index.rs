//! The tools' data on disk: one SQLite file per data source, built once and shared by the
//! CLI, `netlogs.LookupTools` and every trainer adapter, so lookup mode serves whole captures
//! (tens of millions of flows) in bounded memory.
//!
//! SQLite because a B-tree index answers a (capture, key, time window) range in microseconds
//! from a page cache of fixed size, whatever the file holds, and the bundled build needs no
//! system library. Hosts are keyed by a 64-bit hash (xxh3): small, fast indexes. Counts,
//! the nearest flows and `host_summary`'s aggregates come from the indexes alone (they cover
//! what those queries read); only the flows a listing shows are read from the table.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use netlogs_data::LabeledFlow;
use rusqlite::{params, Connection, OpenFlags};

use crate::tools::{FlowStore, HostCounts, Key, Listing, ToolFlow, Window, SHOWN};

/// The version of the index file; another version is rebuilt.
pub const INDEX_VERSION: u32 = 2;

/// Page cache while answering: the bound on the index's memory, whatever its size.
const QUERY_CACHE_KIB: i64 = 64 * 1024;
/// Page cache while building (the sorts of index creation spill to temporary files).
const BUILD_CACHE_KIB: i64 = 256 * 1024;

/// What can go wrong building or reading an index; each names the file.
#[derive(Debug, thiserror::Error)]
#[error("lookup index {}: {message}", path.display())]
pub struct IndexError {
    pub path: PathBuf,
    pub message: String,
}

fn err(path: &Path) -> impl Fn(rusqlite::Error) -> IndexError + '_ {
    move |e| IndexError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn host_key(host: &str) -> i64 {
    // The hash's bits, as SQLite's integer.
    xxhash_rust::xxh3::xxh3_64(host.as_bytes()) as i64
}

/// The capture id 0 stands for rows without a capture.
const NO_CAPTURE: i64 = 0;

/// The files of earlier builds of the index at `path` whose process is gone (killed in the
/// middle, so `TempPath` never ran): `<name>.tmp<pid>`, removed so none outlives the next
/// build. A build still running (its process alive) keeps its file. Only Linux can tell
/// (`/proc`); elsewhere nothing is removed.
fn remove_stale_builds(path: &Path) {
    let (Some(dir), Some(stem)) = (path.parent(), path.file_stem().and_then(|s| s.to_str())) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{stem}.tmp");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    !cfg!(target_os = "linux") || Path::new("/proc").join(pid.to_string()).exists()
}

/// Writes an index: rows go in as they stream past, the indexes are built at the end, and
/// the file appears under its name only when whole.
pub struct IndexBuilder {
    path: PathBuf,
    conn: Connection,
    /// The file being written, deleted unless `finish` moves it into place: a build that
    /// fails leaves nothing half-written in the cache folder.
    tmp: tempfile::TempPath,
    captures: HashMap<String, i64>,
    rows: u64,
}

impl IndexBuilder {
    pub fn create(path: &Path) -> Result<IndexBuilder, IndexError> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        remove_stale_builds(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| IndexError {
                path: dir.to_path_buf(),
                message: format!("cannot create the folder: {e}"),
            })?;
        }
        let conn = Connection::open(&tmp).map_err(err(path))?;
        let tmp = tempfile::TempPath::try_from_path(&tmp).map_err(|e| IndexError {
            path: tmp.clone(),
            message: format!("cannot hold the file being built: {e}"),
        })?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;
             PRAGMA page_size=16384; PRAGMA cache_size=-{BUILD_CACHE_KIB}; PRAGMA temp_store=FILE;
             PRAGMA threads=2;
             CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE captures(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE flows(capture INTEGER NOT NULL, ts REAL NOT NULL, orig INTEGER,
                                resp INTEGER, resp_p INTEGER, unanswered INTEGER NOT NULL,
                                orig_bytes INTEGER, resp_bytes INTEGER, fields TEXT NOT NULL);
             BEGIN;"
        ))
        .map_err(err(path))?;
        Ok(IndexBuilder {
            path: path.to_path_buf(),
            tmp,
            conn,
            captures: HashMap::new(),
            rows: 0,
        })
    }

    /// Add one flow (a flow without a timestamp is left out: no window holds it).
    pub fn add(&mut self, flow: &LabeledFlow) -> Result<(), IndexError> {
        let Some(row) = ToolFlow::of(flow) else {
            return Ok(());
        };
        let capture = match flow.provenance.capture.as_deref() {
            None => NO_CAPTURE,
            Some(c) => match self.captures.get(c) {
                Some(id) => *id,
                None => {
                    let id = self.captures.len() as i64 + 1;
                    self.conn
                        .execute("INSERT INTO captures VALUES (?1, ?2)", params![id, c])
                        .map_err(err(&self.path))?;
                    self.captures.insert(c.to_string(), id);
                    id
                }
            },
        };
        let r = &flow.record;
        let unanswered = matches!(r.conn_state.as_deref(), Some("S0" | "REJ"));
        let bytes = |b: Option<u64>| b.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        self.conn
            .prepare_cached("INSERT INTO flows VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .and_then(|mut s| {
                s.execute(params![
                    capture,
                    row.ts,
                    r.orig_h.as_deref().map(host_key),
                    r.resp_h.as_deref().map(host_key),
                    r.resp_p,
                    unanswered,
                    bytes(r.orig_bytes),
                    bytes(r.resp_bytes),
                    encode(&row.fields)
                ])
            })
            .map_err(err(&self.path))?;
        self.rows += 1;
        Ok(())
    }

    /// Build the indexes, record what the file holds, and move it under its name.
    pub fn finish(self, source: &str) -> Result<FlowIndex, IndexError> {
        let path = self.path.clone();
        self.conn
            .execute_batch(
                "COMMIT;
                 CREATE INDEX by_orig ON flows(capture, orig, ts, resp, resp_p, unanswered,
                                               orig_bytes, resp_bytes);
                 CREATE INDEX by_resp ON flows(capture, resp, ts, resp_p, unanswered,
                                               orig_bytes, resp_bytes);
                 CREATE INDEX by_port ON flows(capture, resp_p, ts);",
            )
            .map_err(err(&path))?;
        for (k, v) in [
            ("version", INDEX_VERSION.to_string()),
            ("source", source.to_string()),
            ("rows", self.rows.to_string()),
        ] {
            self.conn
                .execute("INSERT INTO meta VALUES (?1, ?2)", params![k, v])
                .map_err(err(&path))?;
        }
        self.conn.close().map_err(|(_, e)| err(&path)(e))?;
        self.tmp.persist(&path).map_err(|e| IndexError {
            path: path.clone(),
            message: format!("cannot move the built index into place: {}", e.error),
        })?;
        FlowIndex::open(&path)
    }
}

/// An index opened for answering.
pub struct FlowIndex {
    path: PathBuf,
    conn: Mutex<Connection>,
    captures: HashMap<String, i64>,
    pub rows: u64,
}

impl std::fmt::Debug for FlowIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowIndex")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl FlowIndex {
    /// Open an index; one of another version, or not an index, is an error naming the file.
    pub fn open(path: &Path) -> Result<FlowIndex, IndexError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err(path))?;
        conn.execute_batch(&format!(
            "PRAGMA cache_size=-{QUERY_CACHE_KIB}; PRAGMA mmap_size=0; PRAGMA query_only=1;"
        ))
        .map_err(err(path))?;
        // The three tools use 18 statements; rusqlite's default cache holds 16, so tools
        // taking turns would prepare most of them again on every call.
        conn.set_prepared_statement_cache_capacity(32);
        let meta = |k: &str| -> Result<String, IndexError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .map_err(err(path))
        };
        let version = meta("version")?;
        if version != INDEX_VERSION.to_string() {
            return Err(IndexError {
                path: path.to_path_buf(),
                message: format!("version {version}, not {INDEX_VERSION}: rebuild it"),
            });
        }
        let rows = meta("rows")?.parse().unwrap_or(0);
        let captures = {
            let mut s = conn
                .prepare("SELECT name, id FROM captures")
                .map_err(err(path))?;
            let rows = s
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(err(path))?;
            rows.collect::<Result<HashMap<_, _>, _>>()
                .map_err(err(path))?
        };
        Ok(FlowIndex {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            captures,
            rows,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` with the connection (queries are serialised: one connection, many callers).
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, String> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| "the lookup index is unavailable".to_string())?;
        f(&conn).map_err(|e| format!("lookup index {}: {e}", self.path.display()))
    }

    fn capture_id(&self, capture: Option<&str>) -> Option<i64> {
        match capture {
            None => Some(NO_CAPTURE),
            Some(c) => self.captures.get(c).copied(),
        }
    }

    /// The shown fields of the flows with these row ids, in that order.
    fn rows(&self, conn: &Connection, ids: &[(i64, f64)]) -> rusqlite::Result<Vec<ToolFlow>> {
        let mut stmt = conn.prepare_cached("SELECT fields FROM flows WHERE rowid = ?1")?;
        ids.iter()
            .map(|&(id, ts)| {
                let fields: String = stmt.query_row([id], |r| r.get(0))?;
                Ok(ToolFlow {
                    ts,
                    fields: decode(&fields),
                })
            })
            .collect()
    }
}

/// A window's row ids and times: the flows of a host at either end (each once), or of a port.
fn window_sql(key: Key) -> &'static str {
    match key {
        Key::Host(_) => {
            "SELECT rowid AS id, ts FROM flows INDEXED BY by_orig
               WHERE capture = ?1 AND orig = ?2 AND ts BETWEEN ?3 AND ?4
             UNION
             SELECT rowid AS id, ts FROM flows INDEXED BY by_resp
               WHERE capture = ?1 AND resp = ?2 AND ts BETWEEN ?3 AND ?4"
        }
        Key::Port(_) => {
            "SELECT rowid AS id, ts FROM flows INDEXED BY by_port
               WHERE capture = ?1 AND resp_p = ?2 AND ts BETWEEN ?3 AND ?4"
        }
    }
}

fn key_value(key: Key) -> i64 {
    match key {
        Key::Host(h) => host_key(h),
        Key::Port(p) => i64::from(p),
    }
}

/// The shown fields as one text: `\x1f` between fields, `\x1e` for a field not shown (Zeek
/// and CSV values hold neither).
fn encode(fields: &[Option<String>; SHOWN.len()]) -> String {
    let parts: Vec<&str> = fields
        .iter()
        .map(|f| f.as_deref().unwrap_or("\x1e"))
        .collect();
    parts.join("\x1f")
}

fn decode(text: &str) -> [Option<String>; SHOWN.len()] {
    let mut parts = text.split('\x1f');
    std::array::from_fn(|_| parts.next().filter(|p| *p != "\x1e").map(str::to_string))
}

impl FlowStore for FlowIndex {
    fn window(&self, w: Window) -> Result<Vec<ToolFlow>, String> {
        let Some(capture) = self.capture_id(w.capture) else {
            return Ok(Vec::new());
        };
        let sql = format!("SELECT id, ts FROM ({}) ORDER BY ts, id", window_sql(w.key));
        self.with(|conn| {
            let ids = conn
                .prepare_cached(&sql)?
                .query_map(params![capture, key_value(w.key), w.lo, w.hi], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<(i64, f64)>>>()?;
            self.rows(conn, &ids)
        })
    }

    fn listing(&self, w: Window, t: f64, limit: usize) -> Result<Listing, String> {
        let Some(capture) = self.capture_id(w.capture) else {
            return Ok(Listing {
                total: 0,
                nearest: Vec::new(),
            });
        };
        let key = key_value(w.key);
        let args = (capture, key, w.lo, w.hi);
        self.with(|conn| {
            let mut total = 0i64;
            let mut candidates: Vec<(i64, f64)> = Vec::new();
            for index in lists(w.key) {
                total += count_in(conn, index, args)?;
                candidates.extend(nearest_in(conn, index, args, t, limit)?);
            }
            if let Key::Host(_) = w.key {
                // A flow with the host at both ends is in both lists: counted once.
                total -= count_in(conn, BOTH_ENDS, args)?;
            }
            candidates.sort_by(|a, b| {
                (a.1 - t)
                    .abs()
                    .total_cmp(&(b.1 - t).abs())
                    .then(a.1.total_cmp(&b.1))
                    .then(a.0.cmp(&b.0))
            });
            candidates.dedup_by_key(|c| c.0);
            candidates.truncate(limit);
            Ok(Listing {
                total: usize::try_from(total).unwrap_or(0),
                nearest: self.rows(conn, &candidates)?,
            })
        })
    }

    fn host_counts(&self, w: Window) -> Result<HostCounts, String> {
        let Some(capture) = self.capture_id(w.capture) else {
            return Ok(HostCounts::default());
        };
        let args = params![capture, key_value(w.key), w.lo, w.hi];
        self.with(|conn| {
            let mut c = HostCounts::default();
            let (mut dsts, mut ports) = (HashSet::new(), HashSet::new());
            // Bytes add up in floating point (`TOTAL`), which cannot overflow as SQLite's
            // integer `SUM` can on absurd counts; below 2^53 the sum is exact.
            let (mut orig_bytes, mut resp_bytes) = (0.0f64, 0.0f64);
            for (index, sign) in [(ORIG, 1i64), (RESP, 1), (BOTH_ENDS, -1)] {
                let sums = format!(
                    "SELECT COUNT(*), COALESCE(SUM(unanswered), 0), TOTAL(orig_bytes),
                            TOTAL(resp_bytes) FROM flows {index}"
                );
                let (n, unanswered, ob, rb): (i64, i64, f64, f64) = conn
                    .prepare_cached(&sums)?
                    .query_row(args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                let add = |total: u64, v: i64| total.saturating_add_signed(sign * v);
                c.flows = add(c.flows as u64, n) as usize;
                c.unanswered = add(c.unanswered as u64, unanswered) as usize;
                orig_bytes += sign as f64 * ob;
                resp_bytes += sign as f64 * rb;
                // Destinations are those the host reached: never itself as a responder.
                if index != ORIG {
                    continue;
                }
                for (column, set) in [("resp", &mut dsts), ("resp_p", &mut ports)] {
                    let distinct = format!(
                        "SELECT DISTINCT {column} FROM flows {index} AND {column} IS NOT NULL"
                    );
                    let mut stmt = conn.prepare_cached(&distinct)?;
                    for v in stmt.query_map(args, |r| r.get::<_, i64>(0))? {
                        set.insert(v?);
                    }
                }
            }
            // `as` saturates: a sum past u64::MAX reads as u64::MAX, as the in-memory sum does.
            c.orig_bytes = orig_bytes as u64;
            c.resp_bytes = resp_bytes as u64;
            c.destinations = dsts.len();
            c.ports = ports.len();
            Ok(c)
        })
    }
}

/// The lists a window reads: a host's flows as originator and as responder, or a port's.
fn lists(key: Key) -> &'static [&'static str] {
    match key {
        Key::Host(_) => &[ORIG, RESP],
        Key::Port(_) => &[PORT],
    }
}

/// `FROM flows …`: one list's rows of a window (`?1` capture, `?2` key, `?3..?4` times).
const ORIG: &str = "INDEXED BY by_orig WHERE capture = ?1 AND orig = ?2 AND ts BETWEEN ?3 AND ?4";
const RESP: &str = "INDEXED BY by_resp WHERE capture = ?1 AND resp = ?2 AND ts BETWEEN ?3 AND ?4";
const PORT: &str = "INDEXED BY by_port WHERE capture = ?1 AND resp_p = ?2 AND ts BETWEEN ?3 AND ?4";
/// The flows with the host at both ends (in both host lists).
const BOTH_ENDS: &str =
    "INDEXED BY by_orig WHERE capture = ?1 AND orig = ?2 AND ts BETWEEN ?3 AND ?4 AND resp = ?2";

fn count_in(conn: &Connection, list: &str, a: (i64, i64, f64, f64)) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!("SELECT COUNT(*) FROM flows {list}"))?
        .query_row(params![a.0, a.1, a.2, a.3], |r| r.get(0))
}

/// A list's `limit` flows nearest to `t` on each side of it: the only ones that can be among
/// the window's `limit` nearest (ties by time, then source order, as the table sorts).
fn nearest_in(
    conn: &Connection,
    list: &str,
    a: (i64, i64, f64, f64),
    t: f64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, f64)>> {
    let mut out = Vec::new();
    for (side, order) in [
        ("ts >= ?5", "ts ASC, rowid ASC"),
        ("ts < ?5", "ts DESC, rowid ASC"),
    ] {
        let sql =
            format!("SELECT rowid, ts FROM flows {list} AND {side} ORDER BY {order} LIMIT ?6");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![a.0, a.1, a.2, a.3, t, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}
