//! The flow model: one Zeek-style connection record, its gold label and where it came from.

use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::field::{Field, FieldSet};

/// One network flow with typed Zeek `conn` fields. `None` means unset (`-` or empty in Zeek).
/// Text fields are `CompactString`s (stored inline up to 24 bytes), so loading 800k flows
/// makes no per-field heap allocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowRecord {
    pub ts: Option<f64>,
    pub uid: Option<CompactString>,
    pub orig_h: Option<CompactString>,
    pub orig_p: Option<u32>,
    pub resp_h: Option<CompactString>,
    pub resp_p: Option<u32>,
    pub proto: Option<CompactString>,
    pub service: Option<CompactString>,
    pub duration: Option<f64>,
    pub orig_bytes: Option<u64>,
    pub resp_bytes: Option<u64>,
    pub conn_state: Option<CompactString>,
    pub local_orig: Option<bool>,
    pub local_resp: Option<bool>,
    pub missed_bytes: Option<u64>,
    pub history: Option<CompactString>,
    pub orig_pkts: Option<u64>,
    pub orig_ip_bytes: Option<u64>,
    pub resp_pkts: Option<u64>,
    pub resp_ip_bytes: Option<u64>,
    pub tunnel_parents: Option<CompactString>,
}

/// One field's canonical bytes, borrowed or inline, so row keys need no allocation per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawField<'a> {
    Text(&'a [u8]),
    Bits([u8; 8]),
    Flag([u8; 1]),
}

impl RawField<'_> {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            RawField::Text(b) => b,
            RawField::Bits(b) => b,
            RawField::Flag(b) => b,
        }
    }
}

/// `str::trim`, skipped when neither end is whitespace (nearly every cell of a log).
pub(crate) fn trim(raw: &str) -> &str {
    let b = raw.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l))
            if !f.is_ascii_whitespace()
                && !l.is_ascii_whitespace()
                && f.is_ascii()
                && l.is_ascii() =>
        {
            raw
        }
        _ => raw.trim(),
    }
}

/// Values Zeek and its exports use for "no value".
pub(crate) fn is_unset(raw: &str) -> bool {
    matches!(raw, "" | "-" | "(empty)")
}

fn parse_num<T: std::str::FromStr>(raw: &str, what: &str) -> Result<Option<T>, String> {
    raw.parse::<T>()
        .map(Some)
        .map_err(|_| format!("expected {what}, found `{raw}`"))
}

/// Integer columns sometimes arrive as floats (`12.0`) from pandas-written CSV/parquet.
fn parse_count(raw: &str) -> Result<Option<u64>, String> {
    if let Ok(v) = raw.parse::<u64>() {
        return Ok(Some(v));
    }
    match raw.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.9e19 => Ok(Some(f as u64)),
        _ => Err(format!("expected a non-negative count, found `{raw}`")),
    }
}

fn parse_port(raw: &str) -> Result<Option<u32>, String> {
    match parse_count(raw) {
        Ok(Some(p)) if p <= 65_535 => Ok(Some(p as u32)),
        _ => Err(format!("expected a port 0..=65535, found `{raw}`")),
    }
}

fn parse_bool(raw: &str) -> Result<Option<bool>, String> {
    match raw {
        "T" | "true" | "True" | "1" => Ok(Some(true)),
        "F" | "false" | "False" | "0" => Ok(Some(false)),
        _ => Err(format!("expected T or F, found `{raw}`")),
    }
}

fn text(raw: &str) -> Result<Option<CompactString>, String> {
    Ok(Some(CompactString::from(raw)))
}

