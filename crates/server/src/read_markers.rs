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
/// Most markers in all (about 10 MB): nicks come and go, and a marker
/// lives on after its nick leaves. Past it, only existing markers move.
pub const MAX_TOTAL: usize = 100_000;

/// No room for another marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

#[derive(Debug, Default)]
pub struct ReadMarkers {
    /// Folded nick → folded target → Unix milliseconds.
    by_nick: HashMap<CaseKey, HashMap<CaseKey, u64>>,
    /// Markers in all.
    total: usize,
}

impl ReadMarkers {
    /// Takes the markers stored by an earlier run (as many as fit).
    pub fn load(&mut self, markers: Vec<ReadMarker>) {
        for marker in markers {
            let _ = self.advance(&marker.nick, &marker.target, marker.time);
        }
    }

    pub fn get(&self, nick: &str, target: &str) -> Option<u64> {
        self.by_nick
            .get(&CaseKey::new(nick))?
            .get(&CaseKey::new(target))
            .copied()
    }

    /// Moves `nick`'s marker in `target` forward to `time` (never back);
    /// returns whether it changed.
    pub fn advance(&mut self, nick: &str, target: &str, time: u64) -> Result<bool, Full> {
        let target = CaseKey::new(target);
        let nick = CaseKey::new(nick);
        if let Some(stored) = self
            .by_nick
            .get_mut(&nick)
            .and_then(|markers| markers.get_mut(&target))
        {
            let moved = *stored < time;
            *stored = (*stored).max(time);
            return Ok(moved);
        }
        let evicts = self
            .by_nick
            .get(&nick)
            .is_some_and(|markers| markers.len() >= MAX_PER_NICK);
        if self.total >= MAX_TOTAL && !evicts {
            return Err(Full);
        }
        let markers = self.by_nick.entry(nick).or_default();
        if evicts
            && let Some(oldest) = markers
                .iter()
                .min_by_key(|(_, time)| **time)
                .map(|(key, _)| key.clone())
        {
            markers.remove(&oldest);
            self.total -= 1;
        }
        markers.insert(target, time);
        self.total += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_only_move_forward_and_are_bounded() {
        let mut markers = ReadMarkers::default();
        assert_eq!(markers.advance("Ann", "#C", 20), Ok(true));
        assert_eq!(markers.advance("ann", "#c", 10), Ok(false));
        assert_eq!(markers.get("ANN", "#c"), Some(20));
        assert_eq!(markers.get("ann", "#other"), None);
        for i in 0..MAX_PER_NICK as u64 {
            markers
                .advance("bob", &format!("#c{i}"), 100 + i)
                .expect("room");
        }
        markers.advance("bob", "#new", 5000).expect("room");
        assert_eq!(markers.get("bob", "#c0"), None, "the oldest went");
        assert_eq!(markers.get("bob", "#c1"), Some(101));
        assert_eq!(markers.get("bob", "#new"), Some(5000));
        assert_eq!(markers.total, MAX_PER_NICK + 1);
    }

    #[test]
    fn past_the_total_only_existing_markers_move() {
        let mut markers = ReadMarkers::default();
        for i in 0..MAX_TOTAL {
            let nick = format!("n{}", i / MAX_PER_NICK);
            markers.advance(&nick, &format!("#c{i}"), 1).expect("room");
        }
        assert_eq!(markers.advance("late", "#c", 1), Err(Full));
        assert!(!markers.by_nick.contains_key(&CaseKey::new("late")));
        assert_eq!(markers.advance("n0", "#c0", 2), Ok(true));
        // A nick at its own bound still trades its oldest for a new one.
        assert_eq!(markers.advance("n0", "#new", 3), Ok(true));
        assert_eq!(markers.total, MAX_TOTAL);
    }
}
