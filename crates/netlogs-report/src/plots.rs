//! The report's plots, drawn with plotters' SVG backend into strings that are inlined in the
//! page (no files, no CDN): reliability, risk–coverage, confusion, reward distribution, and
//! accuracy by group with Wilson intervals.

use std::collections::BTreeMap;

use netlogs_rubric::{Outcome, ReliabilityBin};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::SampleRow;

const W: u32 = 520;
const H: u32 = 340;
const FONT: &str = "sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draw into an SVG string; a drawing error leaves a note instead of a plot.
fn svg(w: u32, h: u32, draw: impl FnOnce(&Area) -> Result<(), String>) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    match result {
        Ok(()) => out,
        Err(e) => format!("<p class=\"plot-error\">plot not drawn: {e}</p>"),
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A captioned chart with both axes numeric and described, its mesh drawn.
fn chart<'a, 'b>(
    root: &'a Area<'b>,
    caption: String,
    (x_desc, y_desc): (&str, &str),
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 16))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Bars of accuracy per confidence bin, with the diagonal and each bin's count.
pub fn reliability(bins: &[ReliabilityBin], ece: Option<f64>) -> String {
    svg(W, H, |root| {
        let caption = format!(
            "Reliability (ECE {})",
            ece.map_or("n/a".into(), |e| format!("{e:.3}"))
        );
        let mut chart = chart(
            root,
            caption,
            ("stated confidence", "accuracy"),
            0.0..1.0,
            0.0..1.1,
        )?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4)))
            .map_err(err)?;
        let shown: Vec<&ReliabilityBin> = bins.iter().filter(|b| b.n > 0).collect();
        chart
            .draw_series(shown.iter().map(|b| {
                let acc = b.accuracy.unwrap_or(0.0);
                Rectangle::new([(b.lo, 0.0), (b.hi, acc)], BLUE.mix(0.45).filled())
            }))
            .map_err(err)?;
        chart
            .draw_series(shown.iter().map(|b| {
                let acc = b.accuracy.unwrap_or(0.0);
                Text::new(format!("n={}", b.n), (b.lo + 0.005, acc + 0.05), (FONT, 10))
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// Risk (error rate) against coverage, answering the most confident rows first.
pub fn risk_coverage(rows: &[SampleRow], aurc: Option<f64>) -> String {
    let mut answered: Vec<(f64, bool)> = rows
        .iter()
        .filter(|r| matches!(r.label.as_deref(), Some("Benign" | "Malicious")))
        .map(|r| (r.confidence.unwrap_or(0.0), r.correct()))
        .collect();
    answered.sort_by(|a, b| b.0.total_cmp(&a.0));
    let m = answered.len().max(1) as f64;
    let mut wrong = 0usize;
    let points: Vec<(f64, f64)> = answered
        .iter()
        .enumerate()
        .map(|(k, (_, ok))| {
            wrong += usize::from(!ok);
            ((k + 1) as f64 / m, wrong as f64 / (k + 1) as f64)
        })
        .collect();
    svg(W, H, |root| {
        let caption = format!(
            "Risk–coverage (AURC {})",
            aurc.map_or("n/a".into(), |a| format!("{a:.3}"))
        );
        let descs = ("coverage (most confident first)", "risk (error rate)");
        let mut chart = chart(root, caption, descs, 0.0..1.0, 0.0..1.0)?;
        chart
            .draw_series(LineSeries::new(points, RED.stroke_width(2)))
            .map_err(err)?;
        Ok(())
    })
}

const PREDICTED: [&str; 4] = ["Benign", "Malicious", "Abstain", "invalid"];

/// Gold (rows) against the answer given (columns), Abstain and invalid included.
pub fn confusion(rows: &[SampleRow]) -> String {
    let mut counts = [[0usize; 4]; 2];
    for r in rows.iter().filter(|r| r.error.is_none()) {
        let gold = usize::from(r.answer.eq_ignore_ascii_case("malicious"));
        let col = match r.outcome {
            Some(Outcome::Abstain) => 2,
            Some(Outcome::Invalid) | None => 3,
            _ => usize::from(r.label.as_deref() == Some("Malicious")),
        };
        counts[gold][col] += 1;
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    svg(W, 240, |root| {
        root.draw(&Text::new(
            "Confusion (rows: gold; columns: answer)",
            (10, 8),
            (FONT, 16),
        ))
        .map_err(err)?;
        let (x0, y0, cw, ch) = (110i32, 60i32, 95i32, 70i32);
        for (c, name) in PREDICTED.iter().enumerate() {
            let x = x0 + c as i32 * cw + 10;
            root.draw(&Text::new(*name, (x, y0 - 20), (FONT, 13)))
                .map_err(err)?;
        }
        for (g, gold) in ["Benign", "Malicious"].iter().enumerate() {
            let y = y0 + g as i32 * ch;
            root.draw(&Text::new(*gold, (10, y + ch / 2 - 6), (FONT, 13)))
                .map_err(err)?;
            for (c, count) in counts[g].iter().enumerate() {
                let x = x0 + c as i32 * cw;
                let share = *count as f64 / max as f64;
                let fill = BLUE.mix(0.1 + 0.7 * share).filled();
                root.draw(&Rectangle::new([(x, y), (x + cw - 4, y + ch - 4)], fill))
                    .map_err(err)?;
                let label = count.to_string();
                root.draw(&Text::new(
                    label,
                    (x + cw / 2 - 12, y + ch / 2 - 8),
                    (FONT, 15),
                ))
                .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// How the rewards of scored rows spread.
pub fn reward_histogram(rows: &[SampleRow]) -> String {
    let rewards: Vec<f64> = rows.iter().filter_map(|r| r.reward).collect();
    let lo = rewards
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let hi = rewards
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(lo + 1.0);
    const BUCKETS: usize = 24;
    let width = (hi - lo) / BUCKETS as f64;
    let mut counts = [0usize; BUCKETS];
    for r in &rewards {
        let i = (((r - lo) / width) as usize).min(BUCKETS - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    svg(W, H, |root| {
        let caption = format!("Reward distribution ({} rows)", rewards.len());
        let mut chart = chart(root, caption, ("reward", "rows"), lo..hi, 0.0..top * 1.1)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, c)| {
                let x = lo + i as f64 * width;
                Rectangle::new(
                    [(x, 0.0), (x + width * 0.95, *c as f64)],
                    GREEN.mix(0.6).filled(),
                )
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// The Wilson 95% interval of `k` successes in `n`.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p, z) = (n as f64, k as f64 / n as f64, 1.96f64);
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Accuracy per group of scored rows, with Wilson intervals.
pub fn accuracy_by(rows: &[SampleRow], title: &str, key: fn(&SampleRow) -> Option<&str>) -> String {
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.error.is_none()) {
        let g = groups.entry(key(r).unwrap_or("-").to_string()).or_default();
        g.0 += 1;
        g.1 += usize::from(r.correct());
    }
    let groups: Vec<(String, usize, usize)> =
        groups.into_iter().map(|(k, (n, c))| (k, n, c)).collect();
    let n = groups.len().max(1);
    let names: Vec<String> = groups
        .iter()
        .map(|(k, n, _)| {
            let short: String = k.chars().take(14).collect();
            format!("{short} ({n})")
        })
        .collect();
    let width = (W as usize).max(110 * n) as u32;
    svg(width, H, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(45)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..1.05f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("accuracy (95% Wilson CI)")
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    names.get(*i).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(groups.iter().enumerate().map(|(i, (_, n, c))| {
                let acc = *c as f64 / (*n).max(1) as f64;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), acc),
                    ],
                    BLUE.mix(0.45).filled(),
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(groups.iter().enumerate().map(|(i, (_, n, c))| {
                let (lo, hi) = wilson(*c, *n);
                let acc = *c as f64 / (*n).max(1) as f64;
                ErrorBar::new_vertical(SegmentValue::CenterOf(i), lo, acc, hi, BLACK.filled(), 10)
            }))
            .map_err(err)?;
        Ok(())
    })
}
