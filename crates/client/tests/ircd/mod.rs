//! Other IRC servers for the client's tests: InspIRCd and ngIRCd from
//! Debian, each started in a private directory on a free port of
//! 127.0.0.1, with the flood control and limits a small network runs.
//! They stand in for "the other networks" a user of the app joins.
//!
//! The daemons refuse to run as root, so under root they run as `nobody`
//! (setpriv). A missing daemon fails the test with the apt-get line that
//! installs it: a test that skipped itself would prove nothing.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The daemons the tests know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InspIrcd,
    NgIrcd,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::InspIrcd, Kind::NgIrcd];

    fn binary(self) -> &'static str {
        match self {
            Kind::InspIrcd => "/usr/sbin/inspircd",
            Kind::NgIrcd => "/usr/sbin/ngircd",
        }
    }

    fn package(self) -> &'static str {
        match self {
            Kind::InspIrcd => "inspircd",
            Kind::NgIrcd => "ngircd",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Kind::InspIrcd => include_str!("inspircd.conf"),
            Kind::NgIrcd => include_str!("ngircd.conf"),
        }
    }

    /// The config line that makes clients give a server password.
    fn password_line(self, password: &str) -> String {
        match self {
            Kind::InspIrcd => format!("password=\"{password}\""),
            Kind::NgIrcd => format!("Password = {password}"),
        }
    }

    fn args(self, config: &std::path::Path) -> Vec<String> {
        let config = config.display().to_string();
        match self {
            Kind::InspIrcd => vec!["--nofork".into(), format!("--config={config}")],
            Kind::NgIrcd => vec!["--nodaemon".into(), "--config".into(), config],
        }
    }
}

/// How long a daemon may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running daemon; stopped (killed) when dropped.
#[derive(Debug)]
pub struct Ircd {
    pub kind: Kind,
    pub port: u16,
    child: Child,
    /// Holds the config, MOTD and logs; removed on drop.
    dir: tempfile::TempDir,
}

impl Ircd {
    pub fn start(kind: Kind) -> Ircd {
        Self::start_with_password(kind, None)
    }

    /// Starts `kind`; with a password, clients must give it (PASS).
    pub fn start_with_password(kind: Kind, password: Option<&str>) -> Ircd {
        assert!(
            std::path::Path::new(kind.binary()).exists(),
            "{} is missing: apt-get install {}",
            kind.binary(),
            kind.package()
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("conf.d")).expect("conf.d");
        std::fs::write(
            dir.path().join("motd.txt"),
            "Welcome to the test network.\n",
        )
        .expect("motd");
        let port = free_port();
        let config = kind
            .template()
            .replace("@PORT@", &port.to_string())
            .replace("@DIR@", &dir.path().display().to_string())
            .replace(
                "@PASSWORD@",
                &password.map(|p| kind.password_line(p)).unwrap_or_default(),
            );
        let config_path = dir.path().join("ircd.conf");
        std::fs::write(&config_path, config).expect("config");
        let mut command = if is_root() {
            // The daemons will not run as root; `nobody` must own its files.
            let status = Command::new("chown")
                .args(["-R", "nobody:", &dir.path().display().to_string()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown failed");
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--",
                kind.binary(),
            ]);
            command
        } else {
            Command::new(kind.binary())
        };
        let log = std::fs::File::create(dir.path().join("stdout.log")).expect("log");
        let child = command
            .args(kind.args(&config_path))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the daemon");
        let mut ircd = Ircd {
            kind,
            port,
            child,
            dir,
        };
        ircd.wait_listening();
        ircd
    }

    /// Polls the port until the daemon accepts (each try is bounded),
    /// failing with its log if it exits or takes too long.
    fn wait_listening(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            let exited = self.child.try_wait().ok().flatten();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "{:?} did not start listening on port {} ({exited:?}):\n{}",
                self.kind,
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the daemon wrote, for failure messages.
    pub fn log(&self) -> String {
        let mut text = String::new();
        for name in ["stdout.log", "ircd.log"] {
            let path: PathBuf = self.dir.path().join(name);
            if let Ok(content) = std::fs::read_to_string(path) {
                text.push_str(&content);
            }
        }
        text
    }
}

impl Drop for Ircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// A port nobody listens on right now (bound, then released): the
/// daemons cannot be given port 0 and report back.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}
