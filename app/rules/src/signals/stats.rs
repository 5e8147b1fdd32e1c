//! The few statistics the signals need.
//!
//! Levels are whole numbers from 1 to 5, so a group's levels are kept as a count per level
//! ([`LevelCounts`]): its median, its median absolute deviation (MAD) and the share above a level
//! then follow exactly and at once, however large the group. Robust measures, because a handful of
//! trusts that game their scores should not move the yardstick they are measured against.
//! Differences (a reviewer's level less the moderated one, say) are summed in a [`Tally`].

use serde::{Deserialize, Serialize};

/// How many of a group gave each level from 1 to 5. Anything outside 1 to 5 is not counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts([usize; 5]);

impl LevelCounts {
    pub fn of(levels: &[u8]) -> LevelCounts {
        let mut counts = LevelCounts::default();
        for &level in levels {
            counts.add(level);
        }
        counts
    }

    pub fn add(&mut self, level: u8) {
        if let Some(count) = self.slot(level) {
            *count += 1;
        }
    }

    /// The group without one member at `level` (if it has one).
    pub fn without(mut self, level: u8) -> LevelCounts {
        if let Some(count) = self.slot(level) {
            *count = count.saturating_sub(1);
        }
        self
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The middle level, or the mean of the middle two; `None` for an empty group.
    pub fn median(&self) -> Option<f64> {
        weighted_median(&self.pairs())
    }

    /// The median distance from the median: how far a typical member is from the middle.
    pub fn mad(&self) -> Option<f64> {
        let median = self.median()?;
        let mut distances: Vec<(f64, usize)> = self
            .pairs()
            .into_iter()
            .map(|(level, count)| ((level - median).abs(), count))
            .collect();
        distances.sort_by(|a, b| a.0.total_cmp(&b.0));
        weighted_median(&distances)
    }

    /// The share of the group above `level`, from 0 to 1; `None` for an empty group.
    pub fn share_above(&self, level: u8) -> Option<f64> {
        let total = self.total();
        let above: usize = self
            .pairs()
            .iter()
            .filter(|&&(other, _)| other > f64::from(level))
            .map(|&(_, count)| count)
            .sum();
        (total > 0).then(|| above as f64 / total as f64)
    }

    fn slot(&mut self, level: u8) -> Option<&mut usize> {
        self.0.get_mut(usize::from(level).checked_sub(1)?)
    }

    /// `(level, how many)` in ascending order of level.
    fn pairs(&self) -> [(f64, usize); 5] {
        let mut pairs = [(0.0, 0); 5];
        for (index, (pair, &count)) in pairs.iter_mut().zip(&self.0).enumerate() {
            *pair = (index as f64 + 1.0, count);
        }
        pairs
    }
}

/// The median of values given as `(value, how many)` in ascending order of value.
fn weighted_median(sorted: &[(f64, usize)]) -> Option<f64> {
    let total: usize = sorted.iter().map(|&(_, count)| count).sum();
    let lower = nth(sorted, total.checked_sub(1)? / 2)?;
    let upper = nth(sorted, total / 2)?;
    Some((lower + upper) / 2.0)
}

/// The value at `index` (from 0) of the values `sorted` stands for.
fn nth(sorted: &[(f64, usize)], index: usize) -> Option<f64> {
    let mut seen = 0;
    sorted.iter().find_map(|&(value, count)| {
        seen += count;
        (index < seen).then_some(value)
    })
}

/// A running count, mean, spread and mean size of numbers (Welford's method, which stays exact
/// over long runs), that can be combined with another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    count: usize,
    mean: f64,
    /// The sum of squared distances from the mean.
    squares: f64,
    /// The sum of the numbers' sizes (absolute values).
    sizes: f64,
}

impl Tally {
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        let step = value - self.mean;
        self.mean += step / self.count as f64;
        self.squares += step * (value - self.mean);
        self.sizes += value.abs();
    }

    /// Adds every number `other` has counted (Chan, Golub and LeVeque's pairwise update).
    pub fn merge(&mut self, other: &Tally) {
        if other.count == 0 {
            return;
        }
        let count = self.count + other.count;
        let step = other.mean - self.mean;
        self.squares +=
            other.squares + step * step * (self.count as f64 * other.count as f64) / count as f64;
        self.mean += step * other.count as f64 / count as f64;
        self.sizes += other.sizes;
        self.count = count;
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean)
    }

    /// The standard deviation of the numbers themselves (not an estimate for a wider population):
    /// how widely they spread around their mean.
    pub fn spread(&self) -> Option<f64> {
        (self.count > 0).then(|| (self.squares.max(0.0) / self.count as f64).sqrt())
    }

    /// The mean of the numbers' sizes: how far from zero they are on average, either way.
    pub fn mean_size(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sizes / self.count as f64)
    }
}

