//! Starts Ponte's binaries as child processes on this machine, waits until
//! they are ready, and stops, kills or restarts them one by one.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Sandbox,
    Ingress,
    Router,
    WorkerMovidesk,
    WorkerBlip,
    WorkerOkdesk,
    WorkerOctadesk,
    WorkerWarehouse,
    Admin,
}

impl Service {
    pub const ALL: [Service; 9] = [
        Service::Sandbox,
        Service::Admin,
        Service::Router,
        Service::WorkerMovidesk,
        Service::WorkerBlip,
        Service::WorkerOkdesk,
        Service::WorkerOctadesk,
        Service::WorkerWarehouse,
        Service::Ingress,
    ];

    pub fn binary(self) -> &'static str {
        match self {
            Service::Sandbox => "ponte-sandbox",
            Service::Ingress => "ponte-ingress",
            Service::Router => "ponte-router",
            Service::WorkerMovidesk => "ponte-worker-movidesk",
            Service::WorkerBlip => "ponte-worker-blip",
            Service::WorkerOkdesk => "ponte-worker-okdesk",
            Service::WorkerOctadesk => "ponte-worker-octadesk",
            Service::WorkerWarehouse => "ponte-worker-warehouse",
            Service::Admin => "ponte-admin",
        }
    }

    fn addr_key(self) -> &'static str {
        match self {
            Service::Sandbox => "PONTE_SANDBOX_ADDR",
            Service::Ingress => "PONTE_INGRESS_ADDR",
            Service::Router => "PONTE_ROUTER_ADDR",
            Service::WorkerMovidesk
            | Service::WorkerBlip
            | Service::WorkerOkdesk
            | Service::WorkerOctadesk
            | Service::WorkerWarehouse => "PONTE_WORKER_ADDR",
            Service::Admin => "PONTE_ADMIN_ADDR",
        }
    }

    /// The port `ponte up` uses by default.
    pub fn default_port(self) -> u16 {
        match self {
            Service::Sandbox => 8090,
            Service::Ingress => 8080,
            Service::Router => 9101,
            Service::WorkerMovidesk => 9102,
            Service::WorkerBlip => 9103,
            Service::WorkerOkdesk => 9104,
            Service::WorkerOctadesk => 9105,
            Service::WorkerWarehouse => 9106,
            Service::Admin => 8081,
        }
    }

    fn ready_path(self) -> &'static str {
        match self {
            Service::Sandbox => "/healthz",
            _ => "/readyz",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("binary {0} not found; build the workspace first (`cargo build --bins`)")]
    MissingBinary(PathBuf),
    #[error("cannot start {service}: {source}")]
    Spawn {
        service: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{service} exited during start-up ({status}); see its log at {log}")]
    Exited {
        service: &'static str,
        status: String,
        log: String,
    },
    #[error("{service} was not ready within {secs}s; see its log at {log}")]
    NotReady {
        service: &'static str,
        secs: u64,
        log: String,
    },
    #[error("cannot prepare {0}: {1}")]
    Io(String, std::io::Error),
}

#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Where the binaries are (by default beside the running executable).
    pub bin_dir: PathBuf,
    pub log_dir: PathBuf,
    /// Environment given to every service (namespace, URLs, tokens...).
    pub env: BTreeMap<String, String>,
    /// Port per service; 0 picks a free one.
    pub ports: BTreeMap<Service, u16>,
    pub services: Vec<Service>,
    pub ready_timeout: Duration,
}

impl FleetOptions {
    /// The directory of the running executable: cargo puts every binary of
    /// the workspace there (`target/debug` or `target/release`).
    pub fn default_bin_dir() -> PathBuf {
        let exe = std::env::current_exe().unwrap_or_default();
        let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        // Test executables live one level down, in `deps/`.
        if dir.ends_with("deps") {
            dir.parent().map(Path::to_path_buf).unwrap_or(dir)
        } else {
            dir
        }
    }
}

