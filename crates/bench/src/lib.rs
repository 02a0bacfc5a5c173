//! ciao-bench's scenarios as a library, so tests can run them against an
//! in-process server. The binary (`main.rs`) only parses flags.

pub mod attack;
pub mod churn;
pub mod conn;
pub mod fanout;
pub mod idle;
pub mod procfs;
pub mod soak;
pub mod tls;
pub mod ws;
