//! `ponte_build_info` and the standard `process_*` series, read when
//! `/metrics` is scraped. Memory, CPU and file descriptors come from
//! `/proc/self` on Linux and are absent elsewhere.

use std::fmt::Write as _;

use crate::metrics::{escape_label_value, format_value};

/// Every series name this module renders (for documentation checks).
pub const NAMES: [&str; 7] = [
    "ponte_build_info",
    "process_start_time_seconds",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_open_fds",
    "process_max_fds",
];

/// Clock ticks per second in `/proc/<pid>/stat`: the kernel's USER_HZ,
/// 100 on every architecture Ponte is built for (Prometheus's own procfs
/// reader assumes the same).
const USER_HZ: f64 = 100.0;

/// What `/proc/self` says about this process.
#[derive(Debug, Default, PartialEq)]
pub struct Usage {
    pub cpu_seconds: Option<f64>,
    pub resident_bytes: Option<f64>,
    pub virtual_bytes: Option<f64>,
    pub open_fds: Option<f64>,
    pub max_fds: Option<f64>,
}

/// The exposition text: build info, start time, and what `/proc` gives.
pub fn render(service: &str, version: &str, started_at_unix: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP ponte_build_info The running build: always 1, labelled with service and version\n\
         # TYPE ponte_build_info gauge\n\
         ponte_build_info{{service=\"{}\",version=\"{}\"}} 1",
        escape_label_value(service),
        escape_label_value(version)
    );
    gauge(
        &mut out,
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds",
        "gauge",
        Some(started_at_unix as f64),
    );
    let usage = read();
    gauge(
        &mut out,
        "process_cpu_seconds_total",
        "Total user and system CPU time spent, in seconds",
        "counter",
        usage.cpu_seconds,
    );
    gauge(
        &mut out,
        "process_resident_memory_bytes",
        "Resident memory size, in bytes",
        "gauge",
        usage.resident_bytes,
    );
    gauge(
        &mut out,
        "process_virtual_memory_bytes",
        "Virtual memory size, in bytes",
        "gauge",
        usage.virtual_bytes,
    );
    gauge(
        &mut out,
        "process_open_fds",
        "Open file descriptors",
        "gauge",
        usage.open_fds,
    );
    gauge(
        &mut out,
        "process_max_fds",
        "The soft limit on open file descriptors",
        "gauge",
        usage.max_fds,
    );
    out
}

fn gauge(out: &mut String, name: &str, help: &str, kind: &str, value: Option<f64>) {
    if let Some(v) = value {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
            format_value(v)
        );
    }
}

#[cfg(target_os = "linux")]
fn read() -> Usage {
    let file = |p: &str| std::fs::read_to_string(p).ok();
    let mut usage = Usage {
        cpu_seconds: file("/proc/self/stat").and_then(|s| cpu_seconds(&s)),
        max_fds: file("/proc/self/limits").and_then(|s| max_fds(&s)),
        open_fds: std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| d.count() as f64),
        ..Usage::default()
    };
    if let Some(status) = file("/proc/self/status") {
        usage.resident_bytes = status_kib(&status, "VmRSS:").map(|k| k * 1024.0);
        usage.virtual_bytes = status_kib(&status, "VmSize:").map(|k| k * 1024.0);
    }
    usage
}

#[cfg(not(target_os = "linux"))]
fn read() -> Usage {
    Usage::default()
}

/// utime + stime of `/proc/self/stat`, in seconds. The fields are counted
/// after the command name's closing parenthesis (the name may hold spaces).
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is index 0 here; utime and stime are fields 14 and 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

/// A `kB` line of `/proc/self/status`, e.g. `VmRSS:   1234 kB`.
pub fn status_kib(status: &str, key: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
pub fn max_fds(limits: &str) -> Option<f64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    soft.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_time_past_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (ponte (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 12345 1000000 500 18446744073709551615";
        assert_eq!(cpu_seconds(stat), Some(3.0));
        assert_eq!(cpu_seconds("garbage"), None);
    }

    #[test]
    fn reads_memory_and_fd_limits() {
        let status = "Name:\tponte\nVmSize:\t  20480 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(1024.0));
        assert_eq!(status_kib(status, "VmSize:"), Some(20480.0));
        assert_eq!(status_kib(status, "VmSwap:"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n";
        assert_eq!(max_fds(limits), Some(1024.0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_memory_cpu_and_descriptors() {
        let text = render("ponte-test", "0.1.0", 1_700_000_000);
        for name in NAMES {
            assert!(
                text.contains(&format!("\n{name}")) || text.contains(&format!("# TYPE {name} ")),
                "{name} missing:\n{text}"
            );
        }
        assert!(
            text.contains("ponte_build_info{service=\"ponte-test\",version=\"0.1.0\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE process_cpu_seconds_total counter"),
            "{text}"
        );
    }
}
