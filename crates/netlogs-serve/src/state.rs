//! What every request shares.

use std::time::Duration;

use netlogs_rubric::{audit_rubric, RubricConfig};
use tokio::sync::Semaphore;

use crate::api::RubricInfo;
use crate::metrics::Metrics;

/// How the server behaves.
#[derive(Clone)]
pub struct ServeConfig {
    pub rubric: RubricConfig,
    /// Items per request, at most.
    pub max_batch: usize,
    /// Request body bytes, at most.
    pub max_body: usize,
    /// Requests handled at once; more get 503 with `Retry-After`.
    pub concurrency: usize,
    /// Seconds a request may take, body upload included.
    pub request_timeout: Duration,
    /// The bearer token every endpoint but `/health` requires, when set. Never logged.
    pub api_key: Option<String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("rubric", &self.rubric)
            .field("max_batch", &self.max_batch)
            .field("max_body", &self.max_body)
            .field("concurrency", &self.concurrency)
            .field("request_timeout", &self.request_timeout)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            rubric: RubricConfig::default(),
            max_batch: 4096,
            max_body: 16 * 1024 * 1024,
            concurrency: 64,
            request_timeout: Duration::from_secs(60),
            api_key: None,
        }
    }
}

pub struct AppState {
    pub config: ServeConfig,
    pub metrics: Metrics,
    pub slots: Semaphore,
    pub rubric_info: RubricInfo,
}

impl AppState {
    pub fn new(config: ServeConfig) -> AppState {
        let audit = audit_rubric(&config.rubric, None);
        AppState {
            slots: Semaphore::new(config.concurrency.max(1)),
            rubric_info: RubricInfo {
                config: config.rubric,
                abstain_band: audit.abstain_band,
                findings: audit.findings,
            },
            metrics: Metrics::default(),
            config,
        }
    }
}
