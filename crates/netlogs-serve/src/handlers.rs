//! The endpoints. Each parses its body itself, so every client error names the field and the
//! index at fault, and no input reaches a panic or a 5xx.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use netlogs_rubric::{
    response_in_query, score_row, Completion, Gold, ItemScore, RubricConfig, TrainerLabel,
};
use serde::de::DeserializeOwned;

use crate::api::{RewardRequest, RewardResponse, ScoreItem, ScoreRequest, ScoreResponse};
use crate::error::ApiError;
use crate::state::AppState;

/// The body as bytes; an over-limit body is a 413 naming the limit.
fn body_bytes(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "request body is over the --max-body limit of {} bytes",
                state.config.max_body
            ))
        } else {
            ApiError::bad_request(None, format!("cannot read the request body: {rejection}"))
        }
    })
}

/// Parse a JSON body, naming the path of the first bad field (`labels[2]`, `items[0].answer`).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != "." && !path.is_empty()).then_some(path);
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("malformed JSON: {inner}")
        } else {
            inner.to_string()
        };
        ApiError::bad_request(field, message)
    })
}

fn check_batch(state: &AppState, n: usize, field: &str) -> Result<(), ApiError> {
    if n > state.config.max_batch {
        return Err(ApiError::too_large(format!(
            "`{field}` has {n} items, over the --max-batch limit of {}",
            state.config.max_batch
        )));
    }
    Ok(())
}

fn same_length(name: &str, len: usize, query_len: usize) -> Result<(), ApiError> {
    if len != query_len {
        return Err(ApiError::bad_request(
            Some(name.into()),
            format!(
                "`{name}` has {len} items but `query` has {query_len}: they must pair up by index"
            ),
        ));
    }
    Ok(())
}

/// `POST /get_reward`: OpenRLHF's remote reward protocol.
pub async fn get_reward(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RewardResponse>, ApiError> {
    let bytes = body_bytes(&state, body)?;
    let req: RewardRequest = parse(&bytes)?;
    check_batch(&state, req.query.len(), "query")?;
    same_length("labels", req.labels.len(), req.query.len())?;
    if let Some(p) = &req.prompts {
        same_length("prompts", p.len(), req.query.len())?;
    }
    let mut scores = Vec::with_capacity(req.query.len());
    for (i, (query, label)) in req.query.iter().zip(&req.labels).enumerate() {
        let label = TrainerLabel::parse(label)
            .map_err(|e| ApiError::bad_request(Some(format!("labels[{i}]")), e))?;
        let prompt = req.prompts.as_ref().map(|p| p[i].as_str());
        let response = response_in_query(query, prompt);
        let score = score_row(
            &state.config.rubric,
            &Completion::Text(response),
            label.gold,
        );
        scores.push(ItemScore::from(&score));
    }
    state.metrics.scored("/get_reward", scores.len());
    Ok(Json(reward_response(&scores)))
}

fn reward_response(scores: &[ItemScore]) -> RewardResponse {
    let rewards: Vec<f64> = scores.iter().map(|s| s.reward).collect();
    let column = |f: fn(&ItemScore) -> f64| scores.iter().map(f).collect::<Vec<f64>>();
    let extra_logs = BTreeMap::from([
        ("accuracy".to_string(), column(|s| s.metrics.accuracy)),
        ("format".to_string(), column(|s| s.metrics.format)),
        ("calibration".to_string(), column(|s| s.metrics.calibration)),
        ("cost".to_string(), column(|s| s.metrics.cost)),
    ]);
    RewardResponse {
        scores: rewards.clone(),
        rewards,
        extra_logs,
    }
}

/// `POST /v1/score`: the native batch API, scored exactly as `netlogs score` scores rows.
pub async fn score(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ScoreResponse>, ApiError> {
    let bytes = body_bytes(&state, body)?;
    let req: ScoreRequest = parse(&bytes)?;
    check_batch(&state, req.items.len(), "items")?;
    let results = req
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| score_item(&state.config.rubric, i, item))
        .collect::<Result<Vec<_>, _>>()?;
    state.metrics.scored("/v1/score", results.len());
    Ok(Json(ScoreResponse { results }))
}

/// One `/v1/score` item, through the one reward function; a bad field is a 400 naming it.
fn score_item(cfg: &RubricConfig, i: usize, item: &ScoreItem) -> Result<ItemScore, ApiError> {
    let bad = |field: &str, e: netlogs_rubric::RubricError| {
        ApiError::bad_request(Some(format!("items[{i}].{field}")), e.to_string())
    };
    let completion = Completion::from_value(&item.completion).map_err(|e| bad("completion", e))?;
    let gold = Gold::from_value(&item.answer).map_err(|e| bad("answer", e))?;
    Ok(ItemScore::from(&score_row(cfg, &completion, gold)))
}

pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub async fn rubric(State(state): State<Arc<AppState>>) -> Response {
    Json(&state.rubric_info).into_response()
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
