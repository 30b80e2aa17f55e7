//! Which capture a row belongs to. Capture-disjoint splits need an id on every row; IoT-23's
//! files carry it in their path, but pooled exports (the Hugging Face set, the bundled pool)
//! do not. For those, a capture is recovered as a *host session*: IoT-23 records one infected
//! device per capture, so the rows of one local host with no silence longer than
//! [`SESSION_GAP_S`] form one capture. A flow's local host is the side Zeek marked local
//! (`local_orig`/`local_resp`), else its RFC 1918 end.
//!
//! A file whose local hosts have public addresses (Stratosphere's CTU-50 captures watch one
//! public host attacked from the Internet) would split into thousands of one-row sessions
//! keyed on the attackers. [`file_rule`] looks at a file's first rows first: when host
//! sessions would fragment them, the host taking part in most flows is the file's monitored
//! host and its sessions are the captures; when no host takes part in half the flows, the
//! file is the capture. docs/DATA.md lists where these rules go wrong.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;

use crate::format::SourceFormat;
use crate::record::{capture_id_from_name, Interner, LabeledFlow};

/// Rows of a file looked at before its rule is chosen (the rest follow that rule).
pub const LOOKAHEAD_ROWS: usize = 2048;
/// Fewer rows than this are too few to call fragmented.
const MIN_ROWS_FOR_RULE: usize = 32;
/// Host sessions averaging fewer rows than this fragment a file.
const ROWS_PER_SESSION: usize = 8;

/// A host silent for longer than this starts a new session (12 hours: IoT-23 captures run
/// for hours to days, and a device's rows in one capture rarely pause longer).
pub const SESSION_GAP_S: f64 = 12.0 * 3600.0;

/// Where a row's capture id comes from.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum CaptureFrom {
    /// The path when it names a capture, else a host session for rows with a timestamp and an
    /// address.
    #[default]
    Auto,
    /// The file name only (`CTU-IoT-Malware-Capture-34-1.conn.log.labeled`).
    File,
    /// The file name or a folder or archive member above it (IoT-23's own layout).
    Path,
    /// Always a host session, whatever the path says.
    HostSession,
}

/// The capture id a file's name gives, under `rule`; `None` leaves its rows to sessions (or
/// unattributed).
pub(crate) fn capture_of_file(
    path: &Path,
    format: SourceFormat,
    rule: CaptureFrom,
) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let from_name = capture_id_from_name(&name);
    let from_path = || {
        path.ancestors()
            .filter_map(|p| p.file_name())
            .find_map(|c| capture_id_from_name(&c.to_string_lossy()))
    };
    // The out-of-distribution tables name their scenario by file (`Friday-…-DDos.pcap_ISCX`).
    let ood_stem = || {
        matches!(format, SourceFormat::CicIds | SourceFormat::Unsw)
            .then(|| name.split('.').next().unwrap_or(&name).to_string())
    };
    match rule {
        CaptureFrom::HostSession => None,
        CaptureFrom::File => from_name.or_else(ood_stem),
        CaptureFrom::Path | CaptureFrom::Auto => from_name.or_else(from_path).or_else(ood_stem),
    }
}

/// The local end of a flow: the side Zeek marked local (`local_orig`, else `local_resp`);
/// else the originator when it is a private address, else the responder when that is, else
/// the originator (a flow between two public hosts still has a side).
pub(crate) fn local_host(flow: &LabeledFlow) -> Option<&CompactString> {
    let orig_private = flow
        .record
        .orig_h
        .as_ref()
        .is_some_and(|h| is_private_text(h));
    local_host_given(flow, orig_private)
}

