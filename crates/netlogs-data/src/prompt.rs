//! Prompt templates. A prompt shows flow fields only: never the label, the detailed label, the
//! capture or the file name.

use crate::field::Field;
use crate::record::LabeledFlow;

/// The line that opens the context block. [`crate::PromptView`] reads the flow above it only.
pub const CONTEXT_HEADING: &str = "Earlier flows of the same host";
/// How a flow becomes the user message. `seed`, the first name of `logentry`, still parses
/// (a deprecated alias): it read as the RNG seed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Template {
    /// Every conn field the source has (except the random `uid`), `key=value`, one line.
    #[default]
    Zeek,
    /// The seed environment's form: `Log Entry: id.orig_h=…, id.orig_p=…, …`.
    #[serde(alias = "seed")]
    #[strum(to_string = "logentry", serialize = "seed")]
    LogEntry,
    /// The Python reference's sentence form, for comparable numbers.
    Upstream,
    /// The training form: the fields a decision needs (no timestamp, uid, addresses, source
    /// port or always-empty columns), `key=value`, durations to the millisecond. About a fifth
    /// of `zeek`'s tokens, so a GRPO rollout is cheap on a CPU.
    Compact,
}

/// What [`Template::Compact`] shows, in this order.
const COMPACT_FIELDS: [Field; 10] = [
    Field::Proto,
    Field::Service,
    Field::RespP,
    Field::Duration,
    Field::OrigBytes,
    Field::RespBytes,
    Field::ConnState,
    Field::History,
    Field::OrigPkts,
    Field::RespPkts,
];

impl Template {
    /// Fields a `key=value` template leaves out, its values as the source wrote them; `None`
    /// for the forms that rewrite values (the sentence, and `compact`'s rounded duration),
    /// whose digest hashes the rendered text.
    fn hidden_fields(self) -> Option<&'static [Field]> {
        match self {
            Template::Zeek => Some(&[Field::Uid]),
            Template::LogEntry => Some(&[Field::Ts, Field::Uid]),
            Template::Upstream | Template::Compact => None,
        }
    }
}

/// Render the user message for one flow.
pub fn render_prompt(flow: &LabeledFlow, template: Template) -> String {
    match template {
        Template::Zeek => {
            let body = key_values(flow, &[Field::Uid], " ");
            format!("Zeek conn record: {body}")
        }
        Template::LogEntry => {
            let body = key_values(flow, &[Field::Ts, Field::Uid], ", ");
            format!("Log Entry: {body}")
        }
        Template::Upstream => upstream(flow),
        Template::Compact => compact(flow),
    }
}

/// A 128-bit digest of what `template` shows of `flow`, without rendering it: rows with equal
/// digests get the same prompt. Dedup, conflict detection and sampling over millions of rows
/// use it, so only the rows kept are ever rendered. xxh3 is specified byte for byte, so a
/// digest is the same on every machine.
pub fn prompt_digest(flow: &LabeledFlow, template: Template) -> u128 {
    with_shown_bytes(flow, template, xxhash_rust::xxh3::xxh3_128)
}

/// Call `f` with the bytes [`prompt_digest`] hashes: the shown fields, tagged and
/// length-prefixed, in one buffer (one hash call is much faster than many small updates).
pub(crate) fn with_shown_bytes<T>(
    flow: &LabeledFlow,
    template: Template,
    f: impl FnOnce(&[u8]) -> T,
) -> T {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(512));
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        match template.hidden_fields() {
            Some(hidden) => {
                buf.push(template as u8);
                for field in flow.fields.iter().filter(|f| !hidden.contains(f)) {
                    let raw = flow.record.get_raw(field);
                    let bytes = raw.as_ref().map_or(&[][..], |r| r.as_bytes());
                    buf.extend_from_slice(&[field as u8, u8::from(raw.is_some())]);
                    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                    buf.extend_from_slice(bytes);
                }
            }
            None => buf.extend_from_slice(render_prompt(flow, template).as_bytes()),
        }
        f(buf)
    })
}

fn key_values(flow: &LabeledFlow, skip: &[Field], sep: &str) -> String {
    let mut out = String::with_capacity(256);
    for f in flow.fields.iter().filter(|f| !skip.contains(f)) {
        if !out.is_empty() {
            out.push_str(sep);
        }
        out.push_str(f.name());
        out.push('=');
        out.push_str(flow.record.get(f).as_deref().unwrap_or("-"));
    }
    out
}

