//! Scoring one completion against its gold label.

use crate::answer::{parse_answer, AnswerLabel, Dialect, ParsedAnswer};
use crate::config::{Preset, RubricConfig};
use crate::grounding::{grounding, FlowFacts, Shown};
use crate::outcome::{Components, Gold, Outcome};
use crate::{legacy, proper};

/// What an answer is scored against: the gold class and, for `grounding`, the fields the
/// model was shown. A bare [`Gold`] converts into one without facts: every citation then
/// fails to match, so paths that cannot supply the flow refuse a rubric that weighs
/// grounding instead of scoring it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth<'a> {
    pub gold: Gold,
    pub flow: Option<&'a FlowFacts>,
}

impl<'a> Truth<'a> {
    pub fn new(gold: Gold, flow: &'a FlowFacts) -> Truth<'a> {
        Truth {
            gold,
            flow: Some(flow),
        }
    }
}

impl From<Gold> for Truth<'_> {
    fn from(gold: Gold) -> Self {
        Truth { gold, flow: None }
    }
}

/// The result of scoring one completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub components: Components,
    /// Σ weight × component.
    pub reward: f64,
    pub outcome: Outcome,
    /// The label that counted, if any.
    pub label: Option<AnswerLabel>,
    /// The stated confidence that counted, if any (after the preset's coercions).
    pub confidence: Option<f64>,
}

impl Score {
    /// This score after `calls` tool calls: `tool_cost` each comes off the reward (the
    /// components stay what the answer earned).
    pub fn after_tool_calls(mut self, calls: usize, cfg: &RubricConfig) -> Score {
        self.reward -= cfg.tool_cost * calls as f64;
        self
    }
}

/// Parse and score a completion's text under `cfg`.
///
/// Under `proper`, a leading reasoning block (`<think>…</think>`, as Qwen3 and DeepSeek-R1
/// style models write) is reasoning, not the answer: the answer is what follows it, and strict
/// format applies to that. An unclosed block leaves no answer. `legacy` reads the text whole,
/// as the reference does (so a draft answer inside the reasoning counts there).
pub fn score_completion<'f>(cfg: &RubricConfig, text: &str, truth: impl Into<Truth<'f>>) -> Score {
    let truth = truth.into();
    let shown = Shown {
        flow: truth.flow,
        tools: None,
    };
    score_text(cfg, text, truth.gold, shown)
}

pub(crate) fn score_text(cfg: &RubricConfig, text: &str, gold: Gold, shown: Shown) -> Score {
    score_with(cfg, &read_answer(cfg.preset, text), gold, shown)
}

/// An answer's text read as `preset` scores it: after a leading reasoning block under
/// `proper` and `grounded`, whole under `legacy`. Whoever shows an answer (an export, a
/// report) reads it here, so what it shows is what was scored.
pub fn read_answer(preset: Preset, text: &str) -> ParsedAnswer {
    match preset {
        Preset::Proper | Preset::Grounded => {
            parse_answer(after_reasoning(text).unwrap_or(""), Dialect::Strict)
        }
        Preset::Legacy => parse_answer(text, Dialect::Python),
    }
}

const THINK_OPEN: &str = "<think>";
const THINK_CLOSE: &str = "</think>";

/// The text after a leading reasoning block; the whole text when there is none; `None` when
/// the block is never closed.
pub fn after_reasoning(text: &str) -> Option<&str> {
    match text.trim_start().strip_prefix(THINK_OPEN) {
        None => Some(text),
        Some(rest) => rest
            .find(THINK_CLOSE)
            .map(|end| &rest[end + THINK_CLOSE.len()..]),
    }
}

/// Score an already parsed answer under `cfg`.
pub fn score_parsed<'f>(
    cfg: &RubricConfig,
    answer: &ParsedAnswer,
    truth: impl Into<Truth<'f>>,
) -> Score {
    let truth = truth.into();
    let shown = Shown {
        flow: truth.flow,
        tools: None,
    };
    score_with(cfg, answer, truth.gold, shown)
}

fn score_with(cfg: &RubricConfig, answer: &ParsedAnswer, gold: Gold, shown: Shown) -> Score {
    let (mut components, label, confidence) = match cfg.preset {
        Preset::Proper | Preset::Grounded => proper::components(cfg, answer, gold),
        Preset::Legacy => legacy::components(cfg, answer, gold),
    };
    if cfg.scores_grounding() {
        components.grounding = Some(grounding(cfg, answer, label, confidence, shown));
    }
    let w = cfg.weights;
    let reward = w.accuracy * components.accuracy
        + w.format * components.format
        + w.calibration * components.calibration
        + w.cost * components.cost
        + w.grounding * components.grounding.unwrap_or(0.0);
    Score {
        components,
        reward,
        outcome: outcome(label, gold),
        label,
        confidence,
    }
}

fn outcome(label: Option<AnswerLabel>, gold: Gold) -> Outcome {
    match (label, gold) {
        (None, _) => Outcome::Invalid,
        (Some(AnswerLabel::Abstain), _) => Outcome::Abstain,
        (Some(AnswerLabel::Malicious), Gold::Malicious) => Outcome::TruePositive,
        (Some(AnswerLabel::Benign), Gold::Benign) => Outcome::TrueNegative,
        (Some(AnswerLabel::Malicious), Gold::Benign) => Outcome::FalsePositive,
        (Some(AnswerLabel::Benign), Gold::Malicious) => Outcome::FalseNegative,
    }
}
