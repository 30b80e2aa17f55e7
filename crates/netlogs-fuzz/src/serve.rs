//! `serve`'s request bodies, through the router in-process (no socket): the first byte picks
//! the endpoint, the method, whether a bearer token is required and sent, the content type
//! and the rubric; the
//! rest is the body. Property: every request gets 2xx or 4xx, never 5xx, and a 4xx says why in
//! a JSON body.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use netlogs_rubric::{Preset, RubricConfig};
use netlogs_serve::{router, ServeConfig};
use tower::ServiceExt;

const PATHS: [&str; 6] = [
    "/get_reward",
    "/v1/score",
    "/get_reward",
    "/v1/score",
    "/v1/rubric",
    "/health",
];
const KEY: &str = "fuzz-key";

struct Servers {
    runtime: tokio::runtime::Runtime,
    /// By rubric (proper, legacy, grounded), then open or keyed.
    apps: Vec<[Router; 2]>,
}

fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let app = |preset, api_key: Option<&str>| {
            router(ServeConfig {
                rubric: RubricConfig::preset(preset),
                max_batch: 64,
                max_body: 64 * 1024,
                concurrency: 4,
                request_timeout: Duration::from_secs(30),
                api_key: api_key.map(str::to_string),
            })
        };
        Servers {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            apps: [Preset::Proper, Preset::Legacy, Preset::Grounded]
                .into_iter()
                .map(|p| [app(p, None), app(p, Some(KEY))])
                .collect(),
        }
    })
}

pub fn check(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let s = servers();
    let path = PATHS[usize::from(kind % 6)];
    let keyed = kind & 0x08 != 0;
    let app = s.apps[usize::from((kind >> 4) % 3)][usize::from(keyed)].clone();
    // Each endpoint's own method, or (bit 0x40) the other one.
    let reads = matches!(path, "/health" | "/v1/rubric");
    let method = if reads == (kind & 0x40 == 0) {
        "GET"
    } else {
        "POST"
    };
    let mut request = Request::builder().method(method).uri(path);
    if kind & 0x80 == 0 {
        request = request.header("content-type", "application/json");
    }
    if keyed && kind & 0x20 == 0 {
        request = request.header("authorization", format!("Bearer {KEY}"));
    }
    let request = request.body(Body::from(body.to_vec())).expect("request");
    let response = s
        .runtime
        .block_on(app.oneshot(request))
        .expect("the router is infallible");
    let status = response.status();
    assert!(
        !status.is_server_error(),
        "{path}: {status} for a body of {} bytes",
        body.len()
    );
    if status.is_client_error() && status.as_u16() != 405 {
        let bytes = s
            .runtime
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("a 4xx body is JSON");
        assert!(v.get("error").is_some(), "a 4xx says why: {v}");
    }
}
