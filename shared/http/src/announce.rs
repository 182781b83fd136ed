//! How a service tells whoever started it where it listens and who it is.
//!
//! A service may be given port 0 (`PONTE_*_ADDR=127.0.0.1:0`); the kernel
//! then picks a free port and nobody else can take it. The service reports
//! the address it got: a log line `listening on IP:PORT`, and, when
//! `PONTE_ADDR_FILE` names a file, that file holds `IP:PORT` (written to a
//! temporary file and renamed, so a reader never sees half of it).
//! `/healthz` and `/readyz` name the service, its pid and the instance id
//! given in `PONTE_INSTANCE_ID`, so a probe knows which process answered.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

/// The environment variable naming the file the bound address goes to.
pub const ADDR_FILE_ENV: &str = "PONTE_ADDR_FILE";
/// The environment variable carrying an id the launcher gave this process.
pub const INSTANCE_ENV: &str = "PONTE_INSTANCE_ID";

/// Who answers `/healthz` and `/readyz`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Identity {
    pub service: &'static str,
    pub pid: u32,
    pub instance: Option<String>,
}

static IDENTITY: OnceLock<Identity> = OnceLock::new();
static STARTED: OnceLock<u64> = OnceLock::new();

/// When this process started (first asked, or [`set_service`]), in seconds
/// since the Unix epoch.
pub(crate) fn started_at_unix() -> u64 {
    *STARTED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}

/// Records the service's name (once per process; [`crate::init_telemetry`]
/// does it).
pub fn set_service(service: &'static str) {
    started_at_unix();
    let _ = IDENTITY.set(Identity {
        service,
        pid: std::process::id(),
        instance: std::env::var(INSTANCE_ENV).ok().filter(|s| !s.is_empty()),
    });
}

/// This process's identity (`service` is `unknown` before [`set_service`]).
pub fn identity() -> Identity {
    IDENTITY.get().cloned().unwrap_or_else(|| Identity {
        service: "unknown",
        pid: std::process::id(),
        instance: std::env::var(INSTANCE_ENV).ok().filter(|s| !s.is_empty()),
    })
}

/// Logs `listening on {addr}` and writes the address to `PONTE_ADDR_FILE`
/// when it is set.
pub fn announce(addr: SocketAddr) -> std::io::Result<()> {
    tracing::info!(%addr, "listening on {addr}");
    match std::env::var_os(ADDR_FILE_ENV) {
        Some(path) if !path.is_empty() => write_addr_file(Path::new(&path), addr),
        _ => Ok(()),
    }
}

/// Writes `addr` to `path` atomically (temporary file, then rename).
pub fn write_addr_file(path: &Path, addr: SocketAddr) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, addr.to_string())?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_file_holds_exactly_the_address() {
        let dir = std::env::temp_dir().join(format!("ponte-announce-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("svc.addr");
        let addr: SocketAddr = "127.0.0.1:40123".parse().expect("addr");
        write_addr_file(&path, addr).expect("write");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "127.0.0.1:40123"
        );
        let again: SocketAddr = "127.0.0.1:40124".parse().expect("addr");
        write_addr_file(&path, again).expect("rewrite");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "127.0.0.1:40124"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
