//! The features `builtin:learned` reads: fields of the flow its prompt shows (as
//! `netlogs_data::shown_fields` reads them back), never an id, label, family or capture.
//! Addresses count only as private or public, so the model cannot learn a capture's hosts.
//! A field the prompt does not show is missing (NaN), which the trees handle.

use std::net::IpAddr;

use netlogs_data::shown_fields;

/// Numeric fields, as shown.
const NUMERIC: [&str; 10] = [
    "id.orig_p",
    "id.resp_p",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "missed_bytes",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
];

const PROTOS: [&str; 3] = ["tcp", "udp", "icmp"];
const SERVICES: [&str; 8] = ["dns", "http", "ssl", "ssh", "dhcp", "irc", "ftp", "ntp"];
/// Zeek's connection states.
const STATES: [&str; 13] = [
    "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
];
/// Zeek history letters (upper case: the originator; lower case: the responder).
const HISTORY: &str = "ShADadFfRrTtWwIiQq^";

/// The names of the features, in the order [`features`] gives them (stored in the model so a
/// model file names what it reads).
pub fn feature_names() -> Vec<String> {
    let mut names: Vec<String> = NUMERIC.iter().map(|s| s.to_string()).collect();
    names.extend(PROTOS.iter().map(|p| format!("proto={p}")));
    names.extend(SERVICES.iter().map(|s| format!("service={s}")));
    names.push("service=-".into());
    names.extend(STATES.iter().map(|s| format!("conn_state={s}")));
    names.extend(HISTORY.chars().map(|c| format!("history∋{c}")));
    names.push("history.len".into());
    names.push("id.orig_h.private".into());
    names.push("id.resp_h.private".into());
    names
}

/// One prompt's features.
pub fn features(prompt: &str) -> Vec<f64> {
    let shown = shown_fields(prompt);
    let get = |k: &str| {
        shown
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    let num = |k: &str| {
        get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let flag = |present: bool| if present { 1.0 } else { 0.0 };
    let one_hot = |k: &str, values: &[&str]| -> Vec<f64> {
        let v = get(k);
        values
            .iter()
            .map(|x| match v {
                Some(v) => flag(v.eq_ignore_ascii_case(x)),
                None => f64::NAN,
            })
            .collect()
    };
    let mut out: Vec<f64> = NUMERIC.iter().map(|k| num(k)).collect();
    out.extend(one_hot("proto", &PROTOS));
    out.extend(one_hot("service", &SERVICES));
    out.push(match get("service") {
        Some(s) => flag(s == "-"),
        None => f64::NAN,
    });
    out.extend(one_hot("conn_state", &STATES));
    let history = get("history").filter(|h| *h != "-");
    out.extend(HISTORY.chars().map(|c| match history {
        Some(h) => flag(h.contains(c)),
        None => f64::NAN,
    }));
    out.push(history.map_or(f64::NAN, |h| h.len() as f64));
    for k in ["id.orig_h", "id.resp_h"] {
        out.push(match get(k).and_then(|h| h.parse::<IpAddr>().ok()) {
            Some(ip) => flag(is_private(&ip)),
            None => f64::NAN,
        });
    }
    out
}

fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_unique_local() || v6.is_unicast_link_local() || v6.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zeek_prompt_reads_into_every_feature_and_nothing_else() {
        let prompt = "ts=1545466962.8 id.orig_h=192.168.1.195 id.orig_p=43750 id.resp_h=185.244.25.235 id.resp_p=23 proto=tcp service=- duration=3.1 orig_bytes=0 resp_bytes=0 conn_state=S0 history=S orig_pkts=3 orig_ip_bytes=180 resp_pkts=0 resp_ip_bytes=0";
        let f = features(prompt);
        let names = feature_names();
        assert_eq!(f.len(), names.len());
        let at = |n: &str| f[names.iter().position(|x| x == n).expect(n)];
        assert_eq!(at("id.resp_p"), 23.0);
        assert_eq!(at("proto=tcp"), 1.0);
        assert_eq!(at("proto=udp"), 0.0);
        assert_eq!(at("conn_state=S0"), 1.0);
        assert_eq!(at("service=-"), 1.0);
        assert_eq!(at("history∋S"), 1.0);
        assert_eq!(at("history∋h"), 0.0);
        assert_eq!(at("id.orig_h.private"), 1.0);
        assert_eq!(at("id.resp_h.private"), 0.0);
        assert!(at("missed_bytes").is_nan(), "not shown: missing");
    }
}
