//! Offline policies. They see exactly what a remote model sees (the chat messages) and answer
//! with JSON text, so they exercise the same parsing and scoring path. The heuristic is a set
//! of honest rules over the fields a prompt shows; it never sees the gold label.

use netlogs_client::{ChatMessage, Completion};
use std::collections::HashSet;

use netlogs_data::{parse_context, ContextFlow, PromptView};
use netlogs_rubric::AnswerLabel;
use serde_json::json;

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

    /// Answer the conversation. Only the last user message is read.
    pub fn complete(self, messages: &[ChatMessage]) -> Completion {
        let prompt = messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .map_or("", |m| m.content.as_str());
        self.answer_prompt(prompt)
    }

    /// Answer a user message (the rendered flow): what [`BuiltinPolicy::complete`] reads.
    pub fn answer_prompt(self, prompt: &str) -> Completion {
        let (label, confidence, rationale) = match self {
            BuiltinPolicy::Heuristic => heuristic(&PromptView::parse(prompt)),
            BuiltinPolicy::HeuristicContext => heuristic_context(prompt),
            BuiltinPolicy::AlwaysMalicious => (AnswerLabel::Malicious, 0.5, "constant baseline"),
            BuiltinPolicy::AlwaysBenign => (AnswerLabel::Benign, 0.5, "constant baseline"),
            BuiltinPolicy::Abstain => (AnswerLabel::Abstain, 0.0, "constant baseline"),
        };
        let text =
            json!({"label": label.as_str(), "confidence": confidence, "rationale": rationale});
        Completion {
            text: text.to_string(),
            finish_reason: Some("stop".into()),
        }
    }
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

/// A rule: when it matches, the answer it gives.
type Rule = (fn(&Facts) -> bool, AnswerLabel, f64, &'static str);

/// Tried in order; the first that matches answers.
const RULES: &[Rule] = &[
    (
        |f| f.proto == "udp" && f.port_in(&BENIGN_UDP_PORTS),
        AnswerLabel::Benign,
        0.8,
        "UDP to a common infrastructure service (DNS/NTP/DHCP/mDNS/SSDP)",
    ),
    (
        |f| f.proto == "icmp",
        AnswerLabel::Benign,
        0.6,
        "ICMP control traffic",
    ),
    (
        |f| f.bad_checksums_only && f.bytes == 0,
        AnswerLabel::Malicious,
        0.75,
        "only bad-checksum packets and no payload: crafted flood traffic",
    ),
    (
        |f| f.proto == "tcp" && f.port_in(&IRC_PORTS),
        AnswerLabel::Malicious,
        0.7,
        "IRC from an IoT device, a classic botnet C&C channel",
    ),
    (
        |f| f.port_in(&TELNET_PORTS) && f.unanswered,
        AnswerLabel::Malicious,
        0.8,
        "unanswered telnet attempt, typical of Mirai-style scanning",
    ),
    (
        |f| f.port_in(&TELNET_PORTS) || f.port == Some(22),
        AnswerLabel::Malicious,
        0.6,
        "remote-login session from an IoT device, typical of brute force",
    ),
    (
        |f| f.unanswered && f.bytes == 0 && !f.port_in(&WEB_PORTS),
        AnswerLabel::Malicious,
        0.65,
        "unanswered connection to an uncommon port: scanning or flooding",
    ),
    (
        |f| f.proto == "tcp" && f.state == "SF" && f.port_in(&WEB_PORTS) && f.resp_bytes > 500,
        AnswerLabel::Benign,
        0.65,
        "completed web transfer",
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
    ),
    (
        |f| f.unanswered,
        AnswerLabel::Malicious,
        0.55,
        "connection attempt that was never answered",
    ),
    (
        |f| f.state == "OTH" || f.state.is_empty(),
        AnswerLabel::Abstain,
        0.2,
        "partial record without a handshake; not enough to decide",
    ),
];

fn heuristic(v: &PromptView) -> (AnswerLabel, f64, &'static str) {
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
        ),
        |&(_, label, confidence, why)| (label, confidence, why),
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

/// Window rules that agree with the flow itself come first; then the flow-only rules. A
/// window never overrules what the flow shows on its own (an infected host also sends
/// ordinary traffic, labelled benign).
fn heuristic_context(prompt: &str) -> (AnswerLabel, f64, &'static str) {
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
        return (
            AnswerLabel::Malicious,
            0.9,
            "unanswered, in a burst of unanswered connections from the same host: scanning or flooding",
        );
    }
    if w.fan_out >= 5 {
        return (
            AnswerLabel::Malicious,
            0.85,
            "the host reaches many addresses on this same port: scanning",
        );
    }
    if w.beacon {
        return (
            AnswerLabel::Malicious,
            0.75,
            "the host contacts this endpoint at a fixed period: a beacon",
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
