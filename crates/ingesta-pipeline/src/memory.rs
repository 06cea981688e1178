//! Peak memory of this process, for the summary and the PeakMemoryMB metric.

/// Peak resident set size in MiB (Linux `VmHWM`); `None` where /proc is unavailable.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_plausible_figure_on_linux() {
        let mb = super::peak_rss_mb().expect("Linux has /proc/self/status");
        assert!(mb > 0.5 && mb < 100_000.0, "{mb}");
    }
}
