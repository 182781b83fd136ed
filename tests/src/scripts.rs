//! The repository's scripts as tests run them (`scripts/rabbit-cluster`,
//! `scripts/redis-sentinel`), and what a node-loss test checks of the
//! fleet afterwards.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use crate::{Svc, TestFleet};

/// `scripts/NAME ARGS…`; its stdout, or a panic with its whole output.
pub fn run(name: &str, args: &[&str]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name);
    let out = Command::new("bash")
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/{name}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "scripts/{name} {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `scripts/NAME ARGS…` without caring how it ends (clean-up in `Drop`).
pub fn run_quietly(name: &str, args: &[&str]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name);
    let _ = Command::new("bash").arg(path).args(args).output();
}

/// The value of the line `KEY=value` a script printed.
pub fn printed(out: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    out.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("the script printed no {key}: {out}"))
        .trim()
        .to_string()
}

/// The pids of `services`, to compare after a fault.
pub fn pids(t: &TestFleet, services: &[Svc]) -> BTreeMap<Svc, Option<u32>> {
    services.iter().map(|s| (*s, t.fleet.pid(*s))).collect()
}

/// Services whose process changed since `before`, and services (all but
/// the sandbox) whose `/readyz` does not answer 2xx.
pub async fn restarted_and_unready(
    t: &TestFleet,
    before: &BTreeMap<Svc, Option<u32>>,
) -> (Vec<Svc>, Vec<Svc>) {
    let (mut restarted, mut not_ready) = (Vec::new(), Vec::new());
    for (s, pid) in before {
        if t.fleet.pid(*s) != *pid {
            restarted.push(*s);
        }
        if *s == Svc::Sandbox {
            continue; // neither a broker nor a Redis client
        }
        let ready = t
            .http
            .get(format!("{}/readyz", t.url(*s)))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if !ready {
            not_ready.push(*s);
        }
    }
    (restarted, not_ready)
}
