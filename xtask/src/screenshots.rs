//! `cargo xtask screenshots`: the pictures in README, made from real runs. Builtin runs on the
//! bundled set, then headless Chromium photographs report.html, a comparison and the viewer.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use netlogs_runlog::find_runs;

use crate::util::{release_netlogs, workspace_root};

fn shoot(url: &str, out: &Path, size: &str) -> Result<()> {
    let ok = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--window-size={size}"),
            "--virtual-time-budget=5000",
            &format!("--screenshot={}", out.display()),
            url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("chromium (apt-get install chromium)")?;
    if !ok.success() {
        bail!("chromium could not photograph {url}");
    }
    println!("wrote {}", out.display());
    Ok(())
}

pub fn run() -> Result<()> {
    let bin = release_netlogs()?;
    let img = workspace_root().join("docs/img");
    std::fs::create_dir_all(&img)?;
    let tmp = std::env::temp_dir().join(format!("netlogs-shots-{}", std::process::id()));
    let save = tmp.join("outputs");
    for model in ["builtin:always-malicious", "builtin:heuristic"] {
        let ok = Command::new(&bin)
            .args(["eval", "-m", model, "-n", "400", "-s"])
            .arg(&save)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if !ok.success() {
            bail!("netlogs eval failed");
        }
    }
    let runs = find_runs(&save).runs;
    let [a, b] = runs.as_slice() else {
        bail!("expected two runs under {}", save.display());
    };
    let heuristic = if b.to_string_lossy().contains("heuristic") {
        b
    } else {
        a
    };
    let report = format!("file://{}", heuristic.join("report.html").display());
    shoot(&report, &img.join("report.png"), "1400,1900")?;
    let compare = tmp.join("compare.html");
    let ok = Command::new(&bin)
        .arg("compare")
        .args([a, b])
        .arg("--html")
        .arg(&compare)
        .stdout(Stdio::null())
        .status()?;
    if !ok.success() {
        bail!("netlogs compare failed");
    }
    shoot(
        &format!("file://{}", compare.display()),
        &img.join("compare.png"),
        "1200,1200",
    )?;
    let mut view = Command::new(&bin)
        .args(["view", "--port", "8899"])
        .arg(&save)
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_millis(800));
    let shot = shoot("http://127.0.0.1:8899/", &img.join("view.png"), "1200,500");
    view.kill()?;
    view.wait()?;
    let _ = std::fs::remove_dir_all(&tmp);
    shot
}
