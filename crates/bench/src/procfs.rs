//! What /proc says about a process: CPU seconds and resident memory.

/// Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// User + system CPU seconds used so far by `pid` ("self" for us).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields count from after ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SEC)
}

/// CPU seconds a process uses from now on: `start` then `elapsed`.
#[derive(Debug, Clone)]
pub struct CpuMeter {
    pid: Option<String>,
    start: Option<f64>,
}

impl CpuMeter {
    /// Starts counting for `pid` (`"self"` for us); `None` counts nothing.
    pub fn start(pid: Option<&str>) -> Self {
        CpuMeter {
            pid: pid.map(str::to_owned),
            start: pid.and_then(cpu_seconds),
        }
    }

    /// CPU seconds used since `start`, if the process could be read both times.
    pub fn elapsed(&self) -> Option<f64> {
        Some(cpu_seconds(self.pid.as_deref()?)? - self.start?)
    }
}

/// Resident set size of `pid` in KiB.
pub fn rss_kib(pid: &str) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// The most `pid` has been resident in its life, in KiB.
pub fn peak_rss_kib(pid: &str) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        assert!(cpu_seconds("self").is_some());
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
        // The resident size first, then the peak: the peak never falls,
        // so it is at least what was resident before it was read (read
        // the other way round, memory another test allocates in between
        // can make the later resident size exceed the earlier peak).
        let resident = rss_kib("self");
        assert!(peak_rss_kib("self") >= resident);
    }
}
