//! "Host a chat": ciao-server's library running inside the app, keeping
//! history in the app's data directory as `ciao-server` does by default.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// Who may join a hosted chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Reach {
    /// Every interface (0.0.0.0): others on the network can join.
    #[default]
    Network,
    /// Loopback only (127.0.0.1): nobody but this computer.
    ThisComputer,
}

impl Reach {
    fn address(self) -> Ipv4Addr {
        match self {
            Reach::Network => Ipv4Addr::UNSPECIFIED,
            Reach::ThisComputer => Ipv4Addr::LOCALHOST,
        }
    }
}

/// The web port `ciao-server` listens on by default (browsers refuse the
/// IRC ports).
const WEB_PORT: u16 = 8067;

/// Where the hosted server keeps its history: `ciao` in the user's data
/// directory (`~/.local/share/ciao` on Linux), as `ciao-server` does.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("ciao"))
}

#[derive(Debug)]
pub struct HostedServer {
    pub port: u16,
    /// The address it listens on.
    pub bound: SocketAddr,
    /// Addresses others on the network can use to join.
    pub addresses: Vec<String>,
    /// The chat's page, for those who join from a browser (empty if no
    /// web port could be had).
    pub web_urls: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl HostedServer {
    /// Listens at `port` (0: any free port) on the interfaces `reach`
    /// says, keeping history in `data_dir` (none without one).
    pub fn start(
        runtime: &tokio::runtime::Handle,
        port: u16,
        reach: Reach,
        data_dir: Option<PathBuf>,
    ) -> Result<Self, String> {
        if let Some(dir) = &data_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("Could not keep history in {}: {e}", dir.display()))?;
        }
        let addr = SocketAddr::from((reach.address(), port));
        let listener = {
            let _guard = runtime.enter();
            ciao_server::bind(addr).map_err(|e| format!("Could not host on port {port}: {e}"))?
        };
        let bound = listener.local_addr().unwrap_or(addr);
        let port = bound.port();
        // The page on ciao-server's web port, or any free one when that is
        // taken (another ciao, say): hosting never fails for want of it.
        let web = {
            let _guard = runtime.enter();
            let web_addr = SocketAddr::from((reach.address(), WEB_PORT));
            ciao_server::bind(web_addr)
                .or_else(|_| ciao_server::bind(SocketAddr::from((reach.address(), 0))))
                .ok()
        };
        let web_port = web
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port());
        let config = ciao_server::Config {
            history: data_dir.map(ciao_server::HistoryConfig::new),
            ..ciao_server::Config::default()
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let listeners = ciao_server::Listeners {
            plain: vec![listener],
            web: web.into_iter().collect(),
            ..ciao_server::Listeners::default()
        };
        let task = runtime.spawn(ciao_server::run(config, listeners, async move {
            let _ = stopped.await;
        }));
        let at = |port| match reach {
            Reach::Network => lan_addresses(port),
            Reach::ThisComputer => vec![format!("127.0.0.1:{port}")],
        };
        let addresses = at(port);
        let web_urls = web_port.map_or(Vec::new(), |web_port| {
            at(web_port)
                .into_iter()
                .map(|address| format!("http://{address}/"))
                .collect()
        });
        Ok(HostedServer {
            port,
            bound,
            addresses,
            web_urls,
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
