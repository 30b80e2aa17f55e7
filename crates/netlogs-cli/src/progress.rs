//! Progress on stderr: an indicatif bar on a terminal, plain periodic lines otherwise (logs, CI).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use netlogs_eval::ProgressSink;

const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    errors: u64,
    reward_sum: f64,
    scored: u64,
    retries: u64,
    start: Instant,
    last_line: Instant,
}

/// No bar until the run says how many rows it has ([`ProgressSink::begin`]).
impl Default for Progress {
    fn default() -> Progress {
        let now = Instant::now();
        Progress {
            bar: None,
            total: 0,
            done: 0,
            errors: 0,
            reward_sum: 0.0,
            scored: 0,
            retries: 0,
            start: now,
            last_line: now,
        }
    }
}

impl Progress {
    fn new(total: u64, already_done: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} eta {eta} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_position(already_done);
            b
        });
        Progress {
            bar,
            total,
            done: already_done,
            ..Progress::default()
        }
    }
}

impl ProgressSink for Progress {
    fn begin(&mut self, total: u64, already_done: u64) {
        *self = Progress::new(total, already_done);
    }

    fn note(&mut self, text: &str) {
        eprintln!("{text}");
    }

    /// Record one finished row: its reward, or `None` for an error row.
    fn row(&mut self, reward: Option<f64>, retries: u64) {
        self.retries = retries;
        self.done += 1;
        match reward {
            Some(r) => {
                self.reward_sum += r;
                self.scored += 1;
            }
            None => self.errors += 1,
        }
        // Messages are built only when shown: this runs once per row.
        match &self.bar {
            Some(b) => {
                b.inc(1);
                if self.done % 16 == 0 || self.done == self.total {
                    b.set_message(self.status());
                }
            }
            None if self.last_line.elapsed() >= PLAIN_EVERY => {
                self.last_line = Instant::now();
                eprintln!(
                    "[netlogs] {}/{} rows · {:.1} rows/s · {}",
                    self.done,
                    self.total,
                    self.rate(),
                    self.status()
                );
            }
            None => {}
        }
    }

    fn finish(&mut self) {
        match &self.bar {
            Some(b) => b.finish_and_clear(),
            None => eprintln!(
                "[netlogs] {}/{} rows · {:.1} rows/s · {}",
                self.done,
                self.total,
                self.rate(),
                self.status()
            ),
        }
    }
}

impl Progress {
    fn rate(&self) -> f64 {
        self.done as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }

    fn status(&self) -> String {
        let mean = if self.scored > 0 {
            format!("{:.3}", self.reward_sum / self.scored as f64)
        } else {
            "n/a".into()
        };
        format!(
            "mean reward {mean} · errors {} · retries {}",
            self.errors, self.retries
        )
    }
}
