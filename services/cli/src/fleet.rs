//! Starts Ponte's binaries as child processes on this machine, waits until
//! they are ready, and stops, kills or restarts them one by one.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::SocketAddr;
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
        Service::Router,
        Service::WorkerMovidesk,
        Service::WorkerBlip,
        Service::WorkerOkdesk,
        Service::WorkerOctadesk,
        Service::WorkerWarehouse,
        Service::Ingress,
        // Last: the console shows the other services' addresses, which a
        // service bound to port 0 only knows once it is up.
        Service::Admin,
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
    #[error(
        "{service}: the process answering at {addr} is pid {pid:?}, not the child started here (pid {expected:?})"
    )]
    Impostor {
        service: &'static str,
        addr: SocketAddr,
        pid: Option<u32>,
        expected: Option<u32>,
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
    /// Port per service; absent or 0: the service binds port 0 and reports
    /// the port it got.
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
    /// The address each started service reported it listens on.
    addrs: BTreeMap<Service, SocketAddr>,
    children: BTreeMap<Service, Child>,
    /// The instance id given to each child, checked by the readiness probe.
    instances: BTreeMap<Service, String>,
}

/// What `/healthz` says about the process that answered.
#[derive(Debug, serde::Deserialize)]
struct Identity {
    pid: Option<u32>,
    instance: Option<String>,
}

impl Fleet {
    /// Starts every service in `options.services` and waits until each is
    /// ready. A service without a fixed port in `options.ports` binds port 0
    /// and reports the port it got (`PONTE_ADDR_FILE`), so two fleets on
    /// one machine never race for a port.
    pub async fn start(options: FleetOptions) -> Result<Fleet, FleetError> {
        std::fs::create_dir_all(&options.log_dir)
            .map_err(|e| FleetError::Io(options.log_dir.display().to_string(), e))?;
        let mut fleet = Fleet {
            options,
            addrs: BTreeMap::new(),
            children: BTreeMap::new(),
            instances: BTreeMap::new(),
        };
        let services = fleet.options.services.clone();
        for s in services {
            fleet.spawn(s)?;
            fleet.wait_ready(s).await?;
        }
        Ok(fleet)
    }

    /// The port the service listens on (0 if it was never started).
    pub fn port(&self, s: Service) -> u16 {
        self.addrs.get(&s).map(SocketAddr::port).unwrap_or(0)
    }

    pub fn url(&self, s: Service) -> String {
        format!("http://127.0.0.1:{}", self.port(s))
    }

    /// Records where `s` listens when it was started outside this fleet
    /// (a test running its own copy with other settings), so [`Fleet::url`]
    /// and [`Fleet::port`] name it.
    pub fn adopt(&mut self, s: Service, addr: SocketAddr) {
        self.addrs.insert(s, addr);
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

    fn addr_file(&self, s: Service) -> PathBuf {
        self.options.log_dir.join(format!("{}.addr", s.binary()))
    }

    pub fn pid(&self, s: Service) -> Option<u32> {
        self.children.get(&s).and_then(Child::id)
    }

    /// The port to ask for: the one a restarted service had before (its
    /// URL is already in providers' webhook settings), the configured one,
    /// or 0 (the kernel picks).
    fn requested_port(&self, s: Service) -> u16 {
        if let Some(addr) = self.addrs.get(&s) {
            return addr.port();
        }
        self.options.ports.get(&s).copied().unwrap_or(0)
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
        let addr_file = self.addr_file(s);
        match std::fs::remove_file(&addr_file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(FleetError::Io(addr_file.display().to_string(), e)),
        }
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let mut cmd = Command::new(&bin);
        cmd.envs(&self.options.env)
            .env(
                s.addr_key(),
                format!("127.0.0.1:{}", self.requested_port(s)),
            )
            .env("PONTE_ADDR_FILE", &addr_file)
            .env("PONTE_INSTANCE_ID", &instance)
            .env("PONTE_INGRESS_URL", self.url(Service::Ingress))
            .env("PONTE_CONSOLE_SERVICES", self.console_services())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        if self.addrs.contains_key(&Service::Ingress) {
            cmd.env("PONTE_INGRESS_URL", self.url(Service::Ingress));
        }
        let child = cmd.spawn().map_err(|source| FleetError::Spawn {
            service: s.binary(),
            source,
        })?;
        self.children.insert(s, child);
        self.instances.insert(s, instance);
        Ok(())
    }

    /// Waits for the service to report its address, checks that the
    /// process answering there is the child started here (pid and
    /// instance id in `/healthz`), then polls its readiness endpoint.
    pub async fn wait_ready(&mut self, s: Service) -> Result<(), FleetError> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + self.options.ready_timeout;
        let mut addr: Option<SocketAddr> = None;
        let mut identified = false;
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
            if addr.is_none() {
                addr = std::fs::read_to_string(self.addr_file(s))
                    .ok()
                    .and_then(|text| text.trim().parse().ok());
                if let Some(a) = addr {
                    self.addrs.insert(s, a);
                }
            }
            if let Some(a) = addr {
                if !identified {
                    identified = self.identify(&http, s, a).await?;
                }
                if identified {
                    let url = format!("http://{a}{}", s.ready_path());
                    if let Ok(r) = http.get(&url).timeout(Duration::from_secs(2)).send().await
                        && r.status().is_success()
                    {
                        return Ok(());
                    }
                }
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

    /// Whether `/healthz` at `addr` is answered by our child: `Ok(false)`
    /// while nothing answers yet, an error when another process does.
    async fn identify(
        &self,
        http: &reqwest::Client,
        s: Service,
        addr: SocketAddr,
    ) -> Result<bool, FleetError> {
        let url = format!("http://{addr}/healthz");
        let Ok(r) = http.get(&url).timeout(Duration::from_secs(2)).send().await else {
            return Ok(false);
        };
        let Ok(who) = r.json::<Identity>().await else {
            return Ok(false);
        };
        let pid = self.pid(s);
        let instance = self.instances.get(&s);
        if who.pid == pid && who.instance.as_ref() == instance {
            Ok(true)
        } else {
            Err(FleetError::Impostor {
                service: s.binary(),
                addr,
                pid: who.pid,
                expected: pid,
            })
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

impl Drop for Fleet {
    /// A fleet dropped without `shutdown` (a panicking test) kills its
    /// children and waits briefly for them to be gone, so whoever cleans up
    /// after it does not race a dying process.
    fn drop(&mut self) {
        for child in self.children.values_mut() {
            let _ = child.start_kill();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for child in self.children.values_mut() {
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}
