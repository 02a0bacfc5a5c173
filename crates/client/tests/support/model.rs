//! What the model-only tests share: server lines fed to a model without
//! any network.

use ciao_client::{LineKind, Model, Update};
use ciao_proto::Message;

/// Applies `line` as the server had sent it.
pub fn feed_one(model: &mut Model, line: &str) {
    let message: Message = line.parse().expect("valid line");
    model.apply(&Update::Message(message));
}

/// Applies each of `lines` as the server had sent them.
pub fn feed(model: &mut Model, lines: &[&str]) {
    for line in lines {
        feed_one(model, line);
    }
}

/// A model registered as `me` and in #lobby with bob.
pub fn in_lobby() -> Model {
    in_lobby_with("@me bob")
}

/// A model registered as `me` and in #lobby, whose NAMES reply is `names`.
pub fn in_lobby_with(names: &str) -> Model {
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #lobby",
            &format!(":srv 353 me = #lobby :{names}"),
            ":srv 366 me #lobby :End",
        ],
    );
    model
}

/// The last `n` lines of the buffer named `name`, as (kind, text).
pub fn tail(model: &Model, name: &str, n: usize) -> Vec<(LineKind, String)> {
    let lines = &model.buffer(name).expect("buffer").lines;
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| (l.kind, l.text.clone()))
        .collect()
}