impl FlowRecord {
    /// Set one field from its textual form. Unset markers become `None`; a value of the wrong
    /// type is an error message for the caller to place (file, line, column).
    pub fn set(&mut self, field: Field, raw: &str) -> Result<(), String> {
        let raw = trim(raw);
        if is_unset(raw) {
            return Ok(());
        }
        match field {
            Field::Ts => {
                let ts: Option<f64> = parse_num(raw, "a timestamp")?;
                if ts.is_some_and(|t| !t.is_finite()) {
                    return Err(format!("expected a finite timestamp, found `{raw}`"));
                }
                self.ts = ts;
            }
            Field::Uid => self.uid = text(raw)?,
            Field::OrigH => self.orig_h = text(raw)?,
            Field::OrigP => self.orig_p = parse_port(raw)?,
            Field::RespH => self.resp_h = text(raw)?,
            Field::RespP => self.resp_p = parse_port(raw)?,
            Field::Proto => self.proto = Some(CompactString::from(raw.to_ascii_lowercase())),
            Field::Service => self.service = text(raw)?,
            Field::Duration => {
                let d: Option<f64> = parse_num(raw, "a duration in seconds")?;
                if d.is_some_and(|d| !d.is_finite() || d < 0.0) {
                    return Err(format!("expected a non-negative duration, found `{raw}`"));
                }
                self.duration = d;
            }
            Field::OrigBytes => self.orig_bytes = parse_count(raw)?,
            Field::RespBytes => self.resp_bytes = parse_count(raw)?,
            Field::ConnState => self.conn_state = text(raw)?,
            Field::LocalOrig => self.local_orig = parse_bool(raw)?,
            Field::LocalResp => self.local_resp = parse_bool(raw)?,
            Field::MissedBytes => self.missed_bytes = parse_count(raw)?,
            Field::History => self.history = text(raw)?,
            Field::OrigPkts => self.orig_pkts = parse_count(raw)?,
            Field::OrigIpBytes => self.orig_ip_bytes = parse_count(raw)?,
            Field::RespPkts => self.resp_pkts = parse_count(raw)?,
            Field::RespIpBytes => self.resp_ip_bytes = parse_count(raw)?,
            Field::TunnelParents => self.tunnel_parents = text(raw)?,
        }
        Ok(())
    }

