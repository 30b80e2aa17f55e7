//! Offline policies. They see exactly what a remote model sees (the chat messages) and answer
//! with JSON text, so they exercise the same parsing and scoring path. The heuristic is a set
//! of honest rules over the fields a prompt shows; it never sees the gold label.

use netlogs_client::{ChatMessage, Completion};
use netlogs_data::PromptView;
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

fn heuristic(v: &PromptView) -> (AnswerLabel, f64, &'static str) {
    let proto = v.proto.as_deref().unwrap_or("");
    let state = v.conn_state.as_deref().unwrap_or("");
    let port = v.resp_p;
    let bytes = v.orig_bytes.unwrap_or(0) + v.resp_bytes.unwrap_or(0);
    let unanswered = matches!(state, "S0" | "REJ" | "RSTOS0" | "SH" | "RSTRH" | "SHR")
        || (state.is_empty() && v.history.as_deref() == Some("S"));
    let in_set = |set: &[u32]| port.is_some_and(|p| set.contains(&p));

    if proto == "udp" && in_set(&BENIGN_UDP_PORTS) {
        return (
            AnswerLabel::Benign,
            0.8,
            "UDP to a common infrastructure service (DNS/NTP/DHCP/mDNS/SSDP)",
        );
    }
    if proto == "icmp" {
        return (AnswerLabel::Benign, 0.6, "ICMP control traffic");
    }
    let bad_checksums_only = v
        .history
        .as_deref()
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.eq_ignore_ascii_case(&'c')));
    if bad_checksums_only && bytes == 0 {
        return (
            AnswerLabel::Malicious,
            0.75,
            "only bad-checksum packets and no payload: crafted flood traffic",
        );
    }
    if proto == "tcp" && in_set(&IRC_PORTS) {
        return (
            AnswerLabel::Malicious,
            0.7,
            "IRC from an IoT device, a classic botnet C&C channel",
        );
    }
    if in_set(&TELNET_PORTS) && unanswered {
        return (
            AnswerLabel::Malicious,
            0.8,
            "unanswered telnet attempt, typical of Mirai-style scanning",
        );
    }
    if in_set(&TELNET_PORTS) || port == Some(22) {
        return (
            AnswerLabel::Malicious,
            0.6,
            "remote-login session from an IoT device, typical of brute force",
        );
    }
    if unanswered && bytes == 0 && !in_set(&WEB_PORTS) {
        return (
            AnswerLabel::Malicious,
            0.65,
            "unanswered connection to an uncommon port: scanning or flooding",
        );
    }
    if proto == "tcp" && state == "SF" && in_set(&WEB_PORTS) && v.resp_bytes.unwrap_or(0) > 500 {
        return (AnswerLabel::Benign, 0.65, "completed web transfer");
    }
    if proto == "tcp" && state == "SF" && port.is_some_and(|p| p > 1024) && bytes < 1000 {
        return (
            AnswerLabel::Malicious,
            0.6,
            "small completed exchange with a high port, C&C-like",
        );
    }
    if unanswered {
        return (
            AnswerLabel::Malicious,
            0.55,
            "connection attempt that was never answered",
        );
    }
    if state == "OTH" || state.is_empty() {
        return (
            AnswerLabel::Abstain,
            0.2,
            "partial record without a handshake; not enough to decide",
        );
    }
    (
        AnswerLabel::Benign,
        0.55,
        "no scanning, flooding or C&C pattern",
    )
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