impl FromIterator<f64> for Tally {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Tally {
        let mut tally = Tally::default();
        for value in values {
            tally.add(value);
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_median_is_the_middle_level_or_the_mean_of_the_middle_two() {
        assert_eq!(LevelCounts::of(&[1, 3, 5]).median(), Some(3.0));
        assert_eq!(LevelCounts::of(&[2, 3]).median(), Some(2.5));
        assert_eq!(LevelCounts::of(&[4, 1, 4, 4]).median(), Some(4.0));
        assert_eq!(LevelCounts::of(&[]).median(), None);
    }

    #[test]
    fn the_mad_is_the_median_distance_from_the_median() {
        // Median 3; distances 2, 1, 0, 1, 2: their median is 1.
        assert_eq!(LevelCounts::of(&[1, 2, 3, 4, 5]).mad(), Some(1.0));
        // Most at one level: no spread at all.
        assert_eq!(LevelCounts::of(&[3, 3, 3, 1, 5]).mad(), Some(0.0));
        // Median 2.5; every distance is 0.5.
        assert_eq!(LevelCounts::of(&[2, 3]).mad(), Some(0.5));
    }

    #[test]
    fn levels_outside_one_to_five_are_not_counted() {
        assert_eq!(LevelCounts::of(&[0, 6, 3]).total(), 1);
        assert_eq!(LevelCounts::of(&[3]).without(4).total(), 1);
        assert_eq!(LevelCounts::of(&[3]).without(3).total(), 0);
    }

    #[test]
    fn the_share_above_counts_only_strictly_higher_levels() {
        let counts = LevelCounts::of(&[1, 2, 2, 3]);
        assert_eq!(counts.share_above(2), Some(0.25));
        assert_eq!(counts.share_above(0), Some(1.0));
        assert_eq!(LevelCounts::default().share_above(2), None);
    }

    #[test]
    fn a_tally_gives_the_mean_spread_and_mean_size() {
        let tally: Tally = [-1.0, 1.0, 3.0].into_iter().collect();
        assert_eq!(tally.count(), 3);
        assert!(close(tally.mean().unwrap(), 1.0));
        assert!(close(tally.spread().unwrap(), (8.0f64 / 3.0).sqrt()));
        assert!(close(tally.mean_size().unwrap(), 5.0 / 3.0));
        assert_eq!(Tally::default().mean(), None);
    }

    proptest! {
        #[test]
        fn counted_medians_match_sorting(levels in proptest::collection::vec(1u8..=5, 1..60)) {
            let mut sorted: Vec<f64> = levels.iter().map(|&l| f64::from(l)).collect();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0;
            prop_assert_eq!(LevelCounts::of(&levels).median(), Some(median));
            let mut distances: Vec<f64> = sorted.iter().map(|l| (l - median).abs()).collect();
            distances.sort_by(f64::total_cmp);
            let mad = (distances[(n - 1) / 2] + distances[n / 2]) / 2.0;
            prop_assert_eq!(LevelCounts::of(&levels).mad(), Some(mad));
        }

        #[test]
        fn merged_tallies_equal_one_tally_of_everything(
            first in proptest::collection::vec(-4.0f64..4.0, 0..30),
            second in proptest::collection::vec(-4.0f64..4.0, 0..30),
        ) {
            let mut merged: Tally = first.iter().copied().collect();
            merged.merge(&second.iter().copied().collect());
            let whole: Tally = first.iter().chain(&second).copied().collect();
            prop_assert_eq!(merged.count(), whole.count());
            if whole.count() > 0 {
                prop_assert!(close(merged.mean().unwrap(), whole.mean().unwrap()));
                prop_assert!(close(merged.spread().unwrap(), whole.spread().unwrap()));
                prop_assert!(close(merged.mean_size().unwrap(), whole.mean_size().unwrap()));
            }
        }
    }
}