    /// Set a numeric field from a number (typed columns: parquet, CSV ints/floats). Counts and
    /// ports must be whole and non-negative; text fields take the number's text.
    pub fn set_number(&mut self, field: Field, v: f64) -> Result<(), String> {
        let count = || -> Result<Option<u64>, String> {
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1.9e19 {
                Ok(Some(v as u64))
            } else {
                Err(format!("expected a non-negative count, found `{v}`"))
            }
        };
        match field {
            Field::Ts => self.ts = Some(v),
            Field::Duration => {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(format!("expected a non-negative duration, found `{v}`"));
                }
                self.duration = Some(v);
            }
            Field::OrigP | Field::RespP => {
                let p = count()?
                    .filter(|p| *p <= 65_535)
                    .ok_or_else(|| format!("expected a port 0..=65535, found `{v}`"))?
                    as u32;
                if field == Field::OrigP {
                    self.orig_p = Some(p);
                } else {
                    self.resp_p = Some(p);
                }
            }
            Field::OrigBytes => self.orig_bytes = count()?,
            Field::RespBytes => self.resp_bytes = count()?,
            Field::MissedBytes => self.missed_bytes = count()?,
            Field::OrigPkts => self.orig_pkts = count()?,
            Field::OrigIpBytes => self.orig_ip_bytes = count()?,
            Field::RespPkts => self.resp_pkts = count()?,
            Field::RespIpBytes => self.resp_ip_bytes = count()?,
            _ => return self.set(field, &v.to_string()),
        }
        Ok(())
    }

    /// The value of one field as canonical bytes (text as UTF-8, numbers by their bits), or
    /// `None` when unset. Used for stable row ids without formatting numbers.
    pub fn get_raw(&self, field: Field) -> Option<RawField<'_>> {
        fn t(v: &Option<CompactString>) -> Option<RawField<'_>> {
            v.as_ref().map(|s| RawField::Text(s.as_bytes()))
        }
        fn n(v: Option<u64>) -> Option<RawField<'static>> {
            v.map(|x| RawField::Bits(x.to_le_bytes()))
        }
        fn f(v: Option<f64>) -> Option<RawField<'static>> {
            n(v.map(f64::to_bits))
        }
        match field {
            Field::Ts => f(self.ts),
            Field::Uid => t(&self.uid),
            Field::OrigH => t(&self.orig_h),
            Field::OrigP => n(self.orig_p.map(u64::from)),
            Field::RespH => t(&self.resp_h),
            Field::RespP => n(self.resp_p.map(u64::from)),
            Field::Proto => t(&self.proto),
            Field::Service => t(&self.service),
            Field::Duration => f(self.duration),
            Field::OrigBytes => n(self.orig_bytes),
            Field::RespBytes => n(self.resp_bytes),
            Field::ConnState => t(&self.conn_state),
            Field::LocalOrig => self.local_orig.map(|b| RawField::Flag([u8::from(b)])),
            Field::LocalResp => self.local_resp.map(|b| RawField::Flag([u8::from(b)])),
            Field::MissedBytes => n(self.missed_bytes),
            Field::History => t(&self.history),
            Field::OrigPkts => n(self.orig_pkts),
            Field::OrigIpBytes => n(self.orig_ip_bytes),
            Field::RespPkts => n(self.resp_pkts),
            Field::RespIpBytes => n(self.resp_ip_bytes),
            Field::TunnelParents => t(&self.tunnel_parents),
        }
    }

    /// The value of one field as prompt text, or `None` when unset.
    pub fn get(&self, field: Field) -> Option<String> {
        fn s<T: ToString>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(ToString::to_string)
        }
        fn b(v: &Option<bool>) -> Option<String> {
            v.map(|x| if x { "T".to_string() } else { "F".to_string() })
        }
        match field {
            Field::Ts => s(&self.ts),
            Field::Uid => s(&self.uid),
            Field::OrigH => s(&self.orig_h),
            Field::OrigP => s(&self.orig_p),
            Field::RespH => s(&self.resp_h),
            Field::RespP => s(&self.resp_p),
            Field::Proto => s(&self.proto),
            Field::Service => s(&self.service),
            Field::Duration => s(&self.duration),
            Field::OrigBytes => s(&self.orig_bytes),
            Field::RespBytes => s(&self.resp_bytes),
            Field::ConnState => s(&self.conn_state),
            Field::LocalOrig => b(&self.local_orig),
            Field::LocalResp => b(&self.local_resp),
            Field::MissedBytes => s(&self.missed_bytes),
            Field::History => s(&self.history),
            Field::OrigPkts => s(&self.orig_pkts),
            Field::OrigIpBytes => s(&self.orig_ip_bytes),
            Field::RespPkts => s(&self.resp_pkts),
            Field::RespIpBytes => s(&self.resp_ip_bytes),
            Field::TunnelParents => s(&self.tunnel_parents),
        }
    }
}

/// The gold class of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Label {
    Benign,
    Malicious,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Benign => "Benign",
            Label::Malicious => "Malicious",
        }
    }

    /// Read a label as IoT-23 and its exports spell it (any case).
    pub fn parse(raw: &str) -> Option<Label> {
        let t = raw.trim();
        if t.eq_ignore_ascii_case("benign") {
            Some(Label::Benign)
        } else if t.eq_ignore_ascii_case("malicious") {
            Some(Label::Malicious)
        } else {
            None
        }
    }
}

/// The word of a row nobody gave a gold class: Stratosphere's and CTU-13's `Background`
/// (traffic nobody labelled, also `flow=Background-TCP-Established`), `Unknown` (traffic its
/// labeller could not decide) and the `Unlabeled` of some exports. Readers count such rows by
/// this tag and leave them out; a tag is `Copy`, so a skipped row allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::IntoStaticStr)]
pub enum UnlabelledTag {
    Background,
    Unknown,
    Unlabelled,
}

