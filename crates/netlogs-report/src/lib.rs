//! netlogs-report: what people look at. `report.html` (self-contained: inline SVG plots drawn
//! with plotters, CSS and JS, a paginated per-sample table with filters and search), the HTML
//! of a run comparison, and `netlogs view`, a local server listing runs.

mod compare;
mod data;
mod facts;
mod html;
mod plots;
pub mod view;

pub use compare::{render_compare, render_compare_markdown};
pub use data::{ReportData, SampleRow};
pub use facts::{dataset_fact, truncation_fact};
pub use html::{payload, render_report, write_report, REPORT_FILE};
pub use plots::wilson;
