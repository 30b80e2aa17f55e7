//! Where answers come from, behind one interface: a builtin policy answers in-process; a
//! remote model answers from the response cache or over HTTP.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use netlogs_baseline::LearnedModel;
use netlogs_client::{RemoteClient, RemoteCompletion, RequestError, Secret};
use netlogs_rubric::RubricConfig;
use serde_json::value::RawValue;

use crate::builtin::BuiltinPolicy;
use crate::cache::ResponseCache;
use crate::error::{EvalError, Result};
use crate::model_spec::{offline_names, ModelSpec};
use crate::settings::EvalSettings;

pub enum Policy {
    Builtin(BuiltinPolicy),
    /// The learned baseline, answering as the run's rubric rewards most.
    Learned {
        model: Arc<LearnedModel>,
        rubric: RubricConfig,
    },
    Remote {
        client: Arc<RemoteClient>,
        cache: Option<ResponseCache>,
    },
}

/// An answer, and how it was served.
pub struct Answer {
    pub result: Result<RemoteCompletion, RequestError>,
    /// Attempts: HTTP requests for a remote model (0 for a cache hit), 1 for a builtin policy.
    pub attempts: u32,
    pub cached: bool,
}

impl Policy {
    /// The policy `settings` name. A remote model checks its API key first, so a run fails
    /// before any data work; `cache_dir` (None: no cache) holds the response cache.
    pub fn open(
        settings: &EvalSettings,
        cache_dir: Option<PathBuf>,
        note: &mut dyn FnMut(&str),
    ) -> Result<Policy> {
        let name = match &settings.model {
            ModelSpec::Builtin(p) => return Ok(Policy::Builtin(*p)),
            ModelSpec::Learned => {
                let path = settings.baseline.as_deref().ok_or_else(|| {
                    EvalError::invalid("-m builtin:learned needs --baseline MODEL.json")
                })?;
                let model =
                    LearnedModel::load(path).map_err(|e| EvalError::invalid(e.to_string()))?;
                return Ok(Policy::Learned {
                    model: Arc::new(model),
                    rubric: settings.rubric,
                });
            }
            ModelSpec::Remote(name) => name,
        };
        let key = std::env::var(&settings.api_key_var)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                EvalError::invalid(format!(
                    "model `{name}` is a remote model and needs an API key: set the environment variable {} (or name another variable with --api-key-var). Offline policies need none: {}",
                    settings.api_key_var,
                    offline_names().join(", ")
                ))
            })?;
        let remote = settings.remote(name);
        let cache = cache_dir.and_then(|dir| {
            match ResponseCache::open(&dir, &remote.api_base, &remote.model) {
                Ok(c) => {
                    note(&format!(
                        "response cache: {} ({} entries; --no-cache bypasses it)",
                        c.path().display(),
                        c.len()
                    ));
                    Some(c)
                }
                Err(e) => {
                    note(&format!("warning: running without the response cache: {e}"));
                    None
                }
            }
        });
        let client = RemoteClient::new(remote, Secret::new(key))?;
        Ok(Policy::Remote {
            client: Arc::new(client),
            cache,
        })
    }

    /// The policy's name as run logs record it.
    pub fn model_name(&self) -> String {
        match self {
            Policy::Builtin(p) => ModelSpec::Builtin(*p).to_string(),
            Policy::Learned { .. } => ModelSpec::Learned.to_string(),
            Policy::Remote { client, .. } => client.settings().model.clone(),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Policy::Remote { .. })
    }

    /// Answer one prompt (`prompt`: the messages as JSON; `user`: the flow's message),
    /// offering `tools` to a remote model (builtin policies answer without them).
    pub async fn answer(
        &self,
        prompt: &RawValue,
        user: &str,
        tools: Option<&RawValue>,
        rollout: u32,
        retries: &AtomicU64,
    ) -> Answer {
        let (client, cache) = match self {
            Policy::Builtin(p) => {
                let c = p.answer_request(prompt, user);
                let completion = RemoteCompletion {
                    text: c.text,
                    finish_reason: c.finish_reason,
                    usage: None,
                    tool_calls: Vec::new(),
                };
                // A builtin answer counts as one attempt: the policy was asked once.
                return Answer {
                    result: Ok(completion),
                    attempts: 1,
                    cached: false,
                };
            }
            Policy::Learned { model, rubric } => {
                let (label, confidence, p) = model.answer(user, rubric);
                let text = serde_json::json!({
                    "label": label.as_str(),
                    "confidence": confidence,
                    "rationale": format!("boosted trees over the flow's fields: P(malicious) = {p:.3} after calibration"),
                });
                let completion = RemoteCompletion {
                    text: text.to_string(),
                    finish_reason: Some("stop".into()),
                    usage: None,
                    tool_calls: Vec::new(),
                };
                return Answer {
                    result: Ok(completion),
                    attempts: 1,
                    cached: false,
                };
            }
            Policy::Remote { client, cache } => (client, cache),
        };
        let body = client.request_body_with_tools(prompt, tools);
        let s = client.settings();
        let key = cache
            .as_ref()
            .map(|_| ResponseCache::key(&s.api_base, &s.model, body.get(), rollout));
        if let (Some(cache), Some(key)) = (cache, &key) {
            if let Some(hit) = cache.get(key) {
                return Answer {
                    result: Ok(hit),
                    attempts: 0,
                    cached: true,
                };
            }
        }
        let out = client
            .complete(&body, |_| {
                retries.fetch_add(1, Ordering::Relaxed);
            })
            .await;
        if let (Ok(c), Some(cache), Some(key)) = (&out.result, cache, &key) {
            cache.put(key, c);
        }
        Answer {
            result: out.result,
            attempts: out.attempts,
            cached: false,
        }
    }

    /// Write what the cache buffered (called by the run's single writer); a failed write is
    /// a warning for the user, never a failed run.
    pub fn flush_cache(&self) -> Result<(), String> {
        match self {
            Policy::Remote {
                cache: Some(cache), ..
            } => cache.flush(),
            _ => Ok(()),
        }
    }
}
