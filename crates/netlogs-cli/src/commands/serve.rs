//! `netlogs serve`: the reward as an HTTP service, as the `netlogs-serve` binary runs it.

pub use netlogs_serve::cli::run;
