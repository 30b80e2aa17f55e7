//! `cargo xtask bench-data`: parquet load + prompt rendering at the size of the real
//! `19kmunz/iot-23-preprocessed` (819,024 rows), on a file resampled from real fixture rows.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Result};
use netlogs_data::{bundled_iot23, load_path, render_prompt, write_hf_parquet, Loaded, Template};
use rand::{Rng, SeedableRng};

use crate::proc_stats::watch;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 819_024)]
    rows: usize,
}

pub fn run(a: Args) -> Result<()> {
    let real = bundled_iot23()?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(819);
    let rows: Vec<_> = (0..a.rows)
        .map(|_| real[rng.random_range(0..real.len())].clone())
        .collect();
    let path = std::env::temp_dir().join(format!("netlogs-bench-{}.parquet", std::process::id()));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    write_hf_parquet(&rows, &mut f)?;
    drop(f);
    drop(rows);
    let size = std::fs::metadata(&path)?.len();
    let child = Command::new(std::env::current_exe()?)
        .arg("load-render")
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()?;
    let (status, stats, _) = watch(child, Instant::now())?;
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        bail!("load-render failed");
    }
    println!("| measure | value |\n|---|---|");
    println!(
        "| parquet rows (iot-23-preprocessed schema) | {} ({:.1} MB) |",
        a.rows,
        size as f64 / 1e6
    );
    println!(
        "| load + render all prompts (zeek template), wall | {:.2} s (process start to exit) |",
        stats.wall.as_secs_f64()
    );
    println!("| CPU | {:.2} s |", stats.cpu.as_secs_f64());
    println!("| peak RSS | {:.0} MB |", stats.peak_rss_kb as f64 / 1024.0);
    Ok(())
}

/// Load and render every prompt; prints the timings of the two phases.
pub fn load_render(file: &Path) -> Result<()> {
    let t0 = Instant::now();
    let Loaded::Flows(flows) = load_path(file, None, None)? else {
        bail!("expected flows");
    };
    let loaded = t0.elapsed();
    let bytes: usize = flows
        .iter()
        .map(|f| render_prompt(f, Template::Zeek).len())
        .sum();
    println!(
        "{} rows loaded in {:.2} s, prompts ({} bytes) rendered in {:.2} s",
        flows.len(),
        loaded.as_secs_f64(),
        bytes,
        (t0.elapsed() - loaded).as_secs_f64()
    );
    Ok(())
}
