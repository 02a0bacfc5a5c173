//! "Host a chat": ciao-server's library running inside the app.

use std::net::{IpAddr, SocketAddr};

use tokio::sync::oneshot;

#[derive(Debug)]
pub struct HostedServer {
    pub port: u16,
    /// Addresses others on the network can use to join.
    pub addresses: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl HostedServer {
    /// Listens on every interface at `port` (0: any free port).
    pub fn start(runtime: &tokio::runtime::Handle, port: u16) -> Result<Self, String> {
        let addr = SocketAddr::from(([0, 0, 0, 0], port));
        let listener = {
            let _guard = runtime.enter();
            ciao_server::bind(addr).map_err(|e| format!("Could not host on port {port}: {e}"))?
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = runtime.spawn(ciao_server::run(
            ciao_server::Config::default(),
            vec![listener],
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(HostedServer {
            port,
            addresses: lan_addresses(port),
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops the server: everyone is told goodbye.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits (bounded) for the server to finish saying goodbye.
    pub fn wait(&mut self, runtime: &tokio::runtime::Handle) {
        if let Some(task) = self.task.take() {
            let _ = runtime.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(3), task).await
            });
        }
    }
}

impl Drop for HostedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `ip:port` for each non-loopback IPv4 address of this machine.
fn lan_addresses(port: u16) -> Vec<String> {
    let mut found: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            IpAddr::V4(ip) => Some(format!("{ip}:{port}")),
            IpAddr::V6(_) => None,
        })
        .collect();
    if found.is_empty() {
        found.push(format!("127.0.0.1:{port}"));
    }
    found
}
