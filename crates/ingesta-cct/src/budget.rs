//! How much memory a preloaded table may take: a share of what is left under the limit once the
//! process and the rest of the run are accounted for.

/// Growth of a run's own working set beyond the process's start-up size (caches filling up,
/// rows in flight, HTTP buffers), which a table must leave room for. `make bench` prints the
/// measured figure next to this assumption: 33 MiB for a 100,000-row run at concurrency 64
/// (start-up 10 MiB, peak 43 MiB), rounded up because concurrency is configurable.
pub const RUN_WORKING_SET_BYTES: u64 = 40 * MIB;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryBudget {
    /// The Lambda's memory size, or the machine's (or container's) memory when run locally.
    pub limit_bytes: u64,
    /// Resident memory of this process when the decision is made.
    pub in_use_bytes: u64,
    /// `CCT_MEMORY_FRACTION`.
    pub fraction: f64,
}

impl MemoryBudget {
    /// Reads the limit from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (MB) or, outside Lambda, from the
    /// machine; the memory in use from `/proc/self/status`.
    pub fn detect(fraction: f64) -> Self {
        let lambda = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").ok().and_then(|v| v.trim().parse::<u64>().ok());
        let limit_bytes = lambda.map(|mb| mb * MIB).or_else(machine_memory).unwrap_or(u64::MAX);
        let in_use_bytes = proc_status_kib("VmRSS:").map_or(0, |kib| kib * 1024);
        Self { limit_bytes, in_use_bytes, fraction }
    }

    /// Lambda's view: `memory_mb` of limit and this much already resident.
    pub fn lambda(memory_mb: u64, in_use_bytes: u64, fraction: f64) -> Self {
        Self { limit_bytes: memory_mb * MIB, in_use_bytes, fraction }
    }

    /// Bytes a preloaded table may take.
    pub fn available_bytes(&self) -> u64 {
        let left = self.limit_bytes.saturating_sub(self.in_use_bytes).saturating_sub(RUN_WORKING_SET_BYTES);
        (left as f64 * self.fraction.clamp(0.0, 1.0)) as u64
    }
}

/// The smaller of physical memory and the cgroup's limit, so a container is not mistaken for its host.
fn machine_memory() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib * 1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok().and_then(|s| s.trim().parse::<u64>().ok());
    match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_room_for_the_process_and_the_run() {
        let b = MemoryBudget::lambda(128, 20 * MIB, 0.7);
        assert_eq!(b.available_bytes(), ((128 - 20 - 40) as f64 * MIB as f64 * 0.7) as u64);
        assert_eq!(MemoryBudget::lambda(64, 30 * MIB, 0.7).available_bytes(), 0);
    }

    #[test]
    fn detects_a_limit_on_this_machine() {
        let b = MemoryBudget::detect(0.7);
        assert!(b.limit_bytes > 64 * MIB && b.limit_bytes < u64::MAX, "{b:?}");
        assert!(b.in_use_bytes > 0);
    }
}
