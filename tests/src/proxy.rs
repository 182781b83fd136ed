//! A TCP proxy a test can cut and restore: the broker "goes away" for the
//! processes pointed at the proxy only, while the shared RabbitMQ keeps
//! running for everyone else.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

pub struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free local port and forwards every connection to
    /// `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("proxy bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let upstream = upstream.to_string();
        let accept = tokio::spawn({
            let (up, connections) = (up.clone(), connections.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        // Cut: the connection is closed as soon as it opens.
                        drop(inbound);
                        continue;
                    }
                    let upstream = upstream.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                            let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    if let Ok(mut list) = connections.lock() {
                        list.retain(|h| !h.is_finished());
                        list.push(task.abort_handle());
                    }
                }
            }
        });
        Proxy {
            port,
            up,
            connections,
            accept,
        }
    }

    /// A proxy in front of the broker of `amqp_url`, and the URL to give the
    /// processes that should lose the broker when it is cut.
    pub async fn for_amqp_url(amqp_url: &str) -> (Proxy, String) {
        let (scheme_auth, rest) = amqp_url
            .rsplit_once('@')
            .map(|(a, r)| (format!("{a}@"), r))
            .unwrap_or_else(|| {
                let (s, r) = amqp_url.split_once("://").unwrap_or(("amqp", amqp_url));
                (format!("{s}://"), r)
            });
        let (host_port, path) = rest.split_once('/').unwrap_or((rest, ""));
        let upstream = if host_port.contains(':') {
            host_port.to_string()
        } else {
            format!("{host_port}:5672")
        };
        let proxy = Proxy::start(&upstream).await;
        let url = format!("{scheme_auth}127.0.0.1:{}/{path}", proxy.port);
        (proxy, url)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        if let Ok(mut list) = self.connections.lock() {
            for h in list.drain(..) {
                h.abort();
            }
        }
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}
