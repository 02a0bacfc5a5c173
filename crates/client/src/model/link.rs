//! The link's life as the model sees it: connected, failed, capabilities,
//! closed.

use super::*;
use crate::connection::Update;

impl Model {
    /// Applies one update from the connection.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Connected => self.link = LinkState::Connected,
            Update::ConnectFailed(reason) => {
                self.link = LinkState::Disconnected(reason.clone());
                self.note(reason, LineKind::Error);
            }
            Update::CapsOffered(caps) => self.multiline.offered(caps),
            Update::CapsAcked(caps) => {
                self.multiline.acked(caps);
                if caps.iter().any(|c| c == "echo-message") {
                    self.echo_message = true;
                }
                if caps.iter().any(|c| c == "draft/chathistory") {
                    self.chathistory = true;
                }
            }
            Update::Message(message) => self.apply_message(message),
            Update::Disconnected(reason) => {
                self.link = LinkState::Disconnected(reason.clone());
                let time = now_millis();
                for index in 0..self.buffers.len() {
                    let line = self.line(time, None, reason.clone(), LineKind::Error);
                    self.buffers[index].lines.push(line);
                    self.buffers[index].members.clear();
                    if self.buffers[index].kind == BufferKind::Channel {
                        self.buffers[index].joined = false;
                    }
                }
            }
        }
    }
}
