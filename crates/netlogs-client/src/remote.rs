//! Remote chat completions against any OpenAI-compatible endpoint, over async-openai.
//!
//! async-openai builds, sends and decodes the requests. Its built-in retry layer (3 retries,
//! no timeouts, `Retry-After` dropped from errors) is replaced by a single-attempt transport,
//! so netlogs applies one documented policy: `max_attempts` attempts in all, retrying 408/429/5xx,
//! timeouts, connection errors, malformed bodies and empty `choices`, with exponential backoff
//! and jitter, honouring `Retry-After`; and so every row can record its attempt count.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::Client;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};
use serde_json::{json, Map, Value};

use crate::secret::Secret;

/// `response_format` sent with each request. The caller supplies the schema: this crate knows
/// requests, not what a good answer is.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    JsonObject,
    JsonSchema { name: String, schema: Value },
}

impl ResponseFormat {
    fn to_json(&self) -> Value {
        match self {
            ResponseFormat::JsonObject => json!({"type": "json_object"}),
            ResponseFormat::JsonSchema { name, schema } => json!({
                "type": "json_schema",
                "json_schema": {"name": name, "strict": true, "schema": schema}
            }),
        }
    }
}

/// Everything that shapes requests to a remote model.
#[derive(Debug, Clone)]
pub struct RemoteSettings {
    pub api_base: String,
    pub model: String,
    /// Attempts per request in all (first try included); at least 1.
    pub max_attempts: u32,
    pub timeout: Duration,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub seed: Option<u64>,
    /// Merged last into the request body; wins over the fields above.
    pub sampling_args: Map<String, Value>,
    pub response_format: Option<ResponseFormat>,
}

/// Token usage as the server reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A successful completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteCompletion {
    pub text: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    /// Tools the model asked to call (requests that offered tools only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
}

/// One tool call as the model made it: the arguments are the model's text, unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// Why one attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("request timed out")]
    Timeout,
    #[error("connection error: {0}")]
    Connection(String),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("response has no choices")]
    EmptyChoices,
}

impl RequestError {
    /// Transient failures worth another attempt.
    pub fn retryable(&self) -> bool {
        match self {
            RequestError::Status { status, .. } => {
                matches!(status, 408 | 409 | 425 | 429) || *status >= 500
            }
            _ => true,
        }
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            RequestError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The outcome of a request after all its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempted<T> {
    pub result: Result<T, RequestError>,
    pub attempts: u32,
}

/// A non-2xx answer, carried out of the transport with what the retry policy needs.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl std::error::Error for HttpFailure {}

/// One HTTP attempt per call; non-2xx answers become [`HttpFailure`] errors.
#[derive(Clone)]
struct SingleAttempt {
    http: reqwest::Client,
}

type AttemptFuture = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

impl tower::Service<HttpRequestFactory> for SingleAttempt {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = AttemptFuture;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            let response = http.execute(request).await?;
            if response.status().is_success() {
                return Ok(response);
            }
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(MAX_RETRY_AFTER_SECS)));
            let body = response.text().await.unwrap_or_default();
            Err(OpenAIError::Boxed(Box::new(HttpFailure {
                status,
                retry_after,
                body,
            })))
        })
    }
}

const MAX_RETRY_AFTER_SECS: f64 = 60.0;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// A client for one model at one endpoint.
pub struct RemoteClient {
    client: Client<OpenAIConfig>,
    settings: RemoteSettings,
    /// Every body field but `model` and `messages`, built once from the settings.
    options: Map<String, Value>,
    secret: Secret,
}

/// A request body; `options` come last and never repeat `model` or `messages`.
#[derive(Serialize)]
struct RequestBody<'a> {
    model: &'a str,
    messages: &'a RawValue,
    /// OpenAI `tools` (function definitions), when the caller offers any.
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<&'a RawValue>,
    #[serde(flatten)]
    options: &'a Map<String, Value>,
}

/// The fields of every request besides the model and the messages: sampling settings, the
/// `response_format`, then `-S` sampling args (which win), and `stream: false`.
fn request_options(s: &RemoteSettings) -> Map<String, Value> {
    let mut body = Map::new();
    if let Some(t) = s.max_tokens {
        body.insert("max_tokens".into(), json!(t));
    }
    if let Some(t) = s.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(seed) = s.seed {
        body.insert("seed".into(), json!(seed));
    }
    if let Some(format) = &s.response_format {
        body.insert("response_format".into(), format.to_json());
    }
    for (k, v) in &s.sampling_args {
        if !RESERVED_FIELDS.contains(&k.as_str()) {
            body.insert(k.clone(), v.clone());
        }
    }
    body.insert("stream".into(), json!(false));
    body
}