/// [`local_host`], told whether the originator is private (a caller may know already).
fn local_host_given(flow: &LabeledFlow, orig_private: bool) -> Option<&CompactString> {
    let r = &flow.record;
    let orig = r.orig_h.as_ref();
    match (r.local_orig, r.local_resp) {
        (Some(true), _) => return orig,
        (_, Some(true)) => return r.resp_h.as_ref(),
        _ => {}
    }
    if orig_private {
        return orig;
    }
    r.resp_h.as_ref().filter(|h| is_private_text(h)).or(orig)
}

fn is_private_text(h: &str) -> bool {
    h.parse::<IpAddr>().is_ok_and(|ip| is_private(&ip))
}

fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

struct Session {
    id: Arc<str>,
    last_ts: f64,
}

/// How the rows of one file get their capture, chosen from its first rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FileRule {
    /// Each row's own local host's sessions.
    Rows,
    /// Every row: the sessions of the file's monitored host.
    Host(CompactString),
    /// Every row: the file itself.
    File(Arc<str>),
}

/// The rule for a file from its first rows, and the line telling the user when it is not the
/// plain one. `file_allowed`: whether the file may be the capture (not under
/// `--capture-from host-session`).
pub(crate) fn file_rule(
    rows: &[LabeledFlow],
    file: &Path,
    file_allowed: bool,
) -> (FileRule, Option<String>) {
    let sessions = session_count(rows);
    if rows.len() < MIN_ROWS_FOR_RULE || sessions * ROWS_PER_SESSION <= rows.len() {
        return (FileRule::Rows, None);
    }
    let name = file.display();
    let n = rows.len();
    let split = format!("host sessions would split its first {n} rows into {sessions} captures");
    if let Some((host, share)) = busiest_host(rows).filter(|(_, share)| *share >= 0.5) {
        let note = format!("{name}: {split}; {host} takes part in {:.0}% of them, so its sessions are the captures", share * 100.0);
        return (FileRule::Host(host), Some(note));
    }
    if !file_allowed {
        let note = format!("{name}: {split}, and no host takes part in half of them; --capture-from host-session keeps them");
        return (FileRule::Rows, Some(note));
    }
    let id = file_capture_id(file);
    let note = format!(
        "{name}: {split}, and no host takes part in half of them, so the file is one capture ({id})"
    );
    (FileRule::File(id), Some(note))
}

/// Host sessions the plain rule would make of `rows`.
fn session_count(rows: &[LabeledFlow]) -> usize {
    let mut last: HashMap<&str, f64> = HashMap::new();
    let mut sessions = 0;
    for f in rows {
        let (Some(ts), Some(host)) = (f.record.ts, local_host(f)) else {
            continue;
        };
        match last.get_mut(host.as_str()) {
            Some(t) if ts - *t <= SESSION_GAP_S => *t = t.max(ts),
            _ => {
                sessions += 1;
                last.insert(host.as_str(), ts);
            }
        }
    }
    sessions
}

/// The address in the most of `rows` (either end), and the share of rows it is in.
fn busiest_host(rows: &[LabeledFlow]) -> Option<(CompactString, f64)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for f in rows {
        let (o, r) = (f.record.orig_h.as_deref(), f.record.resp_h.as_deref());
        for h in [o, r.filter(|r| Some(*r) != o)].into_iter().flatten() {
            *counts.entry(h).or_default() += 1;
        }
    }
    let (host, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
    Some((host.into(), n as f64 / rows.len() as f64))
}

/// A file as a capture id, when its path names no capture (a path that does never reaches
/// the file rule): its name up to the first dot, after its folder's name, so that
/// same-named files of two folders stay apart.
fn file_capture_id(file: &Path) -> Arc<str> {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.split('.').next().unwrap_or(&name);
    let id = match file.parent().and_then(Path::file_name) {
        Some(dir) => format!("{}/{stem}", dir.to_string_lossy()),
        None => stem.to_string(),
    };
    Arc::from(id)
}

