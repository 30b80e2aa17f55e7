//! Every request passes here first: the bearer token (when one is required), the concurrency
//! limit (503 with `Retry-After` beyond it: a trainer retries, and a load balancer sends the
//! request to another replica, which a queue would not), and the request metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

fn authorized(state: &AppState, request: &Request) -> bool {
    let Some(key) = &state.config.api_key else {
        return true;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    given.as_bytes().ct_eq(key.as_bytes()).into()
}

pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let response = if endpoint != "/health" && !authorized(&state, &request) {
        ApiError::unauthorized().into_response()
    } else {
        match state.slots.try_acquire() {
            Ok(_permit) => {
                state.metrics.in_flight.inc();
                let response = next.run(request).await;
                state.metrics.in_flight.dec();
                response
            }
            Err(_) => ApiError::busy().into_response(),
        }
    };
    state
        .metrics
        .observe(&endpoint, response.status().as_u16(), started.elapsed());
    response
}
