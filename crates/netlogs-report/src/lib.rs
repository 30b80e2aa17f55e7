//! netlogs-report: what people look at. `report.html` (self-contained: inline SVG plots drawn
//! with plotters, CSS and JS, a paginated per-sample table with filters and search), the HTML
//! of a run comparison (rows paired by example and rollout), report.md and the terminal
//! summary, and `netlogs view`, a local server listing runs. It reads runs through the run-log crate alone, never the engine.

mod compare;
mod data;
mod error;
mod facts;
mod html;
mod pairing;
mod plots;
mod text;
pub mod view;

pub use compare::{render_compare, render_compare_markdown};
pub use data::{ReportData, SampleRow};
pub use error::ReportError;
pub use facts::{dataset_fact, skill_fact, status_fact, truncation_fact};
pub use html::{payload, render_report, write_html_report, REPORT_FILE};
pub use pairing::{compare_runs, Flip, GroupDelta, RunComparison, RunName};
pub use plots::wilson;
pub use text::{render_markdown, run_lines, terminal_summary, write_reports};
