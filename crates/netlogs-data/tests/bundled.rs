//! The bundled IoT-23 set: row counts match PROVENANCE.md, and prompts never leak labels.

use std::collections::BTreeMap;

use netlogs_data::{
    bundled_iot23, prompt_digest, render_prompt, Example, IntoEnumIterator, Label, Template,
};

#[test]
fn bundled_counts_match_provenance() {
    let flows = bundled_iot23().expect("bundled data loads");
    let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &flows {
        *by_file.entry(&*f.provenance.file).or_default() += 1;
    }
    assert_eq!(
        by_file["CTU-IoT-Malware-Capture-34-1.conn.log.labeled"],
        23_145
    );
    assert_eq!(
        by_file["CTU-Honeypot-Capture-4-1_5-1_7-1.honeypot_all.csv"],
        1_956
    );
    assert_eq!(by_file["iot23_multicapture_pool_subset.csv"], 9_039);
    let fam = |name: &str| {
        flows
            .iter()
            .filter(|f| f.provenance.family.as_deref() == Some(name))
            .count()
    };
    assert_eq!(fam("DDoS"), 14_394 + 806);
    assert_eq!(fam("PartOfAHorizontalPortScan"), 122);
    assert_eq!(fam("Okiru"), 860);
    let benign = flows.iter().filter(|f| f.label == Label::Benign).count();
    assert_eq!(benign, 1_923 + 1_956 + 4_030);
    assert!(flows
        .iter()
        .filter(|f| f.provenance.file.starts_with("CTU-IoT"))
        .all(|f| f.provenance.capture.as_deref() == Some("CTU-IoT-Malware-Capture-34-1")));
}

#[test]
fn no_prompt_contains_its_label_or_family() {
    let flows = bundled_iot23().expect("bundled data loads");
    for template in Template::iter() {
        for f in &flows {
            let p = render_prompt(f, template);
            let lower = p.to_lowercase();
            assert!(
                !lower.contains("malicious") && !lower.contains("benign")
                    || template == Template::Upstream,
                "{template:?} prompt names a label: {p}"
            );
            if let Some(family) = &f.provenance.family {
                assert!(
                    !p.contains(&**family),
                    "{template:?} prompt names family {family}: {p}"
                );
            }
            if let Some(capture) = &f.provenance.capture {
                assert!(!p.contains(&**capture), "prompt names the capture: {p}");
            }
        }
    }
}

#[test]
fn example_ids_are_stable_and_distinct() {
    let flows = bundled_iot23().expect("bundled data loads");
    let a: Vec<String> = flows
        .iter()
        .take(500)
        .map(|f| Example::from_flow(f, Template::Zeek).example_id)
        .collect();
    let b: Vec<String> = flows
        .iter()
        .take(500)
        .map(|f| Example::from_flow(f, Template::LogEntry).example_id)
        .collect();
    assert_eq!(a, b, "ids do not depend on the template");
    let unique: std::collections::HashSet<_> = a.iter().collect();
    assert_eq!(unique.len(), a.len());
    // Pinned: the id of the first row of capture 34-1 must not change across versions.
    insta::assert_snapshot!(a[0].as_str(), @"d13f64abe575a875");
}

#[test]
fn prompt_snapshots() {
    let flows = bundled_iot23().expect("bundled data loads");
    // First row of each file: Zeek TSV, honeypot CSV (renamed columns), pooled CSV.
    let mut seen = std::collections::BTreeSet::new();
    let firsts: Vec<_> = flows
        .iter()
        .filter(|f| seen.insert(f.provenance.file.clone()))
        .collect();
    let mut out = String::new();
    for f in firsts {
        for t in Template::iter() {
            out.push_str(&format!(
                "[{} / {}]\n{}\n\n",
                f.provenance.file,
                t,
                render_prompt(f, t)
            ));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn compact_shows_the_decision_fields_and_its_digest_follows_its_text() {
    let flows = bundled_iot23().expect("bundled data loads");
    let names = [
        "proto",
        "service",
        "id.resp_p",
        "duration",
        "orig_bytes",
        "resp_bytes",
        "conn_state",
        "history",
        "orig_pkts",
        "resp_pkts",
    ];
    let mut by_text: BTreeMap<String, u128> = BTreeMap::new();
    for f in &flows {
        let p = render_prompt(f, Template::Compact);
        let body = p
            .strip_prefix("Flow: ")
            .expect("compact opens with `Flow: `");
        let keys: Vec<&str> = body
            .split(' ')
            .map(|kv| kv.split_once('=').expect("key=value").0)
            .collect();
        assert_eq!(keys, names, "{p}");
        let duration = body
            .split(' ')
            .find_map(|kv| kv.strip_prefix("duration="))
            .expect("duration shown");
        assert!(
            duration == "-" || duration.split_once('.').is_none_or(|(_, ms)| ms.len() <= 3),
            "duration not rounded to milliseconds: {p}"
        );
        // Rows that read the same get one digest, and rows that read differently another.
        let digest = prompt_digest(f, Template::Compact);
        assert_eq!(*by_text.entry(p).or_insert(digest), digest);
    }
    let distinct: std::collections::BTreeSet<u128> = by_text.values().copied().collect();
    assert_eq!(distinct.len(), by_text.len());
}
