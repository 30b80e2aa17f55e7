//! Fixed answers scored on a fixed flow: what the audit, the best constant policy and the
//! perfect policy earn, computed by the same code that scores models.

use crate::answer::AnswerLabel;
use crate::config::RubricConfig;
use crate::grounding::FlowFacts;
use crate::outcome::{Components, Gold};
use crate::score::{score_completion, Truth};

/// An answer, with `evidence` citing `cites` when given.
pub(crate) fn answer_citing(
    label: Option<AnswerLabel>,
    conf: f64,
    cites: Option<&[(&str, &str)]>,
) -> String {
    let Some(l) = label else {
        return "I cannot classify this flow.".to_string();
    };
    let evidence = cites.map_or_else(String::new, |c| {
        let items: Vec<String> = c
            .iter()
            .map(|(f, v)| format!(r#"{{"field":"{f}","value":"{v}"}}"#))
            .collect();
        format!(r#","evidence":[{}]"#, items.join(","))
    });
    format!(
        r#"{{"label":"{}","confidence":{conf}{evidence}}}"#,
        l.as_str()
    )
}

/// The flow the audit's answers cite: a telnet scan attempt as a Zeek conn record shows it.
pub(crate) const AUDIT_FLOW: [(&str, &str); 14] = [
    ("ts", "1545404476.0"),
    ("id.orig_h", "192.168.1.195"),
    ("id.orig_p", "43750"),
    ("id.resp_h", "41.77.133.12"),
    ("id.resp_p", "23"),
    ("proto", "tcp"),
    ("service", "-"),
    ("duration", "3.107256"),
    ("orig_bytes", "0"),
    ("resp_bytes", "0"),
    ("conn_state", "S0"),
    ("history", "S"),
    ("orig_pkts", "3"),
    ("resp_pkts", "0"),
];

/// The fields a verdict on [`AUDIT_FLOW`] rests on.
pub(crate) const RIGHT_FIELDS: [(&str, &str); 2] = [("id.resp_p", "23"), ("conn_state", "S0")];

pub(crate) struct Scorer<'a> {
    pub(crate) cfg: &'a RubricConfig,
    flow: FlowFacts,
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(cfg: &'a RubricConfig) -> Scorer<'a> {
        Scorer {
            cfg,
            flow: AUDIT_FLOW.into_iter().collect(),
        }
    }

    /// Score an answer. Under a rubric that weighs `grounding`, the answer cites the right
    /// fields, so the tables describe a policy that cites as asked.
    pub(crate) fn score(
        &self,
        label: Option<AnswerLabel>,
        conf: f64,
        gold: Gold,
    ) -> (f64, Components) {
        let cites = self.cfg.scores_grounding().then_some(&RIGHT_FIELDS[..]);
        self.score_citing(label, conf, gold, cites)
    }

    pub(crate) fn score_citing(
        &self,
        label: Option<AnswerLabel>,
        conf: f64,
        gold: Gold,
        cites: Option<&[(&str, &str)]>,
    ) -> (f64, Components) {
        let text = answer_citing(label, conf, cites);
        let s = score_completion(self.cfg, &text, Truth::new(gold, &self.flow));
        (s.reward, s.components)
    }

    /// Expected reward at P(malicious) = p.
    pub(crate) fn expected(&self, label: Option<AnswerLabel>, conf: f64, p: f64) -> f64 {
        p * self.score(label, conf, Gold::Malicious).0
            + (1.0 - p) * self.score(label, conf, Gold::Benign).0
    }

    pub(crate) fn expected_calibration(&self, label: AnswerLabel, conf: f64, p: f64) -> f64 {
        p * self.score(Some(label), conf, Gold::Malicious).1.calibration
            + (1.0 - p) * self.score(Some(label), conf, Gold::Benign).1.calibration
    }

    /// The best action at p, each action stated with its honest confidence.
    pub(crate) fn best_at(&self, p: f64) -> (AnswerLabel, f64, f64) {
        [
            (AnswerLabel::Benign, 1.0 - p),
            (AnswerLabel::Malicious, p),
            (AnswerLabel::Abstain, 0.0),
        ]
        .into_iter()
        .map(|(l, c)| (l, c, self.expected(Some(l), c, p)))
        .fold(
            None,
            |best: Option<(AnswerLabel, f64, f64)>, cur| match best {
                Some(b) if b.2 >= cur.2 => Some(b),
                _ => Some(cur),
            },
        )
        .unwrap_or((AnswerLabel::Abstain, 0.0, 0.0))
    }
}

pub(crate) fn grid(steps: usize) -> impl Iterator<Item = f64> {
    (0..=steps).map(move |i| i as f64 / steps as f64)
}
