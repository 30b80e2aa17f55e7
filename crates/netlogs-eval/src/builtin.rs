//! Offline policies. They see exactly what a remote model sees (the chat messages) and answer
//! with JSON text, so they exercise the same parsing and scoring path. The heuristic is a set
//! of honest rules over the fields a prompt shows; it never sees the gold label.

use netlogs_client::{ChatMessage, Completion};
use std::collections::HashSet;

use netlogs_data::{parse_context, shown_fields, ContextFlow, PromptView};
use netlogs_rubric::{AnswerLabel, EVIDENCE_REQUEST};
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// A builtin policy, named `builtin:<name>` on the command line.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum BuiltinPolicy {
    /// Rules over conn_state, history, proto, ports, bytes, packets and duration.
    Heuristic,
    /// The heuristic, plus rules over the host's recent flows when the prompt carries
    /// context (`--context K`): failed-connection bursts, fan-out, fixed-period beacons.
    HeuristicContext,
    /// Always `Malicious` at confidence 0.5: the alarm-everything baseline.
    AlwaysMalicious,
    /// Always `Benign` at confidence 0.5: the miss-everything baseline.
    AlwaysBenign,
    /// Always `Abstain` at confidence 0.
    Abstain,
}

impl BuiltinPolicy {
    /// Every policy as the command line names it.
    pub fn names() -> Vec<String> {
        <Self as strum::VariantNames>::VARIANTS
            .iter()
            .map(|p| format!("builtin:{p}"))
            .collect()
    }

    /// Answer the conversation. Only the last user message is read, and the system message
    /// for whether to cite.
    pub fn complete(self, messages: &[ChatMessage]) -> Completion {
        let prompt = messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .map_or("", |m| m.content.as_str());
        let cite = messages
            .iter()
            .any(|m| m.role == "system" && m.content.contains(EVIDENCE_REQUEST));
        self.answer(prompt, cite)
    }

    /// Answer a request as sent (`messages`: the messages as JSON; `user`: the flow's
    /// message), citing when the system prompt asks for evidence.
    pub fn answer_request(self, messages: &RawValue, user: &str) -> Completion {
        self.answer(user, asks_for_evidence(messages))
    }

    /// Answer a user message (the rendered flow): what [`BuiltinPolicy::complete`] reads.
    pub fn answer_prompt(self, prompt: &str) -> Completion {
        self.answer(prompt, false)
    }

    /// Answer a user message; with `cite`, the answer's `evidence` cites the fields of the
    /// prompt that the deciding rule read, with their values as shown.
    pub fn answer(self, prompt: &str, cite: bool) -> Completion {
        let (label, confidence, rationale, used) = match self {
            BuiltinPolicy::Heuristic => heuristic(&PromptView::parse(prompt)),
            BuiltinPolicy::HeuristicContext => heuristic_context(prompt),
            BuiltinPolicy::AlwaysMalicious => {
                (AnswerLabel::Malicious, 0.5, "constant baseline", Vec::new())
            }
            BuiltinPolicy::AlwaysBenign => {
                (AnswerLabel::Benign, 0.5, "constant baseline", Vec::new())
            }
            BuiltinPolicy::Abstain => (AnswerLabel::Abstain, 0.0, "constant baseline", Vec::new()),
        };
        let mut text =
            json!({"label": label.as_str(), "confidence": confidence, "rationale": rationale});
        if cite {
            text["evidence"] = citations(prompt, &used);
        }
        Completion {
            text: text.to_string(),
            finish_reason: Some("stop".into()),
        }
    }
}

/// Whether the system message of a request asks for `evidence`.
fn asks_for_evidence(messages: &RawValue) -> bool {
    let Ok(messages) = serde_json::from_str::<Vec<Value>>(messages.get()) else {
        return false;
    };
    messages.iter().any(|m| {
        m.get("role").and_then(Value::as_str) == Some("system")
            && m.get("content")
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains(EVIDENCE_REQUEST))
    })
}

/// The cited fields as `evidence`: each with its value as the prompt shows it (a field the
/// prompt does not show is left out).
fn citations(prompt: &str, used: &[String]) -> Value {
    let shown = shown_fields(prompt);
    let items: Vec<Value> = used
        .iter()
        .filter_map(|field| {
            shown
                .iter()
                .find(|(f, _)| f == field)
                .map(|(f, v)| json!({"field": f, "value": v}))
        })
        .collect();
    Value::Array(items)
}

