//! Peak RSS and CPU time of a child process, read from /proc while it runs (Linux).

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStats {
    pub wall: Duration,
    pub cpu: Duration,
    pub peak_rss_kb: u64,
}

fn read_stats(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((hwm, ticks))
}

/// Wait for `child`, sampling its peak RSS (VmHWM) and CPU ticks every few milliseconds.
/// Returns its stderr too, when it was piped.
pub fn watch(mut child: Child, start: Instant) -> anyhow::Result<(ExitStatus, ProcStats, String)> {
    let pid = child.id();
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut s);
            s
        })
    });
    let mut last = (0, 0);
    loop {
        if let Some(s) = read_stats(pid) {
            last = s;
        }
        if let Some(status) = child.try_wait()? {
            // CLK_TCK is 100 on Linux.
            let stats = ProcStats {
                wall: start.elapsed(),
                cpu: Duration::from_millis(last.1 * 10),
                peak_rss_kb: last.0,
            };
            let text = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
            return Ok((status, stats, text));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
