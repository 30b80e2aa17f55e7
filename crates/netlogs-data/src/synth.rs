//! Seeded synthetic flows, a fallback and a test tool (never the headline). The generator emits
//! `FlowRecord`s, not text. Durations, bytes, packets, conn_state and history are drawn from
//! real reference rows of a matching kind (the bundled IoT-23 set); hosts, ports, uids and
//! times are fresh. No field value names the label or the family.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::field::FieldSet;
use crate::record::{FlowRecord, Label, LabeledFlow, Provenance};

/// The families the generator draws from, mirroring IoT-23.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthFamily {
    Dns,
    Ntp,
    Https,
    Http,
    LocalDiscovery,
    PortScan,
    TelnetBruteForce,
    CncHeartbeat,
    DdosFlood,
    FileDownload,
}

const BENIGN: [SynthFamily; 5] = [
    SynthFamily::Dns,
    SynthFamily::Ntp,
    SynthFamily::Https,
    SynthFamily::Http,
    SynthFamily::LocalDiscovery,
];
const MALICIOUS: [SynthFamily; 5] = [
    SynthFamily::PortScan,
    SynthFamily::TelnetBruteForce,
    SynthFamily::CncHeartbeat,
    SynthFamily::DdosFlood,
    SynthFamily::FileDownload,
];

impl SynthFamily {
    /// The IoT-23 detailed label this family stands for (provenance only).
    pub fn detailed_label(self) -> Option<&'static str> {
        match self {
            SynthFamily::PortScan => Some("PartOfAHorizontalPortScan"),
            SynthFamily::TelnetBruteForce => Some("Attack"),
            SynthFamily::CncHeartbeat => Some("C&C-HeartBeat"),
            SynthFamily::DdosFlood => Some("DDoS"),
            SynthFamily::FileDownload => Some("C&C-FileDownload"),
            _ => None,
        }
    }

    fn proto_and_ports(self) -> (&'static str, &'static [u32], Option<&'static str>) {
        match self {
            SynthFamily::Dns => ("udp", &[53], Some("dns")),
            SynthFamily::Ntp => ("udp", &[123], None),
            SynthFamily::Https => ("tcp", &[443], Some("ssl")),
            SynthFamily::Http => ("tcp", &[80], Some("http")),
            SynthFamily::LocalDiscovery => ("udp", &[5353, 1900], None),
            SynthFamily::PortScan => ("tcp", &[23, 2323, 8080], None),
            SynthFamily::TelnetBruteForce => ("tcp", &[23, 2323], None),
            SynthFamily::CncHeartbeat => ("tcp", &[6667, 4554, 8443, 1337], None),
            SynthFamily::DdosFlood => ("tcp", &[80, 443, 52869], None),
            SynthFamily::FileDownload => ("tcp", &[8081, 8000, 81], Some("http")),
        }
    }

    /// Real rows this family resembles.
    fn matches(self, f: &LabeledFlow) -> bool {
        let r = &f.record;
        let fam = f.provenance.family.as_deref().unwrap_or("");
        let benign_on = |proto: &str, ports: &[u32]| {
            f.label == Label::Benign
                && r.proto.as_deref() == Some(proto)
                && r.resp_p.is_some_and(|p| ports.contains(&p))
        };
        match self {
            SynthFamily::Dns => benign_on("udp", &[53]),
            SynthFamily::Ntp => benign_on("udp", &[123]),
            SynthFamily::Https => benign_on("tcp", &[443]),
            SynthFamily::Http => benign_on("tcp", &[80]),
            SynthFamily::LocalDiscovery => benign_on("udp", &[5353, 1900]),
            SynthFamily::PortScan => fam == "PartOfAHorizontalPortScan",
            SynthFamily::TelnetBruteForce => fam == "Attack" || fam == "Okiru",
            SynthFamily::CncHeartbeat => fam.starts_with("C&C-HeartBeat") || fam == "C&C",
            SynthFamily::DdosFlood => fam == "DDoS",
            SynthFamily::FileDownload => fam == "C&C-FileDownload",
        }
    }

    /// The shape used when the reference has no matching row.
    fn fallback(self) -> Fallback {
        let fb = |duration, orig_bytes, resp_bytes, orig_pkts, conn_state, history| Fallback {
            duration,
            orig_bytes,
            resp_bytes,
            orig_pkts,
            conn_state,
            history,
        };
        match self {
            SynthFamily::Dns => fb((0.0, 0.1), (30, 80), (50, 300), (1, 2), "SF", "Dd"),
            SynthFamily::Ntp => fb((0.0, 0.2), (48, 48), (48, 48), (1, 1), "SF", "Dd"),
            SynthFamily::Https => fb(
                (0.2, 30.0),
                (500, 5000),
                (2000, 80000),
                (8, 60),
                "SF",
                "ShADadFf",
            ),
            SynthFamily::Http => fb(
                (0.1, 5.0),
                (100, 600),
                (500, 130000),
                (5, 100),
                "SF",
                "ShADadfF",
            ),
            SynthFamily::LocalDiscovery => fb((0.0, 1.0), (40, 400), (0, 0), (1, 4), "S0", "D"),
            SynthFamily::PortScan => fb((0.0, 3.2), (0, 0), (0, 0), (1, 3), "S0", "S"),
            SynthFamily::TelnetBruteForce => {
                fb((1.0, 30.0), (50, 400), (50, 400), (5, 30), "SF", "ShADadFf")
            }
            SynthFamily::CncHeartbeat => fb((0.0, 2.0), (0, 64), (0, 64), (1, 4), "REJ", "Sr"),
            SynthFamily::DdosFlood => fb((0.0, 0.0), (0, 0), (0, 0), (0, 0), "OTH", "C"),
            SynthFamily::FileDownload => fb(
                (0.5, 10.0),
                (100, 300),
                (20000, 200000),
                (10, 80),
                "SF",
                "ShADadFf",
            ),
        }
    }
}

