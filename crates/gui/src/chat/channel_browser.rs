//! The channel browser: the server's answer to `LIST` in a window, with
//! a filter, the member count, the topic and a Join button per channel.
//! It opens by itself when a listing starts (after `/list` or the
//! "Channels" button).

use std::sync::Arc;

use ciao_client::Action;
use ciao_client::model::{ListedChannel, Outgoing};
use ciao_proto::Message;
use eframe::egui::{self, RichText};

use crate::session::Session;
use ciao_client::format;

/// The window's state, kept in egui's memory between frames.
#[derive(Debug, Clone, Default)]
struct Browser {
    open: bool,
    filter: String,
    by_name: bool,
    /// The listing last seen: a newer one opens the window.
    seen_generation: u64,
    /// The rows shown (indices into the listing), filtered and sorted
    /// once per change of listing, filter or order, not every frame: a
    /// network lists up to 100 000 channels.
    rows: Arc<Vec<usize>>,
    /// What `rows` was made from.
    rows_for: Option<RowsKey>,
}

/// What the shown rows depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RowsKey {
    generation: u64,
    entries: usize,
    filter: String,
    by_name: bool,
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
    let key = RowsKey {
        generation: list.generation,
        entries: list.entries.len(),
        filter: browser.filter.clone(),
        by_name: browser.by_name,
    };
    if browser.rows_for.as_ref() != Some(&key) {
        browser.rows = Arc::new(shown_rows(&list.entries, &browser.filter, browser.by_name));
        browser.rows_for = Some(key);
    }
    let rows = Arc::clone(&browser.rows);
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
            for channel in rows[range].iter().filter_map(|&i| list.entries.get(i)) {
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
                    ui.add(egui::Label::new(format::strip(&channel.topic)).truncate());
                });
            }
        });
    join
}

/// The entries matching `filter` (name or topic, any case), sorted by
/// name or by users (most first), as indices into `entries`.
fn shown_rows(entries: &[ListedChannel], filter: &str, by_name: bool) -> Vec<usize> {
    let needle = filter.to_lowercase();
    let mut rows: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let c = &entries[i];
            needle.is_empty()
                || c.name.to_lowercase().contains(&needle)
                || c.topic.to_lowercase().contains(&needle)
        })
        .collect();
    if by_name {
        rows.sort_by_cached_key(|&i| entries[i].name.to_lowercase());
    } else {
        rows.sort_by(|&a, &b| {
            let (a, b) = (&entries[a], &entries[b]);
            b.users.cmp(&a.users).then_with(|| a.name.cmp(&b.name))
        });
    }
    rows
}
