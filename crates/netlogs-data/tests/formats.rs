//! Every supported format on real fixture rows; the malformed-file corpus; synthetic data;
//! dataset building.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use netlogs_data::{
    audit_leakage, build_dataset, bundled_iot23, load_path, parse_prepared, render_prompt,
    synthesize, write_hf_parquet, write_prepared, write_zeek, BuildOptions, Example, Field,
    IntoEnumIterator, Label, LabeledFlow, Loaded, SourceFormat, SplitRatios, SynthConfig, Template,
};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn flows(rel: &str) -> Vec<LabeledFlow> {
    match load_path(&fixture(rel), None, None).expect(rel) {
        Loaded::Flows(f) => f,
        Loaded::Prepared(_) => panic!("{rel}: expected flows"),
    }
}

const OOD: [&str; 3] = [
    "cicids2017/CICIDS2017_sample.shared_half.csv",
    "cicids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.head299.csv",
    "unsw_nb15/UNSW_NB15_testing-set_excerpt.shared_half.csv",
];

#[test]
fn formats_are_detected_from_content() {
    let cases = [
        (
            "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
            SourceFormat::Zeek,
        ),
        (
            "iot23/iot23_multicapture_pool_subset.csv",
            SourceFormat::Iot23Csv,
        ),
        (
            "iot23/CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv",
            SourceFormat::Iot23Csv,
        ),
        (OOD[0], SourceFormat::CicIds),
        (OOD[1], SourceFormat::CicIds),
        (OOD[2], SourceFormat::Unsw),
        ("golden/score_input.jsonl", SourceFormat::Prepared),
    ];
    for (rel, want) in cases {
        let bytes = std::fs::read(fixture(rel)).expect(rel);
        assert_eq!(SourceFormat::detect(&bytes), Some(want), "{rel}");
    }
}

#[test]
fn cicids_rows_map_to_flow_fields() {
    let sample = flows(OOD[0]);
    assert_eq!(sample.len(), 3_161);
    assert_eq!(
        sample.iter().filter(|f| f.label == Label::Benign).count(),
        130
    );
    let fam = |n: &str| {
        sample
            .iter()
            .filter(|f| f.provenance.family.as_deref() == Some(n))
            .count()
    };
    assert_eq!(
        (fam("WebAttack"), fam("Bot"), fam("PortScan")),
        (1_065, 949, 241)
    );
    assert!(
        !sample[0].fields.contains(Field::RespP),
        "this sample has no ports"
    );
    assert!(sample.iter().all(|f| f.record.orig_pkts.is_some()));
    let friday = flows(OOD[1]);
    assert_eq!(friday.len(), 299);
    let first = &friday[0].record;
    // `104.16.207.165,443,192.168.10.5,54865,6,…,3` (Flow Duration 3 µs).
    assert_eq!(first.orig_h.as_deref(), Some("104.16.207.165"));
    assert_eq!((first.orig_p, first.resp_p), (Some(443), Some(54865)));
    assert_eq!(first.proto.as_deref(), Some("tcp"));
    assert_eq!(first.duration, Some(3e-6), "µs became seconds");
    assert_eq!((first.orig_pkts, first.resp_pkts), (Some(2), Some(0)));
    assert_eq!(
        friday[0].provenance.capture.as_deref(),
        Some("Friday-WorkingHours-Afternoon-DDos")
    );
}

#[test]
fn unsw_rows_map_to_flow_fields() {
    let rows = flows(OOD[2]);
    assert_eq!(rows.len(), 2_277);
    assert_eq!(
        rows.iter().filter(|f| f.label == Label::Benign).count(),
        134
    );
    let exploits = rows
        .iter()
        .filter(|f| f.provenance.family.as_deref() == Some("Exploits"))
        .count();
    assert_eq!(exploits, 911);
    assert!(rows.iter().all(|f| &*f.provenance.source == "unsw_nb15"));
    assert!(rows
        .iter()
        .any(|f| f.record.conn_state.as_deref() == Some("FIN")));
}

