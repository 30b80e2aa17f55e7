//! `netlogs view [DIR]`: the run viewer on 127.0.0.1, until interrupted.

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::{bail, Context, Result};
use netlogs_report::view::serve_view;
use netlogs_serve::shutdown_signal;

use crate::args::ViewArgs;

pub fn run(a: ViewArgs) -> Result<()> {
    if !a.dir.is_dir() {
        bail!("{} is not a folder of runs", a.dir.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, a.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot bind {addr}"))?;
        let bound = listener.local_addr().context("no local address")?;
        eprintln!(
            "netlogs view: http://{bound}/ ({}; Ctrl-C stops)",
            a.dir.display()
        );
        serve_view(listener, a.dir.clone(), shutdown_signal())
            .await
            .context("viewer error")
    })
}
