//! The machine, and the fleet's processes in /proc: memory and CPU.

use super::*;

pub(crate) fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

pub(crate) fn command_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// How fast one core runs a fixed, dependent integer loop right now: the
/// same binary gives different figures in different hours of a shared
/// machine, and this says which hour a run had. `None` where
/// `/proc/thread-self/schedstat` is not readable.
pub(crate) fn core_speed() -> Option<String> {
    const STEPS: u64 = 60_000_000;
    let on_cpu_ns = || -> Option<u64> {
        read("/proc/thread-self/schedstat")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let started = Instant::now();
    let before = on_cpu_ns()?;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..STEPS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x);
    let on_cpu = on_cpu_ns()?.saturating_sub(before) as f64 / 1e9;
    let wall = started.elapsed().as_secs_f64();
    (on_cpu > 0.0 && wall > 0.0).then(|| {
        format!(
            "{:.0} M xorshift steps per CPU-second, on a core {:.0} % of the time (compare runs by it)",
            STEPS as f64 / 1e6 / on_cpu,
            (on_cpu / wall * 100.0).min(100.0)
        )
    })
}

pub(crate) fn machine_facts() -> Vec<(String, String)> {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = read("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kib = read("/proc/meminfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = read("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".".into());
    let rev = command_line("git", &["-C", &repo, "rev-parse", "--short", "HEAD"]).map(|rev| {
        let dirty = command_line("git", &["-C", &repo, "status", "--porcelain"])
            .is_some_and(|s| !s.is_empty());
        if dirty {
            format!("{rev} (with uncommitted changes)")
        } else {
            rev
        }
    });
    let rustc = command_line("rustc", &["--version"]);
    vec![
        ("CPUs (nproc)".into(), format!("{cpus} × {model}")),
        (
            "RAM".into(),
            format!("{:.1} GiB", mem_kib as f64 / 1024.0 / 1024.0),
        ),
        ("kernel".into(), kernel.trim().to_string()),
        ("load average at start".into(), load),
        (
            "core speed at start".into(),
            core_speed().unwrap_or_else(|| "unavailable".into()),
        ),
        (
            "git revision".into(),
            rev.unwrap_or_else(|| "unavailable".into()),
        ),
        (
            "build".into(),
            format!(
                "{} ({})",
                if cfg!(debug_assertions) {
                    "debug — numbers are not representative"
                } else {
                    "release"
                },
                rustc.unwrap_or_else(|| "rustc ?".into())
            ),
        ),
    ]
}

pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    read(&format!("/proc/{pid}/status"))?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of a process, in clock ticks.
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = read(&format!("/proc/{pid}/stat"))?;
    // The command name is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// (busy, total) ticks of the whole machine.
pub(crate) fn machine_ticks() -> Option<(u64, u64)> {
    let stat = read("/proc/stat")?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

pub(crate) fn clock_ticks_per_sec() -> f64 {
    command_line("getconf", &["CLK_TCK"])
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// Pids of processes whose command name is `comm` (RabbitMQ, Redis).
pub(crate) fn pids_named(comm: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| read(&format!("/proc/{pid}/comm")).is_some_and(|c| c.trim() == comm))
        .collect()
}

/// The processes watched: Ponte's services, the sandbox, the bench itself,
/// and the broker and Redis (shared with anything else on the machine).
#[derive(Clone)]
pub(crate) struct Watched {
    pub(crate) procs: Vec<(String, Vec<u32>, bool)>,
}

impl Watched {
    pub(crate) fn new(t: &TestFleet) -> Watched {
        let mut procs = Vec::new();
        // Every service the fleet started, whatever the fleet's list holds.
        for svc in Svc::ALL {
            if let Some(pid) = t.fleet.pid(svc) {
                procs.push((svc.binary().to_string(), vec![pid], true));
            }
        }
        procs.push(("ponte-bench (load)".into(), vec![std::process::id()], true));
        procs.push(("rabbitmq (beam.smp)".into(), pids_named("beam.smp"), false));
        procs.push(("redis-server".into(), pids_named("redis-server"), false));
        Watched { procs }
    }

    pub(crate) fn rss(&self) -> BTreeMap<String, u64> {
        self.procs
            .iter()
            .filter(|(_, _, mem)| *mem)
            .map(|(name, pids, _)| {
                let kib = pids.iter().filter_map(|p| rss_kib(*p)).sum();
                (name.clone(), kib)
            })
            .collect()
    }

    pub(crate) fn cpu(&self) -> CpuSnapshot {
        CpuSnapshot {
            at: Instant::now(),
            per: self
                .procs
                .iter()
                .map(|(name, pids, _)| {
                    let ticks = pids.iter().filter_map(|p| cpu_ticks(*p)).sum();
                    (name.clone(), ticks)
                })
                .collect(),
            machine: machine_ticks(),
        }
    }

    /// These processes and, when given, one started since (named).
    pub(crate) fn clone_with(&self, extra: Option<(String, u32)>) -> Watched {
        let mut procs = self.procs.clone();
        procs.extend(extra.map(|(name, pid)| (name, vec![pid], true)));
        Watched { procs }
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.procs.iter().map(|(n, _, _)| n.clone()).collect()
    }
}

pub(crate) struct CpuSnapshot {
    pub(crate) at: Instant,
    pub(crate) per: BTreeMap<String, u64>,
    pub(crate) machine: Option<(u64, u64)>,
}

/// CPU use over a phase: % of one core per process, and the machine's busy %.
#[derive(Default, Clone)]
pub(crate) struct CpuUse {
    pub(crate) per: BTreeMap<String, f64>,
    pub(crate) machine_busy: Option<f64>,
}

pub(crate) fn cpu_between(a: &CpuSnapshot, b: &CpuSnapshot, hz: f64) -> CpuUse {
    let wall = b.at.duration_since(a.at).as_secs_f64().max(1e-6);
    let per = b
        .per
        .iter()
        .map(|(name, after)| {
            let before = a.per.get(name).copied().unwrap_or(0);
            let secs = after.saturating_sub(before) as f64 / hz;
            (name.clone(), 100.0 * secs / wall)
        })
        .collect();
    let machine_busy = match (a.machine, b.machine) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => {
            Some(100.0 * (b1 - b0) as f64 / (t1 - t0) as f64)
        }
        _ => None,
    };
    CpuUse { per, machine_busy }
}

/// Samples resident memory in the background; keeps the peak per phase.
pub(crate) struct MemorySampler {
    pub(crate) phase: Arc<AtomicUsize>,
    pub(crate) peaks: Arc<Mutex<BTreeMap<(usize, String), u64>>>,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

/// Index of a phase in the sampler (0 is "between phases").
pub(crate) const P_INGRESS: usize = 1;
pub(crate) const P_DRAIN: usize = 2;
pub(crate) const P_E2E: usize = 3;

impl MemorySampler {
    pub(crate) fn start(watched: Watched) -> MemorySampler {
        let phase = Arc::new(AtomicUsize::new(0));
        let peaks = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (phase, peaks, stop) = (phase.clone(), peaks.clone(), stop.clone());
            async move {
                while !stop.load(Ordering::Relaxed) {
                    let p = phase.load(Ordering::Relaxed);
                    let sample = watched.rss();
                    {
                        let mut peaks = lock(&peaks);
                        for (name, kib) in sample {
                            let e = peaks.entry((p, name)).or_insert(0);
                            *e = (*e).max(kib);
                        }
                    }
                    tokio::time::sleep(SAMPLE_EVERY).await;
                }
            }
        });
        MemorySampler {
            phase,
            peaks,
            stop,
            task,
        }
    }

    pub(crate) fn enter(&self, phase: usize) {
        self.phase.store(phase, Ordering::Relaxed);
    }

    pub(crate) async fn finish(self) -> BTreeMap<(usize, String), u64> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        lock(&self.peaks).clone()
    }
}
