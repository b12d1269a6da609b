//! Sets of row numbers kept as sorted, disjoint, inclusive ranges (`progress.json`
//! stores them as `[[first, last], …]`).

/// A set of row numbers kept as sorted, disjoint, inclusive ranges: rows finish a
/// little out of order, so the set stays a handful of ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges(Vec<[u64; 2]>);

impl Ranges {
    /// Adds `n`.
    pub fn insert(&mut self, n: u64) {
        let i = self.0.partition_point(|r| r[1] < n);
        if self.0.get(i).is_some_and(|r| r[0] <= n) {
            return;
        }
        let joins_left = i > 0 && self.0.get(i - 1).is_some_and(|r| r[1] + 1 == n);
        let joins_right = self.0.get(i).is_some_and(|r| r[0] == n + 1);
        match (joins_left, joins_right) {
            (true, true) => {
                let right = self.0.remove(i);
                if let Some(left) = self.0.get_mut(i - 1) {
                    left[1] = right[1];
                }
            }
            (true, false) => {
                if let Some(left) = self.0.get_mut(i - 1) {
                    left[1] = n;
                }
            }
            (false, true) => {
                if let Some(right) = self.0.get_mut(i) {
                    right[0] = n;
                }
            }
            (false, false) => self.0.insert(i, [n, n]),
        }
    }

    /// Whether `n` is in the set.
    #[must_use]
    pub fn contains(&self, n: u64) -> bool {
        let i = self.0.partition_point(|r| r[1] < n);
        self.0.get(i).is_some_and(|r| r[0] <= n)
    }

    /// The ranges, `[first, last]` inclusive, in order.
    #[must_use]
    pub fn as_slice(&self) -> &[[u64; 2]] {
        &self.0
    }

    /// How many numbers the set holds.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.0.iter().map(|r| r[1] - r[0] + 1).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_out_of_order_inserts() {
        let mut r = Ranges::default();
        for n in [3, 1, 2, 7, 5, 6, 10, 2] {
            r.insert(n);
        }
        assert_eq!(r.0, vec![[1, 3], [5, 7], [10, 10]]);
        assert_eq!(r.count(), 7);
        r.insert(4);
        r.insert(9);
        assert_eq!(r.0, vec![[1, 7], [9, 10]]);
        assert!(r.contains(1) && r.contains(7) && r.contains(10));
        assert!(!r.contains(8) && !r.contains(0) && !r.contains(11));
    }
}