/// Assigns host-session captures while rows stream past, in file order. State is one entry per
/// local host, so memory does not grow with the rows.
pub struct Attribution {
    rule: CaptureFrom,
    sessions: HashMap<CompactString, Session, foldhash::fast::FixedState>,
    ids: Interner,
    /// The last originator and whether it is a private address: rows of one capture mostly
    /// repeat it, so its parse is skipped.
    last_orig: Option<(CompactString, bool)>,
}

impl Attribution {
    pub fn new(rule: CaptureFrom) -> Attribution {
        Attribution {
            rule,
            sessions: HashMap::default(),
            ids: Interner::default(),
            last_orig: None,
        }
    }

    /// Whether rows of a file need a capture from this rule (`path_capture`: the file's path
    /// gave one), and so a look at the file's first rows.
    pub fn wants_rows(&self, path_capture: bool) -> bool {
        match self.rule {
            CaptureFrom::HostSession => true,
            CaptureFrom::Auto => !path_capture,
            CaptureFrom::File | CaptureFrom::Path => false,
        }
    }

    /// The rule for a file, from its first rows, and the note to show when it is not the
    /// plain one.
    pub(crate) fn rule_for(&self, rows: &[LabeledFlow], file: &Path) -> (FileRule, Option<String>) {
        file_rule(rows, file, self.rule == CaptureFrom::Auto)
    }

    /// Give `flow` a session capture when the rule asks for one and the row has none.
    /// Rows without a timestamp or an address keep what they have.
    pub fn attribute(&mut self, flow: &mut LabeledFlow) {
        self.attribute_by(flow, &FileRule::Rows);
    }

    /// [`Attribution::attribute`] under a file's rule.
    pub(crate) fn attribute_by(&mut self, flow: &mut LabeledFlow, rule: &FileRule) {
        if !self.wants_rows(flow.provenance.capture.is_some()) {
            return;
        }
        let host = match rule {
            FileRule::File(id) => {
                flow.provenance.capture = Some(id.clone());
                return;
            }
            FileRule::Host(h) => Some(h.clone()),
            FileRule::Rows => self.local_host_cached(flow),
        };
        let Some(ts) = flow.record.ts else { return };
        let Some(host) = host else {
            return;
        };
        let id = match self.sessions.get_mut(&host) {
            Some(s) if ts - s.last_ts <= SESSION_GAP_S => {
                s.last_ts = s.last_ts.max(ts);
                s.id.clone()
            }
            _ => {
                let id = self.ids.get(&session_id(&host, ts));
                let session = Session {
                    id: id.clone(),
                    last_ts: ts,
                };
                self.sessions.insert(host, session);
                id
            }
        };
        flow.provenance.capture = Some(id);
    }

    /// [`local_host`], with the originator's check remembered from the last row.
    fn local_host_cached(&mut self, flow: &LabeledFlow) -> Option<CompactString> {
        let r = &flow.record;
        let orig = r.orig_h.as_ref()?;
        if r.local_orig == Some(true) || r.local_resp == Some(true) {
            return local_host_given(flow, false).cloned();
        }
        let orig_private = match &self.last_orig {
            Some((o, private)) if o == orig => *private,
            _ => {
                let private = is_private_text(orig);
                self.last_orig = Some((orig.clone(), private));
                private
            }
        };
        local_host_given(flow, orig_private).cloned()
    }
}

