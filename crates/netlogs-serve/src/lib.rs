//! netlogs-serve: the netlogs reward over HTTP, for RL trainers.
//!
//! `POST /get_reward` speaks OpenRLHF's remote reward protocol; `POST /v1/score` is the native
//! batch API; `GET /health`, `GET /metrics` (Prometheus) and `GET /v1/rubric` describe the
//! server. It is stateless, so a large job runs several replicas behind any load balancer.
//! Scoring goes through `netlogs-eval`'s reward functions, the same as `netlogs score`.

pub mod api;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
mod guard;
mod handlers;
mod metrics;
mod state;

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::ServeConfig;

use crate::state::AppState;

/// The service: every endpoint, with the guard, the body limit, the timeout and tracing.
pub fn router(config: ServeConfig) -> Router {
    let max_body = config.max_body;
    let timeout = config.request_timeout;
    let state = Arc::new(AppState::new(config));
    Router::new()
        .route("/get_reward", post(handlers::get_reward))
        .route("/v1/score", post(handlers::score))
        .route("/health", get(handlers::health))
        .route("/metrics", get(handlers::metrics))
        .route("/v1/rubric", get(handlers::rubric))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Method, path, status and latency only: bodies (completions, labels) are never logged.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve on `listener` until `shutdown` resolves; then stop accepting, finish every request
/// in flight, and return.
pub async fn serve(
    listener: TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
