//! The channel browser: the server's answer to `LIST` in a window, with
//! a filter, the member count, the topic and a Join button per channel.
//! It opens by itself when a listing starts (after `/list` or the
//! "Channels" button).

use ciao_client::Action;
use ciao_client::model::{ListedChannel, Outgoing};
use ciao_proto::Message;
use eframe::egui::{self, RichText};

use super::formatting;
use crate::session::Session;

/// The window's state, kept in egui's memory between frames.
#[derive(Debug, Clone, Default)]
struct Browser {
    open: bool,
    filter: String,
    by_name: bool,
    /// The listing last seen: a newer one opens the window.
    seen_generation: u64,
}

fn id() -> egui::Id {
    egui::Id::unique("channel-browser")
}

/// Asks the server for its channels; the window opens as they arrive.
pub fn request(session: &mut Session) {
    session.send(Outgoing {
        messages: vec![Message::new("LIST", Vec::<String>::new())],
        quit: None,
    });
}

pub fn show(session: &mut Session, ctx: &egui::Context) {
    let mut browser: Browser = ctx.data(|d| d.get_temp(id()).unwrap_or_default());
    let list = &session.model.channel_list;
    if list.generation != browser.seen_generation {
        browser.seen_generation = list.generation;
        browser.open = true;
    }
    if !browser.open {
        ctx.data_mut(|d| d.insert_temp(id(), browser));
        return;
    }
    let mut join = None;
    let mut open = browser.open;
    egui::Window::new("Channels")
        .open(&mut open)
        .default_size([560.0, 400.0])
        .show(ctx, |ui| {
            join = contents(ui, &mut browser, list);
        });
    browser.open = open;
    if let Some(channel) = join {
        let outgoing = session.model.prepare(Action::Join { channel, key: None });
        session.send(outgoing);
    }
    ctx.data_mut(|d| d.insert_temp(id(), browser));
}

/// The filter, the header and the rows; the channel to join, if clicked.
fn contents(
    ui: &mut egui::Ui,
    browser: &mut Browser,
    list: &ciao_client::model::ChannelList,
) -> Option<String> {
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.text_edit_singleline(&mut browser.filter)
            .labelled_by(label.id);
    });
    let needle = browser.filter.to_lowercase();
    let mut rows: Vec<&ListedChannel> = list
        .entries
        .iter()
        .filter(|c| {
            needle.is_empty()
                || c.name.to_lowercase().contains(&needle)
                || c.topic.to_lowercase().contains(&needle)
        })
        .collect();
    if browser.by_name {
        rows.sort_by_cached_key(|c| c.name.to_lowercase());
    } else {
        rows.sort_by(|a, b| b.users.cmp(&a.users).then_with(|| a.name.cmp(&b.name)));
    }
    let mut status = format!("{} of {} channels", rows.len(), list.entries.len());
    if !list.complete {
        status.push_str(", still arriving…");
    }
    if list.truncated {
        status.push_str(&format!(
            " (the list was cut at {})",
            ciao_client::model::MAX_LISTED_CHANNELS
        ));
    }
    ui.label(RichText::new(status).weak());
    ui.horizontal(|ui| {
        ui.add_space(50.0);
        if ui.selectable_label(browser.by_name, "Channel").clicked() {
            browser.by_name = true;
        }
        ui.add_space(60.0);
        if ui.selectable_label(!browser.by_name, "Users").clicked() {
            browser.by_name = false;
        }
        ui.label("Topic");
    });
    ui.separator();
    let mut join = None;
    let row_height = ui.spacing().interact_size.y;
    // Only the rows on screen are laid out: a network lists thousands.
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for channel in &rows[range] {
                ui.horizontal(|ui| {
                    if ui.button("Join").clicked() {
                        join = Some(channel.name.clone());
                    }
                    ui.add_sized(
                        [140.0, row_height],
                        egui::Label::new(RichText::new(&channel.name).strong()).truncate(),
                    );
                    ui.add_sized(
                        [40.0, row_height],
                        egui::Label::new(channel.users.to_string()),
                    );
                    ui.add(egui::Label::new(formatting::plain(&channel.topic)).truncate());
                });
            }
        });
    join
}
