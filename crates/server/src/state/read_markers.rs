//! draft/read-marker: how far each reader has read in each conversation.
//!
//! Kept in memory (a marker is a few dozen bytes), keyed by the reader's
//! identity and the conversation as `state::parties` says: a logged-in
//! reader's markers are its account's (`@account`), of channels and of
//! private conversations, stored through the history writer and loaded
//! at start, so that another connection of the account — later, or after
//! a restart — knows where reading stopped. An anonymous reader's channel
//! marker is its nick's and stored the same way (it says how far someone
//! read a channel anyone there can read, nothing private); its private
//! markers are its session's (`state::sessions`): each carries the id of
//! the nick session that set it, is reported only to that session and is
//! never stored, so a later holder of the nick learns nothing of whom its
//! earlier holder talked to. Private markers stored under a nick (before
//! this rule) are not loaded.
//!
//! Bounded twice: per nick (the marker read longest ago goes) and in all
//! (the marker set longest ago goes), so nobody can fill the table for
//! everyone else.

use std::collections::{HashMap, VecDeque};

use ciao_proto::CaseKey;

use crate::history::ReadMarker;
use crate::state::parties::marker_is_kept;

/// Most conversations with a marker per nick.
pub(crate) const MAX_PER_NICK: usize = 1000;
/// Most markers in all (a few MB).
pub(crate) const MAX_TOTAL: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct ReadMarkers {
    /// Folded nick → folded target → the marker.
    by_nick: HashMap<CaseKey, HashMap<CaseKey, Marker>>,
    /// Markers in the order they were last set, oldest first. An entry
    /// whose sequence number is no longer the marker's own is stale (the
    /// marker was set again, or forgotten) and skipped.
    order: VecDeque<(u64, CaseKey, CaseKey)>,
    total: usize,
    next_seq: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    /// Unix milliseconds.
    time: u64,
    /// When it was last set, in setting order.
    seq: u64,
    /// The nick session that set it, for a private target; `None` for a
    /// channel.
    session: Option<u64>,
}

/// What [`ReadMarkers::advance`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Advanced {
    /// The marker moved (or is new).
    pub(crate) changed: bool,
    /// A marker forgotten to make room: (folded nick, folded target).
    pub(crate) forgotten: Option<(String, String)>,
}

impl ReadMarkers {
    /// Takes the markers stored by an earlier run, oldest first, so that
    /// the newest are kept if there are more than fit.
    /// Private targets' markers of a nick (from before sessions) are
    /// left out: no session set them.
    pub(crate) fn load(&mut self, mut markers: Vec<ReadMarker>) {
        markers.retain(|marker| marker_is_kept(&marker.nick, &marker.target));
        markers.sort_by_key(|marker| marker.time);
        for marker in markers {
            self.advance(&marker.nick, &marker.target, marker.time, None);
        }
    }

    /// `nick`'s marker in `target`, if `session` set it (`None`: a
    /// channel's).
    pub(crate) fn get(&self, nick: &str, target: &str, session: Option<u64>) -> Option<u64> {
        self.by_nick
            .get(&CaseKey::new(nick))?
            .get(&CaseKey::new(target))
            .filter(|marker| marker.session == session)
            .map(|marker| marker.time)
    }

    /// Moves `nick`'s marker in `target` forward to `time` (never back),
    /// as set by `session` (`None` for a channel): one another session
    /// set is replaced, whatever its time.
    pub(crate) fn advance(
        &mut self,
        nick: &str,
        target: &str,
        time: u64,
        session: Option<u64>,
    ) -> Advanced {
        let (nick, target) = (CaseKey::new(nick), CaseKey::new(target));
        self.next_seq += 1;
        let seq = self.next_seq;
        if let Some(marker) = self
            .by_nick
            .get_mut(&nick)
            .and_then(|markers| markers.get_mut(&target))
        {
            if marker.session == session && marker.time >= time {
                return Advanced::default();
            }
            *marker = Marker { time, seq, session };
            self.order.push_back((seq, nick, target));
            self.compact();
            return Advanced {
                changed: true,
                forgotten: None,
            };
        }
        let forgotten = if self
            .by_nick
            .get(&nick)
            .is_some_and(|markers| markers.len() >= MAX_PER_NICK)
        {
            self.forget_oldest_read(&nick)
        } else if self.total >= MAX_TOTAL {
            self.forget_least_recently_set()
        } else {
            None
        };
        self.by_nick
            .entry(nick.clone())
            .or_default()
            .insert(target.clone(), Marker { time, seq, session });
        self.total += 1;
        self.order.push_back((seq, nick, target));
        self.compact();
        Advanced {
            changed: true,
            forgotten,
        }
    }