#[test]
fn parquet_round_trips_in_both_hf_schemas() {
    let src: Vec<LabeledFlow> = bundled_iot23()
        .expect("bundled")
        .into_iter()
        .step_by(97)
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("train-00000-of-00001.parquet");
    let mut f = std::fs::File::create(&path).expect("create");
    write_hf_parquet(&src, &mut f).expect("write");
    drop(f);
    let back = match load_path(&path, None, None).expect("parquet") {
        Loaded::Flows(f) => f,
        Loaded::Prepared(_) => panic!("flows expected"),
    };
    assert_eq!(back.len(), src.len());
    for (a, b) in src.iter().zip(&back) {
        assert_eq!(a.label, b.label);
        for field in [
            Field::RespP,
            Field::Proto,
            Field::ConnState,
            Field::History,
            Field::Duration,
            Field::OrigIpBytes,
        ] {
            assert_eq!(a.record.get(field), b.record.get(field), "{field:?}");
        }
        assert!(!b.fields.contains(Field::OrigH), "no IPs in this schema");
    }

    // The minimum-columns schema, written as the HF dataset has it.
    use polars::prelude::{Column, DataFrame, ParquetWriter};
    let mut df = DataFrame::new(
        3,
        vec![
            Column::new("id.resp_p".into(), [23i64, 53, 80]),
            Column::new("proto".into(), ["tcp", "udp", "tcp"]),
            Column::new("conn_state".into(), ["S0", "SF", "OTH"]),
            Column::new("orig_pkts".into(), [3i64, 1, 0]),
            Column::new("orig_ip_bytes".into(), [180i64, 60, 0]),
            Column::new("resp_ip_bytes".into(), [0i64, 120, 0]),
            Column::new("label".into(), ["Malicious", "Benign", "Malicious"]),
        ],
    )
    .expect("frame");
    let path = dir.path().join("minimum.parquet");
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut df)
        .expect("write");
    let Loaded::Flows(min) = load_path(&path, None, None).expect("load") else {
        panic!("flows expected")
    };
    assert_eq!(min.len(), 3);
    assert_eq!(min[1].record.resp_p, Some(53));
    assert_eq!(
        render_prompt(&min[0], Template::Zeek),
        "Zeek conn record: id.resp_p=23 proto=tcp conn_state=S0 orig_pkts=3 orig_ip_bytes=180 resp_ip_bytes=0"
    );
}

#[test]
fn prepared_jsonl_round_trips() {
    let ex: Vec<Example> = bundled_iot23()
        .expect("bundled")
        .iter()
        .take(50)
        .map(|f| Example::from_flow(f, Template::Upstream))
        .collect();
    let mut buf = Vec::new();
    write_prepared(&ex, &mut buf).expect("write");
    let back = parse_prepared(Path::new("x.jsonl"), &buf).expect("read");
    assert_eq!(back.len(), ex.len());
    for (a, b) in ex.iter().zip(&back) {
        assert_eq!(
            (&a.example_id, &a.prompt, a.answer),
            (&b.example_id, &b.prompt, b.answer)
        );
        assert_eq!(a.info.family, b.info.family);
    }
}

#[test]
fn ood_prompts_never_leak_labels_or_families() {
    for rel in OOD {
        for f in flows(rel) {
            for t in [Template::Zeek, Template::LogEntry, Template::Compact] {
                let p = render_prompt(&f, t);
                let lower = p.to_lowercase();
                assert!(
                    !lower.contains("benign") && !lower.contains("malicious"),
                    "{p}"
                );
                if let Some(fam) = &f.provenance.family {
                    assert!(!p.contains(&**fam), "{fam} in {p}");
                }
            }
        }
    }
}

