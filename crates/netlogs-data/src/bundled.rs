//! The real IoT-23 rows shipped with netlogs (see `fixtures/PROVENANCE.md`). They are compiled
//! into the library so `netlogs eval` works from any directory, offline.

use std::path::Path;

use crate::error::DataError;
use crate::load::{load_bytes, Loaded, SourceFormat};
use crate::record::LabeledFlow;

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

/// Every row of the bundled IoT-23 set, in file order.
pub fn bundled_iot23() -> Result<Vec<LabeledFlow>, DataError> {
    let mut parts = Vec::with_capacity(BUNDLED_IOT23.len());
    for f in BUNDLED_IOT23 {
        let path = Path::new("fixtures").join(f.name);
        if let Loaded::Flows(flows) = load_bytes(&path, f.bytes, Some(f.format), None)? {
            parts.push(flows);
        }
    }
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        all.extend(p);
    }
    Ok(all)
}
