//! The file formats netlogs reads, and their detection from a file's first bytes.

/// The file formats netlogs reads.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::Display,
    strum::VariantNames,
    strum::EnumIter,
)]
pub enum SourceFormat {
    /// Zeek `conn.log` / IoT-23 `conn.log.labeled`.
    #[serde(rename = "zeek")]
    #[strum(serialize = "zeek")]
    Zeek,
    /// CSV/TSV export of IoT-23 conn logs (Zeek or renamed column names).
    #[serde(rename = "iot23-csv", alias = "csv")]
    #[strum(to_string = "iot23-csv", serialize = "csv")]
    Iot23Csv,
    /// Hugging Face IoT-23 parquet (`iot-23-preprocessed` or `…-minimumcolumns`).
    #[serde(rename = "parquet")]
    #[strum(serialize = "parquet")]
    Parquet,
    /// Prepared JSONL of the Python reference (`question`, `answer`, `meta`).
    #[serde(rename = "verifiers", alias = "jsonl", alias = "prepared")]
    #[strum(to_string = "verifiers", serialize = "jsonl", serialize = "prepared")]
    Prepared,
    /// CIC-IDS-2017 CICFlowMeter CSV.
    #[serde(rename = "cicids2017")]
    #[strum(serialize = "cicids2017")]
    CicIds,
    /// UNSW-NB15 partitioned CSV.
    #[serde(rename = "unsw-nb15")]
    #[strum(serialize = "unsw-nb15")]
    Unsw,
}

impl SourceFormat {
    /// Detect the format from the file's first bytes, not its name.
    pub fn detect(bytes: &[u8]) -> Option<SourceFormat> {
        if bytes.starts_with(b"PAR1") {
            return Some(SourceFormat::Parquet);
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
        let first = head.lines().find(|l| !l.trim().is_empty())?;
        if first.starts_with("#separator")
            || first.starts_with("#fields")
            || head.lines().any(|l| l.starts_with("#fields\t"))
        {
            return Some(SourceFormat::Zeek);
        }
        if first.trim_start().starts_with('{') {
            return Some(SourceFormat::Prepared);
        }
        let cols: Vec<&str> = first.split([',', '\t']).map(str::trim).collect();
        let has = |c: &str| cols.contains(&c);
        if has("Flow Duration") {
            Some(SourceFormat::CicIds)
        } else if has("attack_cat") || (has("dur") && has("sbytes")) {
            Some(SourceFormat::Unsw)
        } else if cols.len() > 3
            && (has("label") || has("conn_state") || has("id.resp_p") || has("response_port"))
        {
            Some(SourceFormat::Iot23Csv)
        } else {
            None
        }
    }
}