/// Ranges for a family without reference rows.
struct Fallback {
    duration: (f64, f64),
    orig_bytes: (u64, u64),
    resp_bytes: (u64, u64),
    orig_pkts: (u64, u64),
    conn_state: &'static str,
    history: &'static str,
}

/// Generator settings.
#[derive(Debug, Clone, Copy)]
pub struct SynthConfig {
    pub n: usize,
    pub seed: u64,
    /// 0: each class keeps its own families' shapes; 1: shapes are independent of the label.
    pub ambiguity: f64,
}

fn jitter(rng: &mut ChaCha8Rng, v: Option<u64>) -> Option<u64> {
    v.map(|x| ((x as f64) * rng.random_range(0.8..1.25)).round() as u64)
}

fn uid(rng: &mut ChaCha8Rng) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::from("C");
    for _ in 0..17 {
        s.push(A[rng.random_range(0..A.len())] as char);
    }
    s
}

fn shape(rng: &mut ChaCha8Rng, family: SynthFamily, pools: &[Vec<&LabeledFlow>]) -> FlowRecord {
    let idx = BENIGN
        .iter()
        .chain(MALICIOUS.iter())
        .position(|f| *f == family)
        .unwrap_or(0);
    let mut r = FlowRecord::default();
    if let Some(real) = pools[idx].choose(rng) {
        let s = &real.record;
        r.duration = s.duration.map(|d| d * rng.random_range(0.8..1.25));
        r.orig_bytes = jitter(rng, s.orig_bytes);
        r.resp_bytes = jitter(rng, s.resp_bytes);
        r.orig_pkts = s.orig_pkts;
        r.resp_pkts = s.resp_pkts;
        r.orig_ip_bytes = s.orig_ip_bytes;
        r.resp_ip_bytes = s.resp_ip_bytes;
        r.conn_state = s.conn_state.clone();
        r.history = s.history.clone();
        r.missed_bytes = s.missed_bytes;
    } else {
        let Fallback {
            duration: d,
            orig_bytes: ob,
            resp_bytes: rb,
            orig_pkts: op,
            conn_state: state,
            history,
        } = family.fallback();
        r.duration = (d.1 > 0.0).then(|| rng.random_range(d.0..=d.1));
        r.orig_bytes = Some(rng.random_range(ob.0..=ob.1));
        r.resp_bytes = Some(rng.random_range(rb.0..=rb.1));
        r.orig_pkts = Some(rng.random_range(op.0..=op.1));
        r.resp_pkts = Some(if rb.1 > 0 {
            rng.random_range(1..=op.1.max(1))
        } else {
            0
        });
        r.orig_ip_bytes = r.orig_bytes.zip(r.orig_pkts).map(|(b, p)| b + 40 * p);
        r.resp_ip_bytes = r.resp_bytes.zip(r.resp_pkts).map(|(b, p)| b + 40 * p);
        r.conn_state = Some(state.into());
        r.history = Some(history.into());
        r.missed_bytes = Some(0);
    }
    let (proto, ports, service) = family.proto_and_ports();
    r.proto = Some(proto.into());
    r.resp_p = ports.choose(rng).copied();
    r.service = service.map(Into::into);
    r
}

/// Generate `cfg.n` labelled flows, half of each class. `reference` supplies the real shapes.
pub fn synthesize(cfg: &SynthConfig, reference: &[LabeledFlow]) -> Vec<LabeledFlow> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let pools: Vec<Vec<&LabeledFlow>> = BENIGN
        .iter()
        .chain(MALICIOUS.iter())
        .map(|fam| reference.iter().filter(|f| fam.matches(f)).collect())
        .collect();
    let ambiguity = cfg.ambiguity.clamp(0.0, 1.0);
    let mut ts = 1_600_000_000.0 + (cfg.seed % 1000) as f64 * 86_400.0;
    let capture = format!("synthetic-seed{}", cfg.seed);
    let origin = Provenance::of_file(
        "synthetic",
        Some(&capture),
        std::path::Path::new("synthetic"),
    );
    (0..cfg.n)
        .map(|i| {
            let label = if i % 2 == 0 {
                Label::Benign
            } else {
                Label::Malicious
            };
            let own: &[SynthFamily] = if label == Label::Benign {
                &BENIGN
            } else {
                &MALICIOUS
            };
            let other: &[SynthFamily] = if label == Label::Benign {
                &MALICIOUS
            } else {
                &BENIGN
            };
            let family = *own.choose(&mut rng).unwrap_or(&own[0]);
            let looks_like = if rng.random_bool(ambiguity * 0.5) {
                *other.choose(&mut rng).unwrap_or(&other[0])
            } else {
                family
            };
            let mut r = shape(&mut rng, looks_like, &pools);
            ts += rng.random_range(0.01..30.0);
            r.ts = Some((ts * 1e6).round() / 1e6);
            r.uid = Some(uid(&mut rng).into());
            r.orig_h = Some(format!("192.168.1.{}", rng.random_range(2..250)).into());
            r.orig_p = Some(rng.random_range(1024..65535));
            r.resp_h = Some(match looks_like {
                SynthFamily::LocalDiscovery => "224.0.0.251".into(),
                _ => format!(
                    "{}.{}.{}.{}",
                    rng.random_range(11..223),
                    rng.random_range(0..255),
                    rng.random_range(0..255),
                    rng.random_range(1..254)
                )
                .into(),
            });
            LabeledFlow {
                record: r,
                fields: FieldSet::all(),
                label,
                provenance: origin.with_family(family.detailed_label().map(str::to_string)),
            }
        })
        .collect()
}
