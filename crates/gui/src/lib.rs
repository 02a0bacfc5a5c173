//! ciao, the desktop client: a connect/host screen and the chat view,
//! drawn with egui, driving `ciao-client`'s connection and model.

pub mod app;
pub mod chat;
pub mod connect_screen;
pub mod fonts;
pub mod host;
pub mod servers;
pub mod session;
pub mod settings_window;
pub mod trust_prompt;
pub mod view_settings;

pub use app::{CiaoApp, Intent, Prefs};
