//! `cargo xtask fetch-data` against a hub stand-in on 127.0.0.1 (HF_ENDPOINT): the real hf-hub
//! code path, with success, cache hit, 401, 404 and a truncated body.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use assert_cmd::Command;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use netlogs_data::{bundled_iot23, write_hf_parquet};

const REPO: &str = "19kmunz/iot-23-preprocessed";
const FILE: &str = "data/train-00000-of-00001-ad1ef30cd88c8d29.parquet";
const TOKEN: &str = "hf_test_LEAKCHECK_token";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Ok,
    Unauthorized,
    NotFound,
    /// Serves fewer bytes than the size it announced (a consistent, short body).
    Truncated,
}

struct Hub {
    file: Vec<u8>,
    mode: Mode,
    requests: AtomicUsize,
}

async fn resolve(
    State(hub): State<Arc<Hub>>,
    UrlPath((owner, name, _rev, path)): UrlPath<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    hub.requests.fetch_add(1, Ordering::SeqCst);
    match hub.mode {
        Mode::Unauthorized => {
            return (StatusCode::UNAUTHORIZED, "Invalid credentials").into_response()
        }
        Mode::NotFound => return (StatusCode::NOT_FOUND, "Entry not found").into_response(),
        _ => {}
    }
    if format!("{owner}/{name}") != REPO || path != FILE {
        return (StatusCode::NOT_FOUND, "Entry not found").into_response();
    }
    let len = hub.file.len();
    let (start, stop) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
        .unwrap_or((0, len - 1));
    let stop = stop.min(len - 1);
    let mut body = hub.file[start..=stop].to_vec();
    if hub.mode == Mode::Truncated && stop > 0 {
        body.truncate(body.len() / 2);
    }
    let digest = netlogs_data::sha256_hex(&hub.file);
    (
        StatusCode::PARTIAL_CONTENT,
        [
            (header::ETAG, format!("\"{digest}\"")),
            (
                header::HeaderName::from_static("x-repo-commit"),
                "0123456789abcdef0123456789abcdef01234567".to_string(),
            ),
            (header::CONTENT_RANGE, format!("bytes {start}-{stop}/{len}")),
        ],
        body,
    )
        .into_response()
}

struct Server {
    addr: SocketAddr,
    hub: Arc<Hub>,
    _rt: tokio::runtime::Runtime,
}

fn serve(mode: Mode, file: Vec<u8>) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Arc::new(Hub {
        file,
        mode,
        requests: AtomicUsize::new(0),
    });
    let app = Router::new()
        .route(
            "/datasets/{owner}/{name}/resolve/{rev}/{*path}",
            get(resolve),
        )
        .with_state(hub.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server { addr, hub, _rt: rt }
}

fn parquet_bytes() -> Vec<u8> {
    let flows: Vec<_> = bundled_iot23()
        .expect("bundled")
        .into_iter()
        .step_by(50)
        .collect();
    let mut out = Vec::new();
    write_hf_parquet(&flows, &mut out).expect("parquet");
    out
}

fn fetch(endpoint: &str, hf_home: &Path, out: &Path, token: Option<&str>) -> std::process::Output {
    let mut c = Command::cargo_bin("xtask").expect("xtask binary");
    c.args(["fetch-data", "--out"])
        .arg(out)
        .env("HF_ENDPOINT", endpoint)
        .env("HF_HOME", hf_home)
        .env_remove("HF_TOKEN");
    if let Some(t) = token {
        c.env("HF_TOKEN", t);
    }
    c.output().expect("run")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn snapshot_file(hf_home: &Path) -> PathBuf {
    hf_home
        .join("hub/datasets--19kmunz--iot-23-preprocessed/snapshots/0123456789abcdef0123456789abcdef01234567")
        .join(FILE)
}

#[test]
fn download_verify_build_then_cache_hit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (hf_home, out) = (tmp.path().join("hf"), tmp.path().join("data"));
    let file = parquet_bytes();
    let server = serve(Mode::Ok, file.clone());
    let endpoint = format!("http://{}", server.addr);
    let o = fetch(&endpoint, &hf_home, &out, Some(TOKEN));
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("LEAKCHECK"));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["sha256"], netlogs_data::sha256_hex(&file));
    assert_eq!(manifest["source"]["repo"], REPO);
    let splits = manifest["splits"].as_object().expect("splits");
    assert!(
        splits.contains_key("train") && splits.contains_key("test"),
        "{splits:?}"
    );
    let Ok(netlogs_data::Loaded::Prepared(built)) =
        netlogs_data::load_path(&out.join("iot23.parquet"), None, None)
    else {
        panic!("built dataset does not load")
    };
    assert_eq!(built.len() as u64, manifest["rows"].as_u64().expect("rows"));
    assert!(built.iter().all(|e| e.info.split.is_some()));

    // Second run: served from the cache, with the server gone.
    let before = server.hub.requests.load(Ordering::SeqCst);
    drop(server);
    let o = fetch(&endpoint, &hf_home, &out, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("using cached"), "{}", text(&o));
    assert!(before > 0);
}

#[test]
fn unauthorized_asks_for_hf_token_without_printing_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = serve(Mode::Unauthorized, parquet_bytes());
    let o = fetch(
        &format!("http://{}", server.addr),
        &tmp.path().join("hf"),
        &tmp.path().join("d"),
        Some(TOKEN),
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("HF_TOKEN") && t.contains("401"), "{t}");
    assert!(t.contains("bundled IoT-23 fixture"), "{t}");
    assert!(!t.contains("LEAKCHECK"), "{t}");
}

#[test]
fn not_found_names_repo_and_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = serve(Mode::NotFound, parquet_bytes());
    let o = fetch(
        &format!("http://{}", server.addr),
        &tmp.path().join("hf"),
        &tmp.path().join("d"),
        None,
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("404") && t.contains(REPO) && t.contains(FILE),
        "{t}"
    );
}

#[test]
fn truncated_download_is_not_left_in_the_cache() {
    let tmp = tempfile::tempdir().expect("tmp");
    let hf_home = tmp.path().join("hf");
    let server = serve(Mode::Truncated, parquet_bytes());
    let o = fetch(
        &format!("http://{}", server.addr),
        &hf_home,
        &tmp.path().join("d"),
        None,
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("removed from the cache"), "{}", text(&o));
    assert!(
        !snapshot_file(&hf_home).exists(),
        "truncated file left in the cache"
    );
    assert!(!tmp.path().join("d/manifest.json").exists());
}

#[test]
fn unreachable_hub_says_offline_and_points_to_the_fixture() {
    let tmp = tempfile::tempdir().expect("tmp");
    // A port nobody listens on: bind, take the address, close.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let o = fetch(
        &format!("http://{addr}"),
        &tmp.path().join("hf"),
        &tmp.path().join("d"),
        None,
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("cannot reach") && t.contains("bundled IoT-23 fixture"),
        "{t}"
    );
}
