//! `cargo xtask fetch-data --source stratosphere` against a stand-in of the Stratosphere site
//! on 127.0.0.1: a download that breaks mid-body resumes with `Range`, the files are checked
//! against the manifest's sizes and digests, and the dataset is capture-disjoint.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use netlogs_data::{bundled_iot23, write_zeek};

const CAPTURE_A: &str = "CTU-IoT-Malware-Capture-34-1";
const CAPTURE_B: &str = "CTU-Honeypot-Capture-4-1";

struct Site {
    files: BTreeMap<String, Vec<u8>>,
    /// The first full-body request breaks half way.
    break_first: Mutex<bool>,
    ranges: Mutex<Vec<String>>,
}

async fn file(
    State(site): State<Arc<Site>>,
    UrlPath(capture): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(bytes) = site.files.get(&capture) else {
        return (StatusCode::NOT_FOUND, "no such capture").into_response();
    };
    let len = bytes.len();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    if let Some(r) = range {
        site.ranges.lock().expect("lock").push(r.to_string());
        let start: usize = r
            .trim_start_matches("bytes=")
            .trim_end_matches('-')
            .parse()
            .unwrap_or(0);
        return (
            StatusCode::PARTIAL_CONTENT,
            [(
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{len}", len - 1),
            )],
            bytes[start..].to_vec(),
        )
            .into_response();
    }
    let mut brk = site.break_first.lock().expect("lock");
    if *brk {
        *brk = false;
        let half = Bytes::copy_from_slice(&bytes[..len / 2]);
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(half), Err(std::io::Error::other("connection reset"))];
        return Response::builder()
            .header(header::CONTENT_LENGTH, len)
            .body(Body::from_stream(futures::stream::iter(chunks)))
            .expect("response");
    }
    bytes.clone().into_response()
}

struct Server {
    base: String,
    site: Arc<Site>,
    _rt: tokio::runtime::Runtime,
}

fn serve(files: BTreeMap<String, Vec<u8>>) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let site = Arc::new(Site {
        files,
        break_first: Mutex::new(true),
        ranges: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/scenarios/{capture}/bro/conn.log.labeled", get(file))
        .with_state(site.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}/scenarios"),
        site,
        _rt: rt,
    }
}

/// Real rows: capture 34-1's log as shipped, and the honeypot rows written as a Zeek log.
fn site_files() -> BTreeMap<String, Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let a =
        std::fs::read(root.join("fixtures/iot23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled"))
            .expect("fixture");
    let honeypot: Vec<_> = bundled_iot23()
        .expect("bundled")
        .into_iter()
        .filter(|f| f.provenance.file.contains("Honeypot"))
        .collect();
    BTreeMap::from([
        (CAPTURE_A.to_string(), a),
        (CAPTURE_B.to_string(), write_zeek(&honeypot).into_bytes()),
    ])
}

fn fetch(base: &str, cache: &Path, out: &Path) -> (bool, String) {
    let o = Command::cargo_bin("xtask")
        .expect("xtask")
        .args(["fetch-data", "--source", "stratosphere", "--base-url", base])
        .args([
            "--captures",
            &format!("34-1,{CAPTURE_B}"),
            "--test-captures",
            "34-1",
        ])
        .args(["--per-capture", "500", "--cache"])
        .arg(cache)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
fn broken_download_resumes_verifies_and_builds_capture_disjoint() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cache, out) = (tmp.path().join("cache"), tmp.path().join("data"));
    let files = site_files();
    let server = serve(files.clone());

    let (ok, text) = fetch(&server.base, &cache, &out);
    assert!(!ok, "the first body breaks: {text}");
    assert!(text.contains("resume"), "{text}");
    let part = cache.join(CAPTURE_A).join("bro/conn.log.part");
    let kept = std::fs::metadata(&part).expect("part file kept").len();
    assert!(kept > 0);

    let (ok, text) = fetch(&server.base, &cache, &out);
    assert!(ok, "{text}");
    assert_eq!(
        server.site.ranges.lock().expect("lock").as_slice(),
        [format!("bytes={kept}-")],
        "the second run resumed where the first stopped"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["source"]["kind"], "stratosphere");
    for d in manifest["downloads"].as_array().expect("downloads") {
        let capture = d["capture"].as_str().expect("capture");
        let body = &files[capture];
        assert_eq!(d["bytes"], body.len());
        assert_eq!(d["sha256"], netlogs_data::sha256_hex(body));
    }
    assert_eq!(manifest["captures"][CAPTURE_A], "test");
    assert_eq!(manifest["captures"][CAPTURE_B], "train");
    let Ok(netlogs_data::Loaded::Prepared(built)) =
        netlogs_data::load_path(&out.join("iot23.parquet"), None, None)
    else {
        panic!("built dataset does not load")
    };
    for e in &built {
        let in_test = e.info.split.as_deref() == Some("test");
        assert_eq!(in_test, e.info.capture.as_deref() == Some(CAPTURE_A));
    }
    assert!(built.len() <= 1000);

    // Cached copies are used, with the site gone; a tampered copy is caught by its digest.
    drop(server);
    let (ok, text) = fetch("http://127.0.0.1:9/scenarios", &cache, &out);
    assert!(ok && text.contains("using cached"), "{text}");
    let cached = cache.join(CAPTURE_A).join("bro/conn.log.labeled");
    let mut bytes = std::fs::read(&cached).expect("cached");
    bytes[100] ^= 1;
    std::fs::write(&cached, bytes).expect("tamper");
    let (ok, text) = fetch("http://127.0.0.1:9/scenarios", &cache, &out);
    assert!(
        !ok && text.contains("sha256") && text.contains("removed"),
        "{text}"
    );
    assert!(!cached.exists());
}
