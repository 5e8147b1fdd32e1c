//! A small seeded generator for the draws the signals make: the permutation test of the cross-ICS
//! pattern and the random audit sample of the moderation queue. Seeded, so anyone holding the seed
//! draws exactly the same again; written here rather than taken from a crate, so the rules stay
//! free of I/O and of any source of entropy. The caller chooses the seed (the server draws one at
//! random and records it).
//!
//! SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit counter scrambled by a fixed mixing
//! function. Not cryptographic, but it passes the usual statistical batteries, which is what a
//! permutation test needs, and without the seed its next number cannot be guessed from the data.

/// The generator; each call moves it on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A whole number from 0 to `bound - 1`, each equally likely (Lemire's multiply and reject,
    /// so small bounds carry no bias). `bound` must be at least 1.
    pub fn below(&mut self, bound: usize) -> usize {
        let bound = bound as u64;
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if product as u64 >= threshold {
                return (product >> 64) as usize;
            }
        }
    }

    /// A number from 0 up to (not including) 1, with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Puts `items` in a random order, every order equally likely (Fisher and Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            items.swap(last, self.below(last + 1));
        }
    }
}

/// SplitMix64's finishing function: scrambles `value` so that neighbouring inputs give unrelated
/// outputs.
pub fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of text that is the same on every machine and in every build (64-bit FNV-1a), unlike
/// the standard library's, which is randomised per process.
pub fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The seed of the stream of draws for `key` under `seed`: each ICS, say, gets its own stream, so
/// data added for one does not change the draws for another.
pub fn keyed(seed: u64, key: &str) -> u64 {
    mix(seed ^ mix(text_hash(key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(
            first,
            (0..5)
                .map(|_| SplitMix64::new(43).next_u64())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_first_number_from_seed_zero_is_splitmix64s() {
        // The published first output of SplitMix64 seeded with 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn text_hashes_are_stable() {
        assert_eq!(text_hash(""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(text_hash("a"), 0xAF63_DC4C_8601_EC8C);
        assert_ne!(keyed(1, "QWO"), keyed(1, "QOX"));
        assert_ne!(keyed(1, "QWO"), keyed(2, "QWO"));
    }

    #[test]
    fn draws_below_a_bound_are_roughly_even() {
        let mut rng = SplitMix64::new(7);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[rng.below(6)] += 1;
        }
        assert!(
            counts.iter().all(|&n| (9_500..=10_500).contains(&n)),
            "{counts:?}"
        );
    }

    proptest! {
        #[test]
        fn a_draw_stays_below_its_bound(seed: u64, bound in 1usize..1_000) {
            let mut rng = SplitMix64::new(seed);
            prop_assert!(rng.below(bound) < bound);
            let unit = rng.unit();
            prop_assert!((0.0..1.0).contains(&unit));
        }

        #[test]
        fn a_shuffle_is_a_permutation(seed: u64, mut items in proptest::collection::vec(0u32..50, 0..40)) {
            let mut shuffled = items.clone();
            SplitMix64::new(seed).shuffle(&mut shuffled);
            shuffled.sort_unstable();
            items.sort_unstable();
            prop_assert_eq!(shuffled, items);
        }
    }
}
