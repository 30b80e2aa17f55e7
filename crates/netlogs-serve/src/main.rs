//! `netlogs-serve`: the reward server alone, for a trainer host that needs nothing else of
//! netlogs. The same flags and behaviour as `netlogs serve`.

use clap::Parser;

/// The netlogs reward over HTTP (OpenRLHF's remote reward protocol and a native batch API).
#[derive(Debug, Parser)]
#[command(name = "netlogs-serve", version)]
struct Cli {
    #[command(flatten)]
    serve: netlogs_serve::cli::ServeArgs,
}

fn main() -> anyhow::Result<()> {
    netlogs_serve::cli::run(Cli::parse().serve)
}
