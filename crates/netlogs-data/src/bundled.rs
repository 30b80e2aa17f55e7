//! The real IoT-23 rows shipped with netlogs (see `fixtures/PROVENANCE.md`). They are compiled
//! into the library so `netlogs eval` works from any directory, offline.

use std::path::Path;

use crate::capture::{capture_of_file, Attribution, CaptureFrom};
use crate::error::DataError;
use crate::format::SourceFormat;
use crate::load::load_bytes;
use crate::parse::Loaded;
use crate::record::LabeledFlow;
use crate::zeek::parse_zeek_into;

/// One bundled data file.
#[derive(Debug, Clone, Copy)]
pub struct BundledFile {
    /// Path relative to the workspace's `fixtures/` folder.
    pub name: &'static str,
    pub format: SourceFormat,
    pub bytes: &'static [u8],
}

/// The bundled IoT-23 set: capture 34-1 (Mirai: C&C, DDoS, port scan, benign), the three
/// benign honeypot captures, and a pooled multi-capture sample with more families.
pub const BUNDLED_IOT23: [BundledFile; 3] = [
    BundledFile {
        name: "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
        format: SourceFormat::Zeek,
        bytes: include_bytes!(
            "../../../fixtures/iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled"
        ),
    },
    BundledFile {
        name: "iot23/CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv",
        format: SourceFormat::Iot23Csv,
        bytes: include_bytes!(
            "../../../fixtures/iot23/CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv"
        ),
    },
    BundledFile {
        name: "iot23/iot23_multicapture_pool_subset.csv",
        format: SourceFormat::Iot23Csv,
        bytes: include_bytes!("../../../fixtures/iot23/iot23_multicapture_pool_subset.csv"),
    },
];

/// Every row of the bundled IoT-23 set, in file order. It is read on every default `netlogs
/// eval`, so start-up matters: the CSV files parse on a second thread while the Zeek log (most
/// of the rows) parses straight into the result, sized once for every file, so no second copy
/// of the rows is ever held. Rows without a capture id get one by [`CaptureFrom::Auto`].
pub fn bundled_iot23() -> Result<Vec<LabeledFlow>, DataError> {
    let [zeek, csvs @ ..] = &BUNDLED_IOT23;
    let lines = |f: &BundledFile| memchr::memchr_iter(b'\n', f.bytes).count() + 1;
    let capacity = lines(zeek) + csvs.iter().map(lines).sum::<usize>();
    std::thread::scope(|scope| {
        let others = scope.spawn(|| {
            csvs.iter()
                .map(parse_bundled)
                .collect::<Result<Vec<_>, DataError>>()
        });
        let mut all = Vec::with_capacity(capacity);
        let path = Path::new("fixtures").join(zeek.name);
        let capture = capture_of_file(&path, zeek.format, CaptureFrom::Path);
        parse_zeek_into(&path, zeek.bytes, "iot23", capture.as_deref(), &mut all)?;
        let others = others.join().unwrap_or_else(|_| Ok(Vec::new()))?;
        for part in others {
            all.extend(part);
        }
        // The pooled file has no capture column: its rows get host-session captures.
        let mut attribution = Attribution::new(CaptureFrom::Auto);
        for f in &mut all {
            attribution.attribute(f);
        }
        Ok(all)
    })
}

fn parse_bundled(f: &BundledFile) -> Result<Vec<LabeledFlow>, DataError> {
    let path = Path::new("fixtures").join(f.name);
    match load_bytes(&path, f.bytes, Some(f.format), None)? {
        Loaded::Flows(flows) => Ok(flows),
        Loaded::Prepared(_) => Ok(Vec::new()),
    }
}