/// Body fields netlogs owns: sampling args may not replace them.
pub const RESERVED_FIELDS: [&str; 3] = ["model", "messages", "stream"];

impl std::fmt::Debug for RemoteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl RemoteClient {
    pub fn new(settings: RemoteSettings, api_key: Secret) -> Result<RemoteClient, RequestError> {
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| RequestError::Connection(e.to_string()))?;
        let config = OpenAIConfig::new()
            .with_api_base(settings.api_base.trim_end_matches('/'))
            .with_api_key(api_key.expose());
        let client = Client::with_config(config).with_http_service(SingleAttempt { http });
        Ok(RemoteClient {
            client,
            options: request_options(&settings),
            settings,
            secret: api_key,
        })
    }

    pub fn settings(&self) -> &RemoteSettings {
        &self.settings
    }

    /// The JSON body sent for these messages (from [`crate::PromptMessages`]).
    pub fn request_body(&self, messages: &RawValue) -> Box<RawValue> {
        self.request_body_with_tools(messages, None)
    }

    /// [`RemoteClient::request_body`] offering `tools` (an OpenAI `tools` array; the caller
    /// defines them, this crate only carries them).
    pub fn request_body_with_tools(
        &self,
        messages: &RawValue,
        tools: Option<&RawValue>,
    ) -> Box<RawValue> {
        let body = RequestBody {
            model: &self.settings.model,
            messages,
            tools,
            options: &self.options,
        };
        // Borrowed strings and JSON values always serialise.
        to_raw_value(&body).unwrap_or_default()
    }

    /// Send `body`, retrying transient failures. `on_retry` is told of each retry.
    pub async fn complete(
        &self,
        body: &RawValue,
        mut on_retry: impl FnMut(&RequestError),
    ) -> Attempted<RemoteCompletion> {
        let max = self.settings.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (error, retry_after) = match self.attempt(body).await {
                Ok(c) => {
                    return Attempted {
                        result: Ok(c),
                        attempts: attempt,
                    }
                }
                Err(e) => e,
            };
            if attempt >= max || !error.retryable() {
                return Attempted {
                    result: Err(error),
                    attempts: attempt,
                };
            }
            on_retry(&error);
            tokio::time::sleep(retry_after.unwrap_or_else(|| backoff(attempt))).await;
        }
    }

    async fn attempt(
        &self,
        body: &RawValue,
    ) -> Result<RemoteCompletion, (RequestError, Option<Duration>)> {
        let chat = self.client.chat();
        let call = chat.create_byot::<&RawValue, WireResponse>(body);
        let response = match tokio::time::timeout(self.settings.timeout, call).await {
            Err(_) => return Err((RequestError::Timeout, None)),
            Ok(Err(e)) => return Err(self.classify(e)),
            Ok(Ok(v)) => v,
        };
        response.into_completion().map_err(|e| (e, None))
    }

    fn classify(&self, e: OpenAIError) -> (RequestError, Option<Duration>) {
        let scrub = |s: String| self.secret.scrub(&s);
        match e {
            OpenAIError::Boxed(b) => match b.downcast_ref::<HttpFailure>() {
                Some(f) => (
                    RequestError::Status {
                        status: f.status,
                        message: scrub(error_message(&f.body)),
                    },
                    f.retry_after,
                ),
                None => (RequestError::Connection(scrub(b.to_string())), None),
            },
            OpenAIError::Reqwest(r) if r.is_timeout() => (RequestError::Timeout, None),
            OpenAIError::Reqwest(r) => (RequestError::Connection(scrub(full_chain(&r))), None),
            OpenAIError::JSONDeserialize(err, _) => (
                RequestError::Malformed(format!("not a chat completion: {err}")),
                None,
            ),
            OpenAIError::ApiError(api) => (
                RequestError::Status {
                    status: api.status_code.as_u16(),
                    message: scrub(api.api_error.message),
                },
                None,
            ),
            other => (RequestError::Connection(scrub(other.to_string())), None),
        }
    }
}

/// Exponential backoff with jitter: base·2^(n−1), capped, scaled by a random factor in [0.5, 1].
fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
    exp.min(BACKOFF_CAP)
        .mul_f64(rand::rng().random_range(0.5..=1.0))
}