impl UnlabelledTag {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The tag of a label cell (any case, CTU-13's `flow=` prefix and `-`-suffixed kinds
    /// included); `None` for any other word.
    pub fn of(raw: &str) -> Option<UnlabelledTag> {
        let t = raw.trim();
        let t = t.strip_prefix("flow=").unwrap_or(t);
        let word = t.split(['-', '_']).next().unwrap_or(t);
        let is = |w: &str| word.eq_ignore_ascii_case(w);
        if is("background") {
            Some(UnlabelledTag::Background)
        } else if is("unknown") {
            Some(UnlabelledTag::Unknown)
        } else if is("unlabeled") || is("unlabelled") {
            Some(UnlabelledTag::Unlabelled)
        } else {
            None
        }
    }
}

/// What one label cell says: a gold class, a row nobody labelled, or neither (a bad value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelCell {
    Gold(Label),
    Unlabelled(UnlabelledTag),
    Other,
}

impl LabelCell {
    /// Read a Benign/Malicious cell (any case).
    pub fn read(raw: &str) -> LabelCell {
        match (Label::parse(raw), UnlabelledTag::of(raw)) {
            (Some(l), _) => LabelCell::Gold(l),
            (None, Some(t)) => LabelCell::Unlabelled(t),
            (None, None) => LabelCell::Other,
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detailed-label cell read as a family: IoT-23's names as they are (`C&C`), Stratosphere's
/// structured labels (`From_malicious-To_malicious-Malware_data_exfiltration-RemcosRAT`) as a
/// readable family (`RemcosRAT (Malware data exfiltration)`) with the whole string kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailedLabel {
    pub family: Option<Arc<str>>,
    pub detailed: Option<Arc<str>>,
}

/// The readable family of a structured Stratosphere label; `None` when the cell is not one.
/// `From_benign-To_benign` alone (no family) reads as `Some(None)`.
fn structured_family(raw: &str) -> Option<Option<String>> {
    let rest = raw.strip_prefix("From_")?;
    let (_, rest) = rest.split_once("-To_")?;
    // The destination's kind, then the family's segments (`Malware_data_exfiltration`,
    // `RemcosRAT`), words joined by `_`.
    let mut parts = rest.split('-').skip(1).map(|p| p.replace('_', " "));
    let first = parts.next().filter(|p| !p.is_empty());
    let rest: Vec<String> = parts.filter(|p| !p.is_empty()).collect();
    Some(first.map(|first| match rest.split_last() {
        None => first,
        Some((last, middle)) => {
            let mut kind = vec![first];
            kind.extend(middle.iter().cloned());
            format!("{last} ({})", kind.join(", "))
        }
    }))
}

/// Families read so far in one file: each distinct cell is read once (a file has few).
#[derive(Debug, Default)]
pub struct Families {
    seen: HashMap<String, DetailedLabel>,
}

impl Families {
    /// The family of a detailed-label cell (`-` and empty are none).
    pub fn get(&mut self, cell: &str) -> DetailedLabel {
        let t = trim(cell);
        if is_unset(t) {
            return DetailedLabel::default();
        }
        if let Some(d) = self.seen.get(t) {
            return d.clone();
        }
        let d = match structured_family(t) {
            Some(family) => DetailedLabel {
                family: family.map(Arc::from),
                detailed: Some(Arc::from(t)),
            },
            None => DetailedLabel {
                family: Some(Arc::from(t)),
                detailed: None,
            },
        };
        self.seen.insert(t.to_string(), d.clone());
        d
    }
}

/// Where a row came from. Kept with the row for breakdowns and splits; never rendered. The
/// per-file values are shared (`Arc<str>`), so they cost nothing per row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Source dataset, e.g. `iot23`.
    pub source: Arc<str>,
    /// Capture or scenario id, e.g. `CTU-IoT-Malware-Capture-34-1`, when known. Shared by
    /// every row of a file.
    pub capture: Option<Arc<str>>,
    /// Detailed label / attack family, e.g. `C&C`; `None` for benign rows. Readers intern it
    /// (a file has few families and many rows).
    pub family: Option<Arc<str>>,
    /// The whole detailed label when the family was read out of a structured one
    /// (`From_malicious-To_malicious-Malware_data_exfiltration-RemcosRAT`).
    pub detailed: Option<Arc<str>>,
    /// File name the row was read from.
    pub file: Arc<str>,
}

impl Provenance {
    /// What every row read from `path` shares; each row adds its own family with
    /// [`Provenance::with_family`].
    pub fn of_file(source: &str, capture: Option<&str>, path: &std::path::Path) -> Provenance {
        Provenance {
            source: source.into(),
            capture: capture.map(Arc::from),
            family: None,
            detailed: None,
            file: Provenance::file_label(path),
        }
    }