/// `proto=tcp service=- id.resp_p=80 duration=3.139 …`: [`COMPACT_FIELDS`] of the flow, `-`
/// for a missing value, the duration rounded to milliseconds (its digits are most of `zeek`'s
/// tokens and carry no decision).
fn compact(flow: &LabeledFlow) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("Flow:");
    for f in COMPACT_FIELDS {
        out.push(' ');
        out.push_str(f.name());
        out.push('=');
        match (f, flow.record.duration) {
            (Field::Duration, Some(d)) if d.is_finite() => {
                let ms = format!("{d:.3}");
                out.push_str(ms.trim_end_matches('0').trim_end_matches('.'));
            }
            _ => out.push_str(flow.record.get(f).as_deref().unwrap_or("-")),
        }
    }
    out
}

/// Mirrors the reference's `Device … observed …` sentence, including its `?` for missing or
/// zero duration and bytes.
fn upstream(flow: &LabeledFlow) -> String {
    let r = &flow.record;
    let port = |p: Option<u32>| p.map_or_else(|| "?".to_string(), |p| p.to_string());
    let duration = r
        .duration
        .filter(|d| *d != 0.0)
        .map_or_else(|| "?".to_string(), |d| d.to_string());
    let total = r.orig_bytes.unwrap_or(0) + r.resp_bytes.unwrap_or(0);
    let bytes = if total > 0 {
        total.to_string()
    } else {
        "?".to_string()
    };
    format!(
        "Device unknown-device observed {} {}→{}, duration {}, bytes {}, flags [{}]. Decide: Malicious or Benign (you may Abstain if unsure).",
        r.proto.as_deref().unwrap_or("?"),
        port(r.orig_p),
        port(r.resp_p),
        duration,
        bytes,
        r.history.as_deref().unwrap_or(""),
    )
}

/// The flow fields a prompt shows, read back from its text: what a model can see. Used by the
/// builtin heuristic policy and by the dataset audit's (proto, dest port) baseline. Reads the
/// `key=value` forms and the
/// reference's `observed tcp 1→2, duration …, bytes …, flags [..]` sentence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptView {
    pub proto: Option<String>,
    pub resp_p: Option<u32>,
    pub conn_state: Option<String>,
    pub history: Option<String>,
    pub orig_bytes: Option<u64>,
    pub resp_bytes: Option<u64>,
    pub orig_pkts: Option<u64>,
    pub resp_pkts: Option<u64>,
    pub duration: Option<f64>,
}

impl PromptView {
    pub fn parse(prompt: &str) -> PromptView {
        // The flow itself only: a context block below it describes other flows.
        let prompt = prompt
            .split_once(CONTEXT_HEADING)
            .map_or(prompt, |(flow, _)| flow);
        let mut v = PromptView::default();
        for token in prompt.split([' ', ',', '\n']) {
            let Some((k, val)) = token.split_once('=') else {
                continue;
            };
            let val = val.trim();
            if val == "-" || val.is_empty() {
                continue;
            }
            match k.trim() {
                "proto" => v.proto = Some(val.to_ascii_lowercase()),
                "id.resp_p" => v.resp_p = val.parse().ok(),
                "conn_state" => v.conn_state = Some(val.to_string()),
                "history" => v.history = Some(val.to_string()),
                "orig_bytes" => v.orig_bytes = val.parse().ok(),
                "resp_bytes" => v.resp_bytes = val.parse().ok(),
                "orig_pkts" => v.orig_pkts = val.parse().ok(),
                "resp_pkts" => v.resp_pkts = val.parse().ok(),
                "duration" => v.duration = val.parse().ok(),
                _ => {}
            }
        }
        if let Some(rest) = prompt.split_once(" observed ").map(|x| x.1) {
            v.read_sentence(rest);
        }
        v
    }

    fn read_sentence(&mut self, s: &str) {
        let mut words = s.split_whitespace();
        self.proto = words.next().map(str::to_ascii_lowercase);
        if let Some(ports) = words.next() {
            self.resp_p = ports
                .trim_end_matches(',')
                .split_once('→')
                .and_then(|(_, r)| r.parse().ok());
        }
        let after = |key: &str| {
            s.split_once(key).map(|x| {
                x.1.split([',', ']'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
        };
        self.duration = after("duration ").and_then(|d| d.parse().ok());
        self.resp_bytes = after("bytes ").and_then(|b| b.parse().ok());
        self.history = after("flags [").filter(|h| !h.is_empty());
    }
}