/// What the heuristic answers: label, confidence, rationale and the fields it read.
type Verdict = (AnswerLabel, f64, &'static str, Vec<String>);

fn fields(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

const BENIGN_UDP_PORTS: [u32; 10] = [53, 123, 67, 68, 5353, 1900, 137, 138, 546, 547];
const TELNET_PORTS: [u32; 2] = [23, 2323];
const WEB_PORTS: [u32; 3] = [80, 443, 8080];
const IRC_PORTS: [u32; 4] = [6667, 6668, 6669, 6697];

/// What the heuristic's rules look at, read once from the prompt.
struct Facts<'a> {
    proto: &'a str,
    state: &'a str,
    port: Option<u32>,
    bytes: u64,
    resp_bytes: u64,
    unanswered: bool,
    bad_checksums_only: bool,
}

impl Facts<'_> {
    fn port_in(&self, set: &[u32]) -> bool {
        self.port.is_some_and(|p| set.contains(&p))
    }
}

/// A rule: when it matches, the answer it gives, and the fields it reads.
type Rule = (
    fn(&Facts) -> bool,
    AnswerLabel,
    f64,
    &'static str,
    &'static [&'static str],
);

const PROTO_PORT: &[&str] = &["proto", "id.resp_p"];
const PORT_STATE: &[&str] = &["id.resp_p", "conn_state", "history"];

/// Tried in order; the first that matches answers.
const RULES: &[Rule] = &[
    (
        |f| f.proto == "udp" && f.port_in(&BENIGN_UDP_PORTS),
        AnswerLabel::Benign,
        0.8,
        "UDP to a common infrastructure service (DNS/NTP/DHCP/mDNS/SSDP)",
        PROTO_PORT,
    ),
    (
        |f| f.proto == "icmp",
        AnswerLabel::Benign,
        0.6,
        "ICMP control traffic",
        &["proto"],
    ),
    (
        |f| f.bad_checksums_only && f.bytes == 0,
        AnswerLabel::Malicious,
        0.75,
        "only bad-checksum packets and no payload: crafted flood traffic",
        &["history", "orig_bytes", "resp_bytes"],
    ),
    (
        |f| f.proto == "tcp" && f.port_in(&IRC_PORTS),
        AnswerLabel::Malicious,
        0.7,
        "IRC from an IoT device, a classic botnet C&C channel",
        PROTO_PORT,
    ),
    (
        |f| f.port_in(&TELNET_PORTS) && f.unanswered,
        AnswerLabel::Malicious,
        0.8,
        "unanswered telnet attempt, typical of Mirai-style scanning",
        PORT_STATE,
    ),
    (
        |f| f.port_in(&TELNET_PORTS) || f.port == Some(22),
        AnswerLabel::Malicious,
        0.6,
        "remote-login session from an IoT device, typical of brute force",
        &["id.resp_p"],
    ),
    (
        |f| f.unanswered && f.bytes == 0 && !f.port_in(&WEB_PORTS),
        AnswerLabel::Malicious,
        0.65,
        "unanswered connection to an uncommon port: scanning or flooding",
        &["id.resp_p", "conn_state", "orig_bytes", "resp_bytes"],
    ),
    (
        |f| f.proto == "tcp" && f.state == "SF" && f.port_in(&WEB_PORTS) && f.resp_bytes > 500,
        AnswerLabel::Benign,
        0.65,
        "completed web transfer",
        &["proto", "id.resp_p", "conn_state", "resp_bytes"],
    ),
    (
        |f| {
            f.proto == "tcp"
                && f.state == "SF"
                && f.port.is_some_and(|p| p > 1024)
                && f.bytes < 1000
        },
        AnswerLabel::Malicious,
        0.6,
        "small completed exchange with a high port, C&C-like",
        &[
            "proto",
            "id.resp_p",
            "conn_state",
            "orig_bytes",
            "resp_bytes",
        ],
    ),
    (
        |f| f.unanswered,
        AnswerLabel::Malicious,
        0.55,
        "connection attempt that was never answered",
        &["conn_state", "history"],
    ),
    (
        |f| f.state == "OTH" || f.state.is_empty(),
        AnswerLabel::Abstain,
        0.2,
        "partial record without a handshake; not enough to decide",
        &["conn_state"],
    ),
];

