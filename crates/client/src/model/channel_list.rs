//! The server's channel list (`LIST` answered by 321, 322… and 323),
//! kept for the channel browser.

use ciao_proto::{Message, Numeric};

use super::Model;
use crate::numeric::numeric;

/// Entries kept from one listing: a network with more channels than
/// this is cut (and says so) rather than eat the client's memory.
pub const MAX_LISTED_CHANNELS: usize = 100_000;

/// One channel as `LIST` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedChannel {
    pub name: String,
    pub users: usize,
    /// As sent, formatting codes and all (the view strips them).
    pub topic: String,
}

/// The latest listing.
#[derive(Debug, Clone, Default)]
pub struct ChannelList {
    pub entries: Vec<ListedChannel>,
    /// True once 323 said the listing is complete.
    pub complete: bool,
    /// True when entries past [`MAX_LISTED_CHANNELS`] were dropped.
    pub truncated: bool,
    /// Counts the listings started, so the window opens on each new one.
    pub generation: u64,
}

impl ChannelList {
    /// A new listing begins: the old one is replaced.
    fn begin(&mut self) {
        self.entries.clear();
        self.complete = false;
        self.truncated = false;
        self.generation += 1;
    }
}

impl Model {
    /// Applies a reply to `LIST`; true if `message` was one.
    pub(crate) fn apply_channel_list(&mut self, message: &Message) -> bool {
        let list = &mut self.channel_list;
        match numeric(&message.command) {
            Some(Numeric::ListStart) => list.begin(),
            Some(Numeric::List) => {
                // A server may skip 321: the first 322 after a finished
                // listing starts a new one.
                if list.complete || list.generation == 0 {
                    list.begin();
                }
                let Some(name) = message.param(1) else {
                    return true;
                };
                if list.entries.len() >= MAX_LISTED_CHANNELS {
                    list.truncated = true;
                    return true;
                }
                list.entries.push(ListedChannel {
                    name: name.to_owned(),
                    users: message.param(2).and_then(|n| n.parse().ok()).unwrap_or(0),
                    topic: message.param(3).unwrap_or("").to_owned(),
                });
            }
            Some(Numeric::ListEnd) => {
                if list.generation == 0 {
                    list.begin();
                }
                list.complete = true;
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(model: &mut Model, line: &str) {
        let message: Message = line.parse().expect("line");
        model.apply_message(&message);
    }

    #[test]
    fn a_listing_is_collected_and_replaced_by_the_next() {
        let mut model = Model::new("me");
        apply(&mut model, ":srv 321 me Channel :Users  Name");
        apply(&mut model, ":srv 322 me #rust 12 :\x02Rust\x02 talk");
        apply(&mut model, ":srv 322 me #lobby x :");
        assert!(!model.channel_list.complete);
        apply(&mut model, ":srv 323 me :End of /LIST");
        let list = &model.channel_list;
        assert!(list.complete);
        assert_eq!(list.generation, 1);
        assert_eq!(
            list.entries[0],
            ListedChannel {
                name: "#rust".into(),
                users: 12,
                topic: "\x02Rust\x02 talk".into()
            }
        );
        assert_eq!(list.entries[1].users, 0, "a bad count is not a panic");
        // Nothing of the listing goes to the server buffer.
        assert!(model.buffers[0].lines.is_empty());

        // Without 321, the next 322 still starts afresh.
        apply(&mut model, ":srv 322 me #new 1 :");
        assert_eq!(model.channel_list.generation, 2);
        assert_eq!(model.channel_list.entries.len(), 1);
        apply(&mut model, ":srv 322 me");
    }

    #[test]
    fn a_huge_listing_is_cut() {
        let mut model = Model::new("me");
        apply(&mut model, ":srv 321 me Channel :Users  Name");
        for i in 0..MAX_LISTED_CHANNELS + 5 {
            let message = Message::new("322", ["me", &format!("#c{i}"), "1", ""]);
            model.apply_message(&message);
        }
        assert_eq!(model.channel_list.entries.len(), MAX_LISTED_CHANNELS);
        assert!(model.channel_list.truncated);
    }
}