    /// Forgets `nick`'s marker that points furthest back.
    fn forget_oldest_read(&mut self, nick: &CaseKey) -> Option<(String, String)> {
        let markers = self.by_nick.get_mut(nick)?;
        let oldest = markers
            .iter()
            .min_by_key(|(_, marker)| marker.time)
            .map(|(target, _)| target.clone())?;
        markers.remove(&oldest);
        self.total -= 1;
        Some((nick.as_str().to_owned(), oldest.as_str().to_owned()))
    }

    /// Forgets the marker set longest ago, of whichever nick.
    fn forget_least_recently_set(&mut self) -> Option<(String, String)> {
        while let Some((seq, nick, target)) = self.order.pop_front() {
            let Some(markers) = self.by_nick.get_mut(&nick) else {
                continue;
            };
            if markers.get(&target).is_some_and(|m| m.seq == seq) {
                markers.remove(&target);
                if markers.is_empty() {
                    self.by_nick.remove(&nick);
                }
                self.total -= 1;
                return Some((nick.as_str().to_owned(), target.as_str().to_owned()));
            }
        }
        None
    }

    /// Drops stale entries of `order` once they outnumber the live ones.
    fn compact(&mut self) {
        if self.order.len() <= 2 * self.total + 1024 {
            return;
        }
        let mut live: Vec<(u64, CaseKey, CaseKey)> = self
            .by_nick
            .iter()
            .flat_map(|(nick, markers)| {
                markers
                    .iter()
                    .map(|(target, marker)| (marker.seq, nick.clone(), target.clone()))
            })
            .collect();
        live.sort_by_key(|(seq, _, _)| *seq);
        self.order = live.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_only_move_forward() {
        let mut markers = ReadMarkers::default();
        assert!(markers.advance("Ann", "#C", 20, None).changed);
        assert!(!markers.advance("ann", "#c", 10, None).changed);
        assert_eq!(markers.get("ANN", "#c", None), Some(20));
        assert_eq!(markers.get("ann", "#other", None), None);
    }

    #[test]
    fn a_private_marker_is_only_its_sessions() {
        let mut markers = ReadMarkers::default();
        assert!(markers.advance("ann", "bob", 20, Some(1)).changed);
        assert_eq!(markers.get("ann", "bob", Some(1)), Some(20));
        assert_eq!(markers.get("ann", "bob", Some(2)), None, "a later session");
        // A later session starts its own, even earlier in time.
        assert!(markers.advance("ann", "bob", 10, Some(2)).changed);
        assert_eq!(markers.get("ann", "bob", Some(2)), Some(10));
        assert_eq!(markers.get("ann", "bob", Some(1)), None);
        markers.load(vec![ReadMarker {
            nick: "carl".to_owned(),
            target: "dave".to_owned(),
            time: 5,
        }]);
        assert_eq!(markers.total, 1, "stored private markers are not loaded");
        markers.load(vec![ReadMarker {
            nick: "@carl".to_owned(),
            target: "dave".to_owned(),
            time: 5,
        }]);
        assert_eq!(
            markers.get("@carl", "dave", None),
            Some(5),
            "an account's are"
        );
    }

    #[test]
    fn a_nick_at_its_bound_forgets_what_it_read_longest_ago() {
        let mut markers = ReadMarkers::default();
        for i in 0..MAX_PER_NICK as u64 {
            markers.advance("bob", &format!("#c{i}"), 100 + i, None);
        }
        let advanced = markers.advance("bob", "#new", 5000, None);
        assert_eq!(
            advanced.forgotten,
            Some(("bob".to_owned(), "#c0".to_owned()))
        );
        assert_eq!(markers.get("bob", "#c1", None), Some(101));
        assert_eq!(markers.get("bob", "#new", None), Some(5000));
        assert_eq!(markers.total, MAX_PER_NICK);
    }

    #[test]
    fn past_the_total_the_marker_set_longest_ago_goes() {
        let mut markers = ReadMarkers::default();
        for i in 0..MAX_TOTAL {
            let nick = format!("n{}", i / MAX_PER_NICK);
            markers.advance(&nick, &format!("#c{i}"), 1, None);
        }
        // Setting the first one again makes it recent.
        assert!(markers.advance("n0", "#c0", 2, None).changed);
        let advanced = markers.advance("late", "#c", 1, None);
        assert!(advanced.changed);
        assert_eq!(
            advanced.forgotten,
            Some(("n0".to_owned(), "#c1".to_owned()))
        );
        assert_eq!(markers.get("n0", "#c0", None), Some(2));
        assert_eq!(markers.get("late", "#c", None), Some(1));
        assert_eq!(markers.total, MAX_TOTAL);
        assert!(markers.order.len() <= 2 * MAX_TOTAL + 1024);
    }

    #[test]
    fn setting_again_and_again_stays_bounded() {
        let mut markers = ReadMarkers::default();
        for time in 1..10_000 {
            markers.advance("ann", "#c", time, None);
        }
        assert!(markers.order.len() <= 2 * markers.total + 1024);
    }
}