fn heuristic(v: &PromptView) -> Verdict {
    let state = v.conn_state.as_deref().unwrap_or("");
    let facts = Facts {
        proto: v.proto.as_deref().unwrap_or(""),
        state,
        port: v.resp_p,
        bytes: v.orig_bytes.unwrap_or(0) + v.resp_bytes.unwrap_or(0),
        resp_bytes: v.resp_bytes.unwrap_or(0),
        unanswered: matches!(state, "S0" | "REJ" | "RSTOS0" | "SH" | "RSTRH" | "SHR")
            || (state.is_empty() && v.history.as_deref() == Some("S")),
        bad_checksums_only: v
            .history
            .as_deref()
            .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.eq_ignore_ascii_case(&'c'))),
    };
    RULES.iter().find(|(applies, ..)| applies(&facts)).map_or(
        (
            AnswerLabel::Benign,
            0.55,
            "no scanning, flooding or C&C pattern",
            fields(&["proto", "id.resp_p", "conn_state"]),
        ),
        |&(_, label, confidence, why, used)| (label, confidence, why, fields(used)),
    )
}

/// What the host's window (its recent flows) says about the flow.
struct Window {
    /// Share of the window's flows (the flow included) that went unanswered.
    unanswered_share: f64,
    /// Distinct addresses the host reached on the flow's own port.
    fan_out: usize,
    /// Every earlier flow went to the flow's endpoint at a near-fixed period.
    beacon: bool,
}

fn is_unanswered(state: &str) -> bool {
    matches!(state, "S0" | "REJ" | "RSTOS0" | "SH" | "RSTRH" | "SHR")
}

fn window(flow: &PromptView, context: &[ContextFlow]) -> Window {
    let states = context
        .iter()
        .map(|c| c.conn_state.as_deref().unwrap_or(""))
        .chain(std::iter::once(flow.conn_state.as_deref().unwrap_or("")));
    let unanswered = states.filter(|s| is_unanswered(s)).count();
    let fan_out: HashSet<&str> = context
        .iter()
        .filter(|c| c.resp_p == flow.resp_p)
        .filter_map(|c| c.resp_h.as_deref())
        .collect();
    let endpoints: HashSet<(Option<&str>, Option<u32>)> = context
        .iter()
        .map(|c| (c.resp_h.as_deref(), c.resp_p))
        .collect();
    let gaps: Vec<f64> = context
        .windows(2)
        .map(|w| w[1].dt - w[0].dt)
        .chain(context.last().map(|c| -c.dt))
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let spread = gaps.iter().map(|g| (g - mean).abs()).fold(0.0, f64::max);
    let one_port = endpoints.len() == 1 && endpoints.iter().all(|(_, p)| *p == flow.resp_p);
    Window {
        unanswered_share: unanswered as f64 / (context.len() + 1) as f64,
        fan_out: fan_out.len(),
        beacon: one_port && gaps.len() >= 3 && mean >= 1.0 && spread <= 0.1 * mean,
    }
}

/// Context lines a window rule cites: the indices of the lines `keep` accepts, the most recent
/// first, so the citations stay within the rubric's cap.
fn context_lines(context: &[ContextFlow], keep: impl Fn(&ContextFlow) -> bool) -> Vec<usize> {
    (0..context.len())
        .rev()
        .filter(|&i| keep(&context[i]))
        .take(CITED_CONTEXT_LINES)
        .collect()
}

/// Context lines cited per window rule, at most.
const CITED_CONTEXT_LINES: usize = 3;

/// The flow's own `flow` fields, then `field` of each context line in `lines`.
fn cited_lines(field: &str, flow: &[&str], lines: &[usize]) -> Vec<String> {
    let mut out = fields(flow);
    out.extend(lines.iter().map(|i| format!("context[{i}].{field}")));
    out
}