/// `192.168.1.196@2018-12-21T14:05`: the host and the session's first minute, UTC.
fn session_id(host: &str, ts: f64) -> String {
    let start = chrono::DateTime::from_timestamp(ts as i64, 0).map_or_else(
        || format!("{ts}"),
        |t| t.format("%Y-%m-%dT%H:%M").to_string(),
    );
    format!("{host}@{start}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FlowRecord, Label, Provenance};

    fn flow(ts: f64, orig: &str, resp: &str) -> LabeledFlow {
        LabeledFlow {
            record: FlowRecord {
                ts: Some(ts),
                orig_h: Some(orig.into()),
                resp_h: Some(resp.into()),
                ..FlowRecord::default()
            },
            fields: crate::FieldSet::EMPTY,
            label: Label::Benign,
            provenance: Provenance::of_file("iot23", None, Path::new("pool.csv")),
        }
    }

    fn captures(rule: CaptureFrom, rows: &[(f64, &str, &str)]) -> Vec<Option<String>> {
        let mut a = Attribution::new(rule);
        rows.iter()
            .map(|&(t, o, r)| {
                let mut f = flow(t, o, r);
                a.attribute(&mut f);
                f.provenance.capture.as_deref().map(str::to_string)
            })
            .collect()
    }

    #[test]
    fn sessions_split_on_gaps_and_follow_the_local_host() {
        let day = 86_400.0;
        let got = captures(
            CaptureFrom::Auto,
            &[
                (1_545_400_000.0, "192.168.1.196", "8.8.8.8"),
                (1_545_400_100.0, "1.2.3.4", "192.168.1.196"),
                (1_545_400_200.0, "192.168.1.197", "8.8.8.8"),
                (1_545_400_000.0 + 2.0 * day, "192.168.1.196", "8.8.8.8"),
                (
                    1_545_400_000.0 + 2.0 * day - 50.0,
                    "192.168.1.196",
                    "8.8.4.4",
                ),
            ],
        );
        let got: Vec<&str> = got.iter().map(|c| c.as_deref().unwrap_or("-")).collect();
        assert_eq!(
            got,
            [
                "192.168.1.196@2018-12-21T13:46",
                "192.168.1.196@2018-12-21T13:46",
                "192.168.1.197@2018-12-21T13:50",
                "192.168.1.196@2018-12-23T13:46",
                "192.168.1.196@2018-12-23T13:46",
            ]
        );
    }

    #[test]
    fn path_rules_leave_rows_alone_and_host_session_overrides() {
        assert_eq!(
            captures(CaptureFrom::Path, &[(1.0, "10.0.0.1", "8.8.8.8")]),
            [None]
        );
        let mut f = flow(1.0, "10.0.0.1", "8.8.8.8");
        f.provenance.capture = Some("CTU-IoT-Malware-Capture-34-1".into());
        let mut a = Attribution::new(CaptureFrom::HostSession);
        a.attribute(&mut f);
        assert_eq!(
            f.provenance.capture.as_deref(),
            Some("10.0.0.1@1970-01-01T00:00")
        );
        let p = Path::new("x/CTU-IoT-Malware-Capture-34-1/bro/conn.log.labeled");
        assert_eq!(
            capture_of_file(p, SourceFormat::Zeek, CaptureFrom::Path).as_deref(),
            Some("CTU-IoT-Malware-Capture-34-1")
        );
        assert_eq!(
            capture_of_file(p, SourceFormat::Zeek, CaptureFrom::File),
            None
        );
        assert_eq!(
            capture_of_file(p, SourceFormat::Zeek, CaptureFrom::HostSession),
            None
        );
    }

    /// The captures `file_rule` and `attribute_by` give a file's rows, and its note.
    fn file_captures(
        rule: CaptureFrom,
        rows: Vec<LabeledFlow>,
        name: &str,
    ) -> (Vec<String>, Option<String>) {
        let mut a = Attribution::new(rule);
        let (file_rule, note) = a.rule_for(&rows, Path::new(name));
        let ids = rows
            .into_iter()
            .map(|mut f| {
                a.attribute_by(&mut f, &file_rule);
                f.provenance.capture.as_deref().unwrap_or("-").to_string()
            })
            .collect();
        (ids, note)
    }

    #[test]
    fn a_public_monitored_host_attacked_from_many_addresses_is_one_capture() {
        // CTU-50-like: 147.32.84.165 (public) hit by a different remote host every flow.
        let rows: Vec<LabeledFlow> = (0..200)
            .map(|i| {
                let remote = format!("203.0.{}.{}", i / 200, i % 200 + 1);
                if i % 3 == 0 {
                    flow(1_300_000_000.0 + f64::from(i), "147.32.84.165", &remote)
                } else {
                    flow(1_300_000_000.0 + f64::from(i), &remote, "147.32.84.165")
                }
            })
            .collect();
        // The plain rule keys sessions on the remote originators: a capture per attacker.
        let plain: std::collections::HashSet<Option<String>> = captures(
            CaptureFrom::Auto,
            &[
                (1.0, "203.0.0.1", "147.32.84.165"),
                (2.0, "203.0.0.2", "147.32.84.165"),
            ],
        )
        .into_iter()
        .collect();
        assert_eq!(plain.len(), 2);
        let (ids, note) = file_captures(CaptureFrom::Auto, rows, "botnet-capture.conn.log");
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), 1, "{distinct:?}");
        assert!(ids[0].starts_with("147.32.84.165@"), "{}", ids[0]);
        let note = note.expect("the fallback is said");
        assert!(note.contains("147.32.84.165 takes part in 100%"), "{note}");
    }

    #[test]
    fn zeek_local_fields_pick_the_local_end_even_for_public_addresses() {
        let mut f = flow(1.0, "8.8.8.8", "147.32.84.165");
        assert_eq!(local_host(&f).map(|h| h.as_str()), Some("8.8.8.8"));
        f.record.local_orig = Some(false);
        f.record.local_resp = Some(true);
        assert_eq!(local_host(&f).map(|h| h.as_str()), Some("147.32.84.165"));
        let mut a = Attribution::new(CaptureFrom::Auto);
        a.attribute(&mut f);
        assert_eq!(
            f.provenance.capture.as_deref(),
            Some("147.32.84.165@1970-01-01T00:00")
        );
        let mut g = flow(1.0, "10.0.0.9", "10.0.0.1");
        g.record.local_orig = Some(true);
        g.record.local_resp = Some(true);
        assert_eq!(local_host(&g).map(|h| h.as_str()), Some("10.0.0.9"));
    }

    #[test]
    fn a_file_of_scattered_hosts_becomes_one_capture_unless_host_sessions_are_asked_for() {
        let rows = || -> Vec<LabeledFlow> {
            (0..100)
                .map(|i| {
                    flow(
                        f64::from(i),
                        &format!("198.51.100.{}", i + 1),
                        &format!("203.0.113.{}", i + 1),
                    )
                })
                .collect()
        };
        let (ids, note) = file_captures(CaptureFrom::Auto, rows(), "scattered.conn.log.labeled");
        assert!(ids.iter().all(|c| c == "scattered"), "{ids:?}");
        assert!(note
            .expect("said")
            .contains("the file is one capture (scattered)"));
        let (ids, note) = file_captures(CaptureFrom::HostSession, rows(), "scattered.conn.log");
        assert_eq!(
            ids.iter().collect::<std::collections::HashSet<_>>().len(),
            100
        );
        assert!(note
            .expect("said")
            .contains("--capture-from host-session keeps them"));
    }

    #[test]
    fn same_named_files_of_two_folders_are_two_captures() {
        assert_eq!(&*file_capture_id(Path::new("a/conn.log.labeled")), "a/conn");
        assert_eq!(&*file_capture_id(Path::new("b/conn.log.labeled")), "b/conn");
    }

    #[test]
    fn a_pooled_export_of_private_hosts_keeps_its_host_sessions() {
        let rows: Vec<LabeledFlow> = (0..300)
            .map(|i| flow(f64::from(i), &format!("192.168.1.{}", i % 5 + 2), "8.8.8.8"))
            .collect();
        let (ids, note) = file_captures(CaptureFrom::Auto, rows, "pool.csv");
        assert_eq!(
            ids.iter().collect::<std::collections::HashSet<_>>().len(),
            5
        );
        assert_eq!(note, None);
    }
}