    /// Become `origin` with `family`, keeping the shared strings where they already match
    /// (a reader reuses one row's provenance for the next).
    pub fn set_family(&mut self, origin: &Provenance, label: DetailedLabel) {
        let DetailedLabel { family, detailed } = label;
        fn same(a: &Option<Arc<str>>, b: &Option<Arc<str>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        if !Arc::ptr_eq(&self.source, &origin.source) {
            self.source = origin.source.clone();
        }
        if !Arc::ptr_eq(&self.file, &origin.file) {
            self.file = origin.file.clone();
        }
        if !same(&self.capture, &origin.capture) {
            self.capture = origin.capture.clone();
        }
        if !same(&self.family, &family) {
            self.family = family;
        }
        if !same(&self.detailed, &detailed) {
            self.detailed = detailed;
        }
    }

    /// This file's provenance for one row of the given family.
    pub fn with_family(&self, family: Option<impl Into<Arc<str>>>) -> Provenance {
        self.with_detailed(DetailedLabel {
            family: family.map(Into::into),
            detailed: None,
        })
    }

    /// This file's provenance for one row of the given detailed label.
    pub fn with_detailed(&self, label: DetailedLabel) -> Provenance {
        Provenance {
            family: label.family,
            detailed: label.detailed,
            ..self.clone()
        }
    }

    /// The file-name part of `path`, shared by every row read from it.
    pub fn file_label(path: &std::path::Path) -> Arc<str> {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .into()
    }
}

/// Shares repeated short strings (families, captures, breakdown keys): a dataset has few
/// distinct values and up to millions of rows. Consecutive rows mostly repeat the last value,
/// which is checked before the set.
#[derive(Debug, Default)]
pub struct Interner {
    set: std::collections::HashSet<Arc<str>, foldhash::fast::FixedState>,
    last: Option<Arc<str>>,
}

impl Interner {
    pub fn get(&mut self, key: &str) -> Arc<str> {
        if let Some(last) = self.last.as_ref().filter(|l| ***l == *key) {
            return last.clone();
        }
        let k = match self.set.get(key) {
            Some(k) => k.clone(),
            None => {
                let k: Arc<str> = Arc::from(key);
                self.set.insert(k.clone());
                k
            }
        };
        self.last = Some(k.clone());
        k
    }
}

/// A flow with its gold label, provenance, and the set of fields its source provides.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledFlow {
    pub record: FlowRecord,
    pub fields: FieldSet,
    pub label: Label,
    pub provenance: Provenance,
}

impl LabeledFlow {
    /// A blank row for a reader to parse into.
    pub(crate) fn empty(provenance: Provenance) -> LabeledFlow {
        LabeledFlow {
            record: FlowRecord::default(),
            fields: FieldSet::EMPTY,
            label: Label::Benign,
            provenance,
        }
    }
}

/// The IoT-23 capture id embedded in a file name, e.g. `CTU-IoT-Malware-Capture-34-1` from
/// `CTU-IoT-Malware-Capture-34-1.conn.log.labeled`.
/// Whether a column holds the detailed label (IoT-23 and Stratosphere spell it three ways).
pub(crate) fn is_family_column(name: &str) -> bool {
    matches!(name, "detailed-label" | "detailed_label" | "detailedlabel")
}

pub fn capture_id_from_name(name: &str) -> Option<String> {
    let start = name.find("CTU-")?;
    let rest = &name[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let id = rest[..end].trim_end_matches(['-', '_']);
    // IoT-23 and CTU-13 name captures `…-Capture-…`; the Stratosphere Lab's other datasets
    // name them by dataset (`CTU-SME-11-Experiment-…`, `CTU-Normal-12`, `CTU-Mixed-…`).
    let stratosphere = ["CTU-SME-", "CTU-Normal-", "CTU-Mixed-"];
    (id.contains("Capture") || stratosphere.iter().any(|p| id.starts_with(p)))
        .then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_ids() {
        assert_eq!(
            capture_id_from_name("CTU-IoT-Malware-Capture-34-1.conn.log.labeled").as_deref(),
            Some("CTU-IoT-Malware-Capture-34-1")
        );
        assert_eq!(
            capture_id_from_name("CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv").as_deref(),
            Some("CTU-Honeypot-Capture-4-1_5-1_7-1")
        );
        assert_eq!(capture_id_from_name("iot23_pool.csv"), None);
        assert_eq!(
            capture_id_from_name(
                "CTU-SME-11-Experiment-VM-Microsoft-Windows7full-3-2023-02-22.first5000pkts.conn.log.labeled"
            )
            .as_deref(),
            Some("CTU-SME-11-Experiment-VM-Microsoft-Windows7full-3-2023-02-22")
        );
        assert_eq!(
            capture_id_from_name("CTU-Normal-12.conn.log.labeled").as_deref(),
            Some("CTU-Normal-12")
        );
        assert_eq!(capture_id_from_name("CTU-Other-1.log"), None);
    }

    #[test]
    fn set_rejects_wrong_types_and_accepts_unset() {
        let mut r = FlowRecord::default();
        assert!(r.set(Field::OrigBytes, "abc").is_err());
        assert!(r.set(Field::RespP, "70000").is_err());
        assert!(r.set(Field::Duration, "-1.0").is_err());
        r.set(Field::OrigBytes, "-").expect("unset");
        assert_eq!(r.orig_bytes, None);
        r.set(Field::OrigPkts, "12.0").expect("float count");
        assert_eq!(r.orig_pkts, Some(12));
        r.set(Field::Proto, "TCP").expect("proto");
        assert_eq!(r.get(Field::Proto).as_deref(), Some("tcp"));
    }

    #[test]
    fn labels_any_case() {
        assert_eq!(Label::parse("benign"), Some(Label::Benign));
        assert_eq!(Label::parse("Malicious"), Some(Label::Malicious));
        assert_eq!(Label::parse("  MALICIOUS "), Some(Label::Malicious));
        assert_eq!(Label::parse("attack"), None);
    }

    #[test]
    fn unlabelled_words_and_their_kin() {
        use UnlabelledTag::*;
        for (raw, tag) in [
            ("Background", Some(Background)),
            (" background ", Some(Background)),
            ("flow=Background-TCP-Established", Some(Background)),
            ("Background-UDP-Attempt", Some(Background)),
            ("UNKNOWN", Some(Unknown)),
            ("Unlabeled", Some(Unlabelled)),
            ("unlabelled", Some(Unlabelled)),
            ("Benign", None),
            ("Backgrounds", None),
            ("flow=From-Botnet-V42-TCP", None),
            ("", None),
        ] {
            assert_eq!(UnlabelledTag::of(raw), tag, "{raw:?}");
        }
        assert_eq!(LabelCell::read("benign"), LabelCell::Gold(Label::Benign));
        assert_eq!(LabelCell::read("Unknown"), LabelCell::Unlabelled(Unknown));
        assert_eq!(LabelCell::read("DDoS"), LabelCell::Other);
    }
}