/// Window rules that agree with the flow itself come first; then the flow-only rules. A
/// window never overrules what the flow shows on its own (an infected host also sends
/// ordinary traffic, labelled benign).
fn heuristic_context(prompt: &str) -> Verdict {
    let view = PromptView::parse(prompt);
    let flow_only = heuristic(&view);
    let context = parse_context(prompt);
    // A flow the flow-only rules call infrastructure stays benign.
    let confident_benign = flow_only.0 == AnswerLabel::Benign && flow_only.1 >= 0.6;
    if context.len() < 3 || confident_benign {
        return flow_only;
    }
    let w = window(&view, &context);
    let flow_unanswered = is_unanswered(view.conn_state.as_deref().unwrap_or(""));
    if flow_unanswered && w.unanswered_share >= 0.8 {
        let lines = context_lines(&context, |c| {
            is_unanswered(c.conn_state.as_deref().unwrap_or(""))
        });
        return (
            AnswerLabel::Malicious,
            0.9,
            "unanswered, in a burst of unanswered connections from the same host: scanning or flooding",
            cited_lines("conn_state", &["conn_state"], &lines),
        );
    }
    if w.fan_out >= 5 {
        let lines = context_lines(&context, |c| c.resp_p == view.resp_p);
        return (
            AnswerLabel::Malicious,
            0.85,
            "the host reaches many addresses on this same port: scanning",
            cited_lines("id.resp_h", &["id.resp_p"], &lines),
        );
    }
    if w.beacon {
        let lines = context_lines(&context, |_| true);
        return (
            AnswerLabel::Malicious,
            0.75,
            "the host contacts this endpoint at a fixed period: a beacon",
            cited_lines("dt", &["id.resp_h", "id.resp_p"], &lines),
        );
    }
    flow_only
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_values_and_sentences() {
        let v = PromptView::parse("Zeek conn record: proto=tcp id.resp_p=23 conn_state=S0 history=S orig_bytes=- resp_bytes=0");
        assert_eq!(v.resp_p, Some(23));
        assert_eq!(v.conn_state.as_deref(), Some("S0"));
        assert_eq!(v.orig_bytes, None);
        let v = PromptView::parse("Device unknown-device observed tcp 43750→23, duration 3.107256, bytes ?, flags [S]. Decide: …");
        assert_eq!(v.proto.as_deref(), Some("tcp"));
        assert_eq!(v.resp_p, Some(23));
        assert_eq!(v.duration, Some(3.107256));
        assert_eq!(v.history.as_deref(), Some("S"));
    }

    #[test]
    fn the_heuristic_cites_what_its_rule_read_when_asked() {
        let user = "Zeek conn record: proto=tcp id.resp_p=23 conn_state=S0 history=S orig_bytes=0";
        let plain = BuiltinPolicy::Heuristic.complete(&[ChatMessage::user(user)]);
        let v: Value = serde_json::from_str(&plain.text).expect("json");
        assert!(v.get("evidence").is_none(), "not asked: {v}");
        let system = format!("Classify. {EVIDENCE_REQUEST} …");
        let asked = [ChatMessage::system(system), ChatMessage::user(user)];
        let v: Value =
            serde_json::from_str(&BuiltinPolicy::Heuristic.complete(&asked).text).expect("json");
        assert_eq!(v["label"], "Malicious");
        assert_eq!(
            v["evidence"],
            json!([
                {"field": "id.resp_p", "value": "23"},
                {"field": "conn_state", "value": "S0"},
                {"field": "history", "value": "S"}
            ])
        );
        let raw = serde_json::value::to_raw_value(&asked).expect("raw");
        assert_eq!(
            BuiltinPolicy::Heuristic.answer_request(&raw, user).text,
            BuiltinPolicy::Heuristic.complete(&asked).text
        );
    }

    #[test]
    fn window_rules_cite_context_lines() {
        let mut prompt = String::from(
            "Zeek conn record: proto=tcp id.resp_h=10.0.0.9 id.resp_p=23 conn_state=S0\n\nEarlier flows of the same host (10.0.0.1), at most 5 from the 60 s before this one, oldest first (4 shown):",
        );
        for i in 0..4 {
            prompt.push_str(&format!(
                "\ndt=-{}.000 proto=tcp id.resp_h=10.0.0.{i} id.resp_p=23 service=- conn_state=S0 duration=- orig_bytes=0 resp_bytes=0 orig_pkts=1 resp_pkts=0",
                4 - i
            ));
        }
        let v: Value =
            serde_json::from_str(&BuiltinPolicy::HeuristicContext.answer(&prompt, true).text)
                .expect("json");
        assert_eq!(v["confidence"], 0.9);
        let cited: Vec<&str> = v["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .filter_map(|c| c["field"].as_str())
            .collect();
        assert_eq!(
            cited,
            [
                "conn_state",
                "context[3].conn_state",
                "context[2].conn_state",
                "context[1].conn_state"
            ]
        );
    }

    #[test]
    fn heuristic_answers_json() {
        let msgs = [ChatMessage::user("proto=tcp id.resp_p=23 conn_state=S0")];
        let c = BuiltinPolicy::Heuristic.complete(&msgs);
        let v: serde_json::Value = serde_json::from_str(&c.text).expect("json");
        assert_eq!(v["label"], "Malicious");
        let msgs = [ChatMessage::user("proto=udp id.resp_p=53 conn_state=SF")];
        let v: serde_json::Value =
            serde_json::from_str(&BuiltinPolicy::Heuristic.complete(&msgs).text).expect("json");
        assert_eq!(v["label"], "Benign");
    }
}
