//! How a run reports to its caller while it works: rows as they finish, and notes for the
//! user (which dataset, which cache). The engine prints nothing itself; the CLI draws a bar,
//! the Python package and the server stay quiet.

pub trait ProgressSink: Send {
    /// The run has `total` rows, `already_done` of them stored by an earlier session.
    fn begin(&mut self, total: u64, already_done: u64) {
        let _ = (total, already_done);
    }

    /// One row finished: its reward, or `None` for an error row; `retries` so far.
    fn row(&mut self, reward: Option<f64>, retries: u64) {
        let _ = (reward, retries);
    }

    /// Every row is in.
    fn finish(&mut self) {}

    /// Something the user should know.
    fn note(&mut self, text: &str) {
        let _ = text;
    }
}

/// Reports nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl ProgressSink for Silent {}