#[test]
fn ood_prompt_snapshots() {
    let mut out = String::new();
    for rel in OOD {
        let f = &flows(rel)[0];
        for t in Template::iter() {
            out.push_str(&format!("[{rel} / {}]\n{}\n\n", t, render_prompt(f, t)));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn malformed_corpus_errors_name_file_and_place() {
    let dir = fixture("bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("bad dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "corpus has {} files", names.len());
    let prefix = format!("{}/", dir.display());
    let mut report = String::new();
    for n in names {
        let err = load_path(&dir.join(&n), None, None)
            .expect_err(&n)
            .to_string();
        assert!(err.contains(&n), "{n}: error does not name the file: {err}");
        report.push_str(&format!("{}\n", err.replace(&prefix, "fixtures/bad/")));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn synthetic_round_trips_through_zeek_and_names_nothing() {
    let reference = bundled_iot23().expect("bundled");
    let cfg = SynthConfig {
        n: 400,
        seed: 9,
        ambiguity: 0.0,
    };
    let a = synthesize(&cfg, &reference);
    assert_eq!(a, synthesize(&cfg, &reference), "seeded");
    assert_eq!(
        a.iter().filter(|f| f.label == Label::Malicious).count(),
        200
    );
    let text = write_zeek(&a);
    for word in [
        "Malicious",
        "Benign",
        "PartOfAHorizontalPortScan",
        "DDoS",
        "C&C",
        "Attack",
    ] {
        for f in &a {
            for field in Field::ALL {
                let v = f.record.get(field).unwrap_or_default();
                assert!(!v.contains(word), "{field:?}={v} names {word}");
            }
        }
    }
    let back = netlogs_data::parse_zeek(
        Path::new("synthetic.conn.log.labeled"),
        text.as_bytes(),
        "synthetic",
        Some("synthetic-seed9"),
    )
    .expect("reads back");
    assert_eq!(back.len(), a.len());
    for (x, y) in a.iter().zip(&back) {
        assert_eq!(x.record, y.record);
        assert_eq!(x.label, y.label);
        assert_eq!(x.provenance.family, y.provenance.family);
    }
}

/// Accuracy of the majority label per (proto, port), fitted and measured on the same rows.
fn port_lookup(flows: &[LabeledFlow]) -> f64 {
    let mut m: HashMap<(Option<String>, Option<u32>), (usize, usize)> = HashMap::new();
    for f in flows {
        let c = m
            .entry((
                f.record.proto.as_deref().map(str::to_string),
                f.record.resp_p,
            ))
            .or_default();
        if f.label == Label::Benign {
            c.0 += 1
        } else {
            c.1 += 1
        }
    }
    m.values().map(|(b, x)| b.max(x)).sum::<usize>() as f64 / flows.len() as f64
}

#[test]
fn ambiguity_blends_the_classes() {
    let reference = bundled_iot23().expect("bundled");
    let clear = synthesize(
        &SynthConfig {
            n: 2000,
            seed: 1,
            ambiguity: 0.0,
        },
        &reference,
    );
    let blended = synthesize(
        &SynthConfig {
            n: 2000,
            seed: 1,
            ambiguity: 1.0,
        },
        &reference,
    );
    let (c, b) = (port_lookup(&clear), port_lookup(&blended));
    assert!(c > 0.9, "clear classes separate by port: {c}");
    assert!(b < c - 0.2, "blended classes do not: {b} vs {c}");
}

#[test]
fn build_is_capture_disjoint_deduplicated_and_flags_conflicts() {
    let mut ex: Vec<Example> = Vec::new();
    for rel in [
        "iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled",
        "iot23/iot23_multicapture_pool_subset.csv",
        OOD[0],
        OOD[2],
    ] {
        ex.extend(
            flows(rel)
                .iter()
                .map(|f| Example::from_flow(f, Template::Upstream)),
        );
    }
    // Rows with no capture at all (attribution turned off) split by row hash.
    for e in ex.iter_mut().filter(|e| e.info.file.contains("pool")) {
        e.info.capture = None;
    }
    let n = ex.len();
    let (built, report) = build_dataset(
        ex,
        &BuildOptions {
            ratios: SplitRatios::default(),
            seed: 42,
            ..BuildOptions::default()
        },
    )
    .expect("build");
    assert!(
        report.duplicates_dropped > 0,
        "the upstream template collapses many rows"
    );
    assert_eq!(report.rows_in, n);
    assert!(!report.conflicts.is_empty());
    assert!(built.iter().filter(|e| e.info.conflict).count() >= 2 * report.conflicts.len());
    let mut capture_splits: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for e in &built {
        if let Some(c) = &e.info.capture {
            capture_splits
                .entry(c.clone())
                .or_default()
                .insert(e.info.split.clone().expect("split"));
        }
    }
    assert!(
        capture_splits.values().all(|s| s.len() == 1),
        "{capture_splits:?}"
    );
    let uncaptured: Vec<&Example> = built.iter().filter(|e| e.info.capture.is_none()).collect();
    let train = uncaptured
        .iter()
        .filter(|e| e.info.split.as_deref() == Some("train"))
        .count();
    let share = train as f64 / uncaptured.len() as f64;
    assert!((0.65..0.75).contains(&share), "hash split share {share}");
    // Conflicting prompts may straddle splits by design (both labels kept); nothing else does.
    let a = audit_leakage(
        &built
            .iter()
            .filter(|e| !e.info.conflict)
            .cloned()
            .collect::<Vec<_>>(),
    );
    assert_eq!(a.prompts_shared_across_splits, 0);
}

/// gzip and tar inputs, written by the system's own tools so the test does not grade our
/// reader with our writer.
fn sh(cwd: &Path, script: &str) {
    let ok = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(cwd)
        .status()
        .expect("sh");
    assert!(ok.success(), "{script}");
}

#[test]
fn gzip_tar_and_directories_with_the_official_layout() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zeek = fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled");
    let plain = match load_path(&zeek, None, None).expect("plain") {
        Loaded::Flows(f) => f,
        Loaded::Prepared(_) => panic!("flows expected"),
    };
    // The official archive layout: the capture id sits in a folder, not the file name.
    let dir = tmp.path().join("iot23/CTU-IoT-Malware-Capture-34-1/bro");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(&zeek, dir.join("conn.log.labeled")).expect("copy");
    std::fs::write(dir.join("README.md"), "not data").expect("readme");
    sh(tmp.path(), "gzip -c iot23/CTU-IoT-Malware-Capture-34-1/bro/conn.log.labeled > one.conn.log.labeled.gz && tar -czf capture.tar.gz iot23 && tar -cf capture.tar iot23");

    let flows = |p: &Path| match load_path(p, None, None).expect("load") {
        Loaded::Flows(f) => f,
        Loaded::Prepared(_) => panic!("flows expected"),
    };
    let gz = flows(&tmp.path().join("one.conn.log.labeled.gz"));
    assert_eq!(gz.len(), plain.len());
    assert_eq!(gz[10].record, plain[10].record);
    let from_dir = flows(&tmp.path().join("iot23"));
    assert_eq!(
        from_dir.len(),
        plain.len(),
        "README skipped, data read once"
    );
    assert_eq!(
        from_dir[0].provenance.capture.as_deref(),
        Some("CTU-IoT-Malware-Capture-34-1"),
        "capture id from the folder"
    );
    for archive in ["capture.tar.gz", "capture.tar"] {
        let rows = flows(&tmp.path().join(archive));
        assert_eq!(rows.len(), plain.len(), "{archive}");
        assert_eq!(
            rows[0].provenance.capture.as_deref(),
            Some("CTU-IoT-Malware-Capture-34-1")
        );
    }
}

#[test]
fn torn_gzip_and_truncated_tar_name_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zeek = fixture("iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled");
    std::fs::copy(&zeek, tmp.path().join("a.conn.log.labeled")).expect("copy");
    sh(tmp.path(), "gzip -k a.conn.log.labeled && head -c 40000 a.conn.log.labeled.gz > torn.conn.log.labeled.gz && tar -cf whole.tar a.conn.log.labeled && head -c 700000 whole.tar > cut.tar");
    let err = load_path(&tmp.path().join("torn.conn.log.labeled.gz"), None, None)
        .expect_err("torn gzip")
        .to_string();
    assert!(
        err.contains("torn.conn.log.labeled.gz") && err.contains("gzip"),
        "{err}"
    );
    let err = load_path(&tmp.path().join("cut.tar"), None, None)
        .expect_err("truncated tar")
        .to_string();
    assert!(err.contains("cut.tar") && err.contains("tar"), "{err}");
}

#[test]
fn named_test_captures_form_the_test_split() {
    let ex: Vec<Example> = netlogs_data::bundled_iot23()
        .expect("bundled")
        .iter()
        .map(|f| Example::from_flow(f, Template::Zeek))
        .collect();
    let pool_capture = ex
        .iter()
        .find_map(|e| {
            e.info
                .capture
                .clone()
                .filter(|c| c.starts_with("192.168.1.196@"))
        })
        .expect("the pool's rows carry host-session captures");
    let named = vec!["CTU-IoT-Malware-Capture-34-1".to_string(), pool_capture];
    let opts = BuildOptions {
        seed: 3,
        test_captures: named.clone(),
        ..BuildOptions::default()
    };
    let (built, report) = build_dataset(ex.clone(), &opts).expect("build");
    for e in &built {
        let c = e
            .info
            .capture
            .clone()
            .expect("every bundled row has a capture");
        let in_test = e.info.split.as_deref() == Some("test");
        assert_eq!(in_test, named.contains(&c), "{c}");
    }
    assert!(report.captures.values().any(|s| s == "train"));
    assert!(report.captures.values().any(|s| s == "dev"));
    let bad = BuildOptions {
        test_captures: vec!["CTU-IoT-Malware-Capture-99-9".into()],
        ..BuildOptions::default()
    };
    let err = build_dataset(ex, &bad)
        .expect_err("unknown capture")
        .to_string();
    assert!(
        err.contains("CTU-IoT-Malware-Capture-99-9")
            && err.contains("CTU-IoT-Malware-Capture-34-1"),
        "{err}"
    );
}