fn full_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// The server's own message from an OpenAI-style error body, else the body itself (shortened).
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let msg = parsed
        .as_ref()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
        })
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.trim().to_string());
    let mut msg: String = msg.chars().take(300).collect();
    if msg.is_empty() {
        msg = "(empty body)".into();
    }
    msg
}

/// The parts of a chat completion response netlogs reads; everything else is skipped unparsed.
#[derive(Debug, Deserialize)]
struct WireResponse {
    choices: Option<Vec<WireChoice>>,
    usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    content: Option<Value>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Debug, Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: Option<String>,
    function: Option<WireFunction>,
}

#[derive(Debug, Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: Option<String>,
    /// A JSON string by the spec; some servers send an object.
    #[serde(default)]
    arguments: Option<Value>,
}

impl WireToolCall {
    fn into_call(self, index: usize) -> ToolCall {
        let function = self.function;
        let (name, arguments) = match function {
            Some(f) => (
                f.name.unwrap_or_default(),
                match f.arguments {
                    Some(Value::String(s)) => s,
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                },
            ),
            None => (String::new(), String::new()),
        };
        ToolCall {
            id: self.id.unwrap_or_else(|| format!("call_{index}")),
            name,
            arguments,
        }
    }
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

impl WireResponse {
    fn into_completion(self) -> Result<RemoteCompletion, RequestError> {
        let choice = self
            .choices
            .and_then(|c| c.into_iter().next())
            .ok_or(RequestError::EmptyChoices)?;
        let message = choice
            .message
            .ok_or_else(|| RequestError::Malformed("choice without a message".into()))?;
        let text = match message.content {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let usage = self.usage.and_then(|u| {
            Some(Usage {
                prompt_tokens: u.prompt_tokens?,
                completion_tokens: u.completion_tokens.unwrap_or(0),
            })
        });
        let tool_calls = message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, c)| c.into_call(i))
            .collect();
        Ok(RemoteCompletion {
            text,
            finish_reason: choice.finish_reason,
            usage,
            tool_calls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classes() {
        let s = |status| RequestError::Status {
            status,
            message: String::new(),
        };
        assert!(s(429).retryable() && s(500).retryable() && s(503).retryable());
        assert!(!s(400).retryable() && !s(401).retryable() && !s(404).retryable());
        assert!(RequestError::Timeout.retryable() && RequestError::EmptyChoices.retryable());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for n in 1..20 {
            let d = backoff(n);
            assert!(d <= BACKOFF_CAP);
            assert!(d >= BACKOFF_BASE.mul_f64(0.5));
        }
        assert!(backoff(3) >= Duration::from_millis(400));
    }

    #[test]
    fn request_body_merges_settings_then_sampling_args() {
        let mut sampling_args = Map::new();
        sampling_args.insert("temperature".into(), json!(0.9));
        sampling_args.insert("model".into(), json!("other"));
        sampling_args.insert("stop".into(), json!(["\n"]));
        let settings = RemoteSettings {
            api_base: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            max_attempts: 1,
            timeout: Duration::from_secs(1),
            max_tokens: Some(64),
            temperature: Some(0.2),
            seed: Some(7),
            sampling_args,
            response_format: Some(ResponseFormat::JsonObject),
        };
        let client = RemoteClient::new(settings, Secret::new("k")).expect("client");
        let messages = crate::PromptMessages::new("sys").with_user("flow");
        let body: Value =
            serde_json::from_str(client.request_body(&messages).get()).expect("JSON body");
        assert_eq!(
            body,
            json!({
                "model": "m",
                "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "flow"}],
                "max_tokens": 64,
                "temperature": 0.9,
                "seed": 7,
                "stop": ["\n"],
                "response_format": {"type": "json_object"},
                "stream": false
            })
        );
    }

    #[test]
    fn response_parsing() {
        let ok = json!({"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}});
        let parse = |v: Value| {
            serde_json::from_value::<WireResponse>(v)
                .expect("wire")
                .into_completion()
        };
        let c = parse(ok).expect("ok");
        assert_eq!(c.text, "hi");
        assert_eq!(c.usage.map(|u| u.prompt_tokens), Some(5));
        assert_eq!(
            parse(json!({"choices": []})),
            Err(RequestError::EmptyChoices)
        );
        assert_eq!(parse(json!({"id": "x"})), Err(RequestError::EmptyChoices));
        assert_eq!(
            error_message(r#"{"error":{"message":"bad key"}}"#),
            "bad key"
        );
    }
}
