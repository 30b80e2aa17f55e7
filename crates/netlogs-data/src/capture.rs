//! Which capture a row belongs to. Capture-disjoint splits need an id on every row; IoT-23's
//! files carry it in their path, but pooled exports (the Hugging Face set, the bundled pool)
//! do not. For those, a capture is recovered as a *host session*: IoT-23 records one infected
//! device per capture, so the rows of one local (RFC 1918) host with no silence longer than
//! [`SESSION_GAP_S`] form one capture. docs/DATA.md lists where this rule goes wrong.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;

use crate::format::SourceFormat;
use crate::record::{capture_id_from_name, Interner, LabeledFlow};

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

/// The local end of a flow: the originator when it is a private address, else the responder
/// when that is, else the originator (a flow between two public hosts still has a side).
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

    /// Give `flow` a session capture when the rule asks for one and the row has none.
    /// Rows without a timestamp or an address keep what they have.
    pub fn attribute(&mut self, flow: &mut LabeledFlow) {
        let wanted = match self.rule {
            CaptureFrom::HostSession => true,
            CaptureFrom::Auto => flow.provenance.capture.is_none(),
            CaptureFrom::File | CaptureFrom::Path => false,
        };
        if !wanted {
            return;
        }
        let Some(ts) = flow.record.ts else { return };
        let Some(host) = self.local_host_cached(flow) else {
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
}
