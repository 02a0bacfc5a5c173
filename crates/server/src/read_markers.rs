//! draft/read-marker: how far each nick has read in each conversation.
//!
//! Kept in memory for every nick (a marker is a few dozen bytes) and, with
//! history on, stored through the history writer and loaded at start, so
//! that another session of the same nick — later, or after a restart —
//! knows where reading stopped. Keyed by nick, as private history is:
//! ciao has no accounts.

use std::collections::HashMap;

use ciao_proto::CaseKey;

use crate::history::ReadMarker;

/// Most conversations with a marker per nick; past it, setting one more
/// forgets the one read longest ago.
pub const MAX_PER_NICK: usize = 1000;

#[derive(Debug, Default)]
pub struct ReadMarkers {
    /// Folded nick → folded target → Unix milliseconds.
    by_nick: HashMap<CaseKey, HashMap<CaseKey, u64>>,
}

impl ReadMarkers {
    /// Takes the markers stored by an earlier run.
    pub fn load(&mut self, markers: Vec<ReadMarker>) {
        for marker in markers {
            self.advance(&marker.nick, &marker.target, marker.time);
        }
    }

    pub fn get(&self, nick: &str, target: &str) -> Option<u64> {
        self.by_nick
            .get(&CaseKey::new(nick))?
            .get(&CaseKey::new(target))
            .copied()
    }

    /// Moves `nick`'s marker in `target` forward to `time` (never back);
    /// returns the time now stored and whether it changed.
    pub fn advance(&mut self, nick: &str, target: &str, time: u64) -> (u64, bool) {
        let markers = self.by_nick.entry(CaseKey::new(nick)).or_default();
        let target = CaseKey::new(target);
        if let Some(stored) = markers.get_mut(&target) {
            if *stored >= time {
                return (*stored, false);
            }
            *stored = time;
            return (time, true);
        }
        if markers.len() >= MAX_PER_NICK
            && let Some(oldest) = markers
                .iter()
                .min_by_key(|(_, time)| **time)
                .map(|(key, _)| key.clone())
        {
            markers.remove(&oldest);
        }
        markers.insert(target, time);
        (time, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_only_move_forward_and_are_bounded() {
        let mut markers = ReadMarkers::default();
        assert_eq!(markers.advance("Ann", "#C", 20), (20, true));
        assert_eq!(markers.advance("ann", "#c", 10), (20, false));
        assert_eq!(markers.get("ANN", "#c"), Some(20));
        assert_eq!(markers.get("ann", "#other"), None);
        for i in 0..MAX_PER_NICK as u64 {
            markers.advance("bob", &format!("#c{i}"), 100 + i);
        }
        markers.advance("bob", "#new", 5000);
        assert_eq!(markers.get("bob", "#c0"), None, "the oldest went");
        assert_eq!(markers.get("bob", "#c1"), Some(101));
        assert_eq!(markers.get("bob", "#new"), Some(5000));
    }
}
