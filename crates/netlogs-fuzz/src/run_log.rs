//! Run logs as `--resume`, `compare`, `view` and `export` read them back. The first byte picks
//! the file the rest replaces in a real stored run (`results.jsonl`, `metadata.json` or
//! `summary.json`, from `fixtures/runlogs/v1/eval-builtin`). Property: every reader gives rows
//! or an error naming the file; a results line's error names its line, and a value of the
//! wrong type names the field it sits in.

use std::path::Path;

use netlogs_runlog::{
    for_each_line, for_each_row, parse_row, Row, RowView, RunLogError, RunRecord, RESULTS_FILE,
};
use serde_json::Value;

const RUN: [(&str, &str); 3] = [
    (
        RESULTS_FILE,
        include_str!("../../../fixtures/runlogs/v1/eval-builtin/results.jsonl"),
    ),
    (
        "metadata.json",
        include_str!("../../../fixtures/runlogs/v1/eval-builtin/metadata.json"),
    ),
    (
        "summary.json",
        include_str!("../../../fixtures/runlogs/v1/eval-builtin/summary.json"),
    ),
];

pub fn check(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let dir = crate::scratch();
    let fuzzed = usize::from(kind % 3);
    for (i, (name, text)) in RUN.iter().enumerate() {
        let bytes = if i == fuzzed { body } else { text.as_bytes() };
        std::fs::write(dir.path().join(name), bytes).expect("write the run");
    }
    let results = dir.path().join(RESULTS_FILE);
    // Reports, comparisons, selections and `view` read every line leniently.
    if let Err(e) = for_each_row(&results, |_, _: RowView| Ok(())) {
        names_line_and_field(&e, &results, |line| {
            let mut de = serde_json::Deserializer::from_str(line);
            serde_path_to_error::deserialize::<_, RowView>(&mut de)
                .err()
                .map(path_of)
        });
    }
    // `--resume` reads each line as the run's own row type (borrowing from the line), as the
    // ledger does, checking its version.
    if let Err(e) = for_each_line(&results, |n, text| {
        let bad = |m: String| RunLogError::content(&results, n, m);
        let row: Row = parse_row(text).map_err(bad)?;
        row.check_version().map_err(bad)
    }) {
        names_line_and_field(&e, &results, |line| {
            let mut de = serde_json::Deserializer::from_str(line);
            serde_path_to_error::deserialize::<_, Row>(&mut de)
                .err()
                .map(path_of)
        });
    }
    // `compare` and `bench-table` read the run's metadata and summary.
    if let Err(e) = RunRecord::read(dir.path()) {
        names_a_file(&e.to_string(), dir.path());
    }
    // `export` turns the whole run into an inspect log.
    if let Err(e) = netlogs_inspect::eval_log(dir.path()) {
        names_a_file(&e.to_string(), dir.path());
    }
}

fn names_a_file(message: &str, dir: &Path) {
    assert!(
        message.contains(&dir.display().to_string()),
        "the error names the file: {message}"
    );
}

/// The field a deserialisation error sits in (`None` at the top or for a missing field,
/// which the message names itself).
fn path_of(e: serde_path_to_error::Error<serde_json::Error>) -> Option<String> {
    let path = e.path().to_string();
    (path != "." && !e.inner().to_string().starts_with("missing field")).then_some(path)
}

/// A results line's error names the file and the line; when the line is JSON of the wrong
/// shape, it names the field at fault (`field_of` finds it for the line's row type).
fn names_line_and_field(
    e: &RunLogError,
    file: &Path,
    field_of: impl Fn(&str) -> Option<Option<String>>,
) {
    let message = e.to_string();
    let RunLogError::Content { line, .. } = e else {
        panic!("a readable file's error is about its content: {message}");
    };
    assert!(*line >= 1, "a line's error names the line: {message}");
    assert!(
        message.starts_with(&format!("{}:{line}: ", file.display())),
        "the error names the file and line: {message}"
    );
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let Some(bad) = text.split_inclusive('\n').nth(line - 1) else {
        return;
    };
    if serde_json::from_str::<Value>(bad).is_err() {
        return;
    }
    if let Some(Some(path)) = field_of(bad) {
        assert!(
            message.contains(&path),
            "the error names the field `{path}`: {message}"
        );
    }
}
