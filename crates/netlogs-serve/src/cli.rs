//! The `serve` command line, shared by `netlogs serve` and the `netlogs-serve` binary (a trainer
//! host installs the second alone). Logs go to stderr through `tracing` (`RUST_LOG` sets the
//! level); completions and labels are never logged.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use netlogs_args::RubricArgs;
use tracing_subscriber::EnvFilter;

use crate::{serve, shutdown_signal, ServeConfig};

/// The flags of `netlogs serve` and of `netlogs-serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind. Anything but loopback exposes an API without authentication unless
    /// --api-key-var is set.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Items per request, at most (larger batches get 413).
    #[arg(long, default_value_t = 4096)]
    pub max_batch: usize,
    /// Request body bytes, at most (larger bodies get 413).
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body: usize,
    /// Requests handled at once; more get 503 with Retry-After: 1.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds a request may take, body upload included (408 after).
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
    /// Require `Authorization: Bearer <value of this environment variable>` on every endpoint
    /// but /health.
    #[arg(long)]
    pub api_key_var: Option<String>,
    #[command(flatten)]
    pub rubric: RubricArgs,
}

fn config(a: &ServeArgs) -> Result<ServeConfig> {
    if !(a.timeout.is_finite() && a.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    let api_key = match &a.api_key_var {
        None => None,
        Some(var) => {
            let key = std::env::var(var).ok().filter(|k| !k.trim().is_empty());
            Some(key.with_context(|| {
                format!("--api-key-var {var}: the environment variable {var} is not set or empty")
            })?)
        }
    };
    let rubric = a.rubric.config()?;
    if rubric.scores_grounding() {
        bail!(
            "netlogs serve cannot score `grounding`: it checks an answer's evidence against the flow its prompt shows, and /get_reward and /v1/score items carry no flow. Score grounded completions with `netlogs score` (rows with their `prompt`) or netlogs.score(..., prompts=...)"
        );
    }
    Ok(ServeConfig {
        rubric,
        max_batch: a.max_batch.max(1),
        max_body: a.max_body.max(1),
        concurrency: a.concurrency.max(1),
        request_timeout: Duration::from_secs_f64(a.timeout),
        api_key,
    })
}

pub fn run(a: ServeArgs) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .try_init();
    let config = config(&a)?;
    let addr = SocketAddr::new(a.host, a.port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot bind {addr}"))?;
        let bound = listener.local_addr().context("no local address")?;
        if !a.host.is_loopback() && config.api_key.is_none() {
            tracing::warn!(
                "binding {bound}, which is not loopback: the API has no authentication (set --api-key-var)"
            );
        }
        tracing::info!(
            preset = %config.rubric.preset,
            max_batch = config.max_batch,
            concurrency = config.concurrency,
            auth = config.api_key.is_some(),
            "netlogs serve listening on http://{bound}"
        );
        serve(listener, config, shutdown_signal())
            .await
            .context("server error")?;
        tracing::info!("stopped: every request in flight was answered");
        Ok(())
    })
}