pub struct Fleet {
    options: FleetOptions,
    ports: BTreeMap<Service, u16>,
    children: BTreeMap<Service, Child>,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

impl Fleet {
    /// Starts every service in `options.services` and waits until each is
    /// ready.
    pub async fn start(options: FleetOptions) -> Result<Fleet, FleetError> {
        std::fs::create_dir_all(&options.log_dir)
            .map_err(|e| FleetError::Io(options.log_dir.display().to_string(), e))?;
        let mut ports = BTreeMap::new();
        for s in Service::ALL {
            let p = options.ports.get(&s).copied().unwrap_or(0);
            ports.insert(s, if p == 0 { free_port() } else { p });
        }
        let mut fleet = Fleet {
            options,
            ports,
            children: BTreeMap::new(),
        };
        let services = fleet.options.services.clone();
        for s in services {
            fleet.spawn(s)?;
            fleet.wait_ready(s).await?;
        }
        Ok(fleet)
    }

    pub fn port(&self, s: Service) -> u16 {
        self.ports.get(&s).copied().unwrap_or(0)
    }

    pub fn url(&self, s: Service) -> String {
        format!("http://127.0.0.1:{}", self.port(s))
    }

    /// `name=url,...` of the started services, for the console's fleet page.
    fn console_services(&self) -> String {
        self.options
            .services
            .iter()
            .filter(|s| **s != Service::Sandbox)
            .map(|s| {
                let name = s.binary().strip_prefix("ponte-").unwrap_or(s.binary());
                format!("{name}={}", self.url(*s))
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn log_path(&self, s: Service) -> PathBuf {
        self.options.log_dir.join(format!("{}.log", s.binary()))
    }

    pub fn pid(&self, s: Service) -> Option<u32> {
        self.children.get(&s).and_then(Child::id)
    }

    fn spawn(&mut self, s: Service) -> Result<(), FleetError> {
        let bin = self.options.bin_dir.join(s.binary());
        if !bin.exists() {
            return Err(FleetError::MissingBinary(bin));
        }
        let log_path = self.log_path(s);
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| FleetError::Io(log_path.display().to_string(), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| FleetError::Io(log_path.display().to_string(), e))?;
        let mut cmd = Command::new(&bin);
        cmd.envs(&self.options.env)
            .env(s.addr_key(), format!("127.0.0.1:{}", self.port(s)))
            .env("PONTE_INGRESS_URL", self.url(Service::Ingress))
            .env("PONTE_CONSOLE_SERVICES", self.console_services())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|source| FleetError::Spawn {
            service: s.binary(),
            source,
        })?;
        self.children.insert(s, child);
        Ok(())
    }

    /// Polls the service's readiness endpoint.
    pub async fn wait_ready(&mut self, s: Service) -> Result<(), FleetError> {
        let http = reqwest::Client::new();
        let url = format!("{}{}", self.url(s), s.ready_path());
        let deadline = Instant::now() + self.options.ready_timeout;
        loop {
            if let Some(child) = self.children.get_mut(&s)
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(FleetError::Exited {
                    service: s.binary(),
                    status: status.to_string(),
                    log: self.log_path(s).display().to_string(),
                });
            }
            if let Ok(r) = http.get(&url).timeout(Duration::from_secs(2)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(FleetError::NotReady {
                    service: s.binary(),
                    secs: self.options.ready_timeout.as_secs(),
                    log: self.log_path(s).display().to_string(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(&mut self, s: Service) {
        if let Some(mut child) = self.children.remove(&s) {
            let _ = child.kill().await;
        }
    }

    /// SIGTERM, then wait up to `grace` before killing.
    pub async fn stop(&mut self, s: Service, grace: Duration) {
        if let Some(mut child) = self.children.remove(&s) {
            if let Some(pid) = child.id() {
                let _ = Command::new("kill")
                    .arg("-TERM")
                    .arg(pid.to_string())
                    .status()
                    .await;
            }
            if tokio::time::timeout(grace, child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
        }
    }

    pub async fn start_service(&mut self, s: Service) -> Result<(), FleetError> {
        self.spawn(s)?;
        self.wait_ready(s).await
    }

    /// Whether a service exited on its own.
    pub fn exited(&mut self, s: Service) -> Option<String> {
        let child = self.children.get_mut(&s)?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// Stops everything gracefully, the entry first and the sandbox last.
    pub async fn shutdown(mut self) {
        for s in [
            Service::Ingress,
            Service::Router,
            Service::WorkerMovidesk,
            Service::WorkerBlip,
            Service::WorkerOkdesk,
            Service::WorkerOctadesk,
            Service::WorkerWarehouse,
            Service::Admin,
            Service::Sandbox,
        ] {
            self.stop(s, Duration::from_secs(10)).await;
        }
    }
}
