//! How many presence events (join, part, quit, nick change) of one
//! client the history stores: a token bucket of rows. A client that joins
//! and parts a hundred channels a line would otherwise store a hundred
//! rows a line, for ever (gigabytes a day from one address). The events
//! still go out to everyone at once; past the budget they are only not
//! stored, so a churning client leaves a gap in its own joins and parts
//! and nothing else. A normal arrival fits the burst: joining
//! `MAX_CHANNELS_PER_CLIENT` channels, and later quitting from all of
//! them.

use crate::link::flood::Bucket;

/// Rows stored at once: a join of 100 channels and a quit from them
/// all, with room to spare.
pub(crate) const BURST_ROWS: f32 = 300.0;
/// Rows per second that come back: one every two seconds, so a steady
/// churner stores about 43 000 rows a day instead of millions.
pub(crate) const ROWS_PER_SEC: f32 = 0.5;

/// One client's bucket of rows, kept small (it lives in every client):
/// flood control's `Bucket`, counting rows on the server's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct PresenceBudget(Bucket);

impl PresenceBudget {
    /// Takes `rows` at `now_ms` if they fit the budget; a line that does
    /// not fit whole is not stored at all (and costs nothing).
    pub(crate) fn take(&mut self, rows: usize, now_ms: u32) -> bool {
        let rows = rows as f32;
        if self.0.debt_at(now_ms, ROWS_PER_SEC) + rows > BURST_ROWS {
            return false;
        }
        self.0.spend(now_ms, rows, BURST_ROWS, ROWS_PER_SEC);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_arrival_fits_and_churn_does_not() {
        let mut budget = PresenceBudget::default();
        assert!(budget.take(100, 0), "joining 100 channels");
        assert!(budget.take(100, 10), "quitting them");
        assert!(budget.take(100, 20), "within the burst");
        assert!(!budget.take(100, 30), "past it");
        assert!(budget.take(1, 2_030), "one row back after two seconds");
        assert!(!budget.take(1, 2_031));
        assert!(budget.take(100, 202_031), "paid back with time");
    }
}
