//! A census of the work rqrr's symbol search would do, taken before it runs.
//!
//! rqrr (a port of quirc) scans each row of the thresholded image for black and white
//! runs in the ratio 1:1:3:1:1 (a "hit": a finder pattern, ISO/IEC 18004:2015 §6.3.3,
//! seen across its centre). For each hit it looks up two 4-connected black regions —
//! the middle run's ("stone") and the one right of it ("ring") — flood-filling any not
//! among the 251 it last filled, and accepts a "capstone" if they differ and the stone
//! holds 10–70 % of the ring's pixels. Then it tries every capstone with every
//! plausible pair of others, copying the image for each try. Untrusted images make
//! each step expensive; measured in release builds on one core:
//!
//! | crafted image (no limit)                        | rqrr time   |
//! |-------------------------------------------------|-------------|
//! | 64×64 px tiled with 64 one-pixel finder patterns | 0.17 s      |
//! | 256×256 px, 1,024 finder patterns                | 8.5 s       |
//! | 4096×2048 px of >251 tall stripes, 21,800 hits   | 2.8 s       |
//!
//! [`check`] makes one linear pass over the same thresholded pixels: it labels black
//! runs into regions (union–find), replays rqrr's row test exactly, then bounds four
//! things — hits, runs, the pixels rqrr would flood-fill (its cache replayed), and
//! capstones (its region test applied; every capstone it can accept has its own stone
//! region among those counted, so this never underestimates). With these limits the
//! worst case measured is 2.1 s (121 finder patterns at 46 px/module on 4048×4048 px);
//! 168 symbols up to version 40 at every error-correction level and 2–20 px/module all
//! pass, the largest using 64 of the 128 capstones and 6.7 M of the 32 M fill pixels.

use std::collections::VecDeque;

use image::GrayImage;
use rqrr::PreparedImage;

use crate::qr::QrError;

/// Most 1:1:3:1:1 row hits examined. A version-40 symbol at 20 px per module shows
/// up to ~9,900 (its data modules form the ratio by chance); a crafted image millions.
pub(super) const MAX_HITS: usize = 50_000;

/// Most black runs labelled (8 bytes each): a 4096×4096 image may hold 8 million.
pub(super) const MAX_RUNS: usize = 4 << 20;

/// Most capstones rqrr may accept: 3 per symbol, plus what a photo's texture adds.
pub(super) const MAX_CAPSTONES: usize = 128;

/// rqrr's region cache: it remembers the last 251 regions it flood-filled
/// (`PreparedImage::get_region`); any other region is filled again, and the one it
/// evicts is repainted.
const RQRR_REGION_CACHE: usize = 251;

/// Most pixels rqrr may repaint looking up hits' regions (about 0.5 s of its work).
pub(super) const MAX_FILL_WORK: usize = 32 << 20;

/// rqrr's value for a white pixel after thresholding (`u8::from(PixelColor::White)`).
const WHITE: u8 = 0;

/// Refuses an image on which rqrr's finder-pattern search would do unbounded work.
///
/// # Errors
/// [`QrError::ImageTooComplex`] when the image exceeds [`MAX_HITS`], [`MAX_RUNS`],
/// [`MAX_FILL_WORK`] or [`MAX_CAPSTONES`].
pub(super) fn check(image: &PreparedImage<GrayImage>) -> Result<(), QrError> {
    check_within(image, Budget::DEFAULT)
}

/// The four limits of [`check`].
#[derive(Debug, Clone, Copy)]
struct Budget {
    hits: usize,
    runs: usize,
    fill: usize,
    capstones: usize,
}

impl Budget {
    const DEFAULT: Self = Self {
        hits: MAX_HITS,
        runs: MAX_RUNS,
        fill: MAX_FILL_WORK,
        capstones: MAX_CAPSTONES,
    };
}

fn check_within(image: &PreparedImage<GrayImage>, budget: Budget) -> Result<(), QrError> {
    let (width, height) = (image.width(), image.height());
    let mut regions = Regions {
        max_runs: budget.runs,
        ..Regions::default()
    };
    let mut above: Vec<Run> = Vec::new();
    let mut row: Vec<Run> = Vec::new();
    let mut hits: Vec<(u32, u32)> = Vec::new();
    for y in 0..height {
        row.clear();
        let black = |x: usize| x < width && image.get_pixel_at(x, y) != WHITE;
        let mut scanner = RowScanner::default();
        let (mut start, mut run_black) = (0, black(0));
        // One virtual white pixel past the end closes the last run, as in rqrr.
        for x in 1..=width {
            if black(x) == run_black {
                continue;
            }
            let id = if run_black {
                let id = regions.push(x - start)?;
                regions.join_above(&above, start, x, id);
                row.push(Run { start, end: x, id });
                Some(id)
            } else {
                None
            };
            if let Some(hit) = scanner.push(x - start, id) {
                if hits.len() >= budget.hits {
                    let at_least = budget.hits + 1;
                    return Err(too_complex(
                        "finder-pattern row hits",
                        at_least,
                        budget.hits,
                    ));
                }
                hits.push(hit);
            }
            (start, run_black) = (x, !run_black);
        }
        std::mem::swap(&mut above, &mut row);
    }
    let work = regions.fill_work(&hits, budget.fill);
    if work > budget.fill {
        return Err(too_complex("pixels to flood-fill", work, budget.fill));
    }
    let mut stones: Vec<u32> = hits
        .into_iter()
        .filter_map(|(stone, ring)| regions.capstone_root(stone, ring))
        .collect();
    stones.sort_unstable();
    stones.dedup();
    if stones.len() > budget.capstones {
        return Err(too_complex(
            "finder patterns",
            stones.len(),
            budget.capstones,
        ));
    }
    Ok(())
}

const fn too_complex(what: &'static str, at_least: usize, max: usize) -> QrError {
    QrError::ImageTooComplex {
        what,
        at_least,
        max,
    }
}

/// A black run `[start, end)` of one row and its label.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    id: u32,
}

/// rqrr's 1:1:3:1:1 row test (its `LineScanner`) over completed runs.
#[derive(Default)]
struct RowScanner {
    /// The last five completed runs: length, and label if black.
    runs: [(usize, Option<u32>); 5],
    completed: usize,
}

impl RowScanner {
    /// Records a completed run; returns `(stone, ring)` labels when it completes a
    /// black–white–black–white–black sequence within rqrr's tolerance (±¾ of the
    /// average module run).
    fn push(&mut self, len: usize, id: Option<u32>) -> Option<(u32, u32)> {
        let [_, r1, r2, r3, r4] = self.runs;
        self.runs = [r1, r2, r3, r4, (len, id)];
        self.completed += 1;
        if id.is_none() || self.completed < 5 {
            return None;
        }
        let [(a, _), (b, _), (stone, stone_id), (c, _), (d, ring_id)] = self.runs;
        let avg = (a + b + c + d) / 4;
        let err = avg * 3 / 4;
        let fits = |run: usize, times: usize| times * avg - err <= run && run <= times * avg + err;
        let matched = fits(a, 1) && fits(b, 1) && fits(stone, 3) && fits(c, 1) && fits(d, 1);
        if matched { stone_id.zip(ring_id) } else { None }
    }
}

/// Union–find over black runs; a root's size is its region's pixel count.
#[derive(Default)]
struct Regions {
    parent: Vec<u32>,
    size: Vec<u32>,
    max_runs: usize,
}

impl Regions {
    fn push(&mut self, pixels: usize) -> Result<u32, QrError> {
        let id = self.parent.len();
        let over = || too_complex("black runs", self.max_runs + 1, self.max_runs);
        if id >= self.max_runs {
            return Err(over());
        }
        let id = u32::try_from(id).map_err(|_| over())?;
        self.parent.push(id);
        self.size.push(u32::try_from(pixels).map_err(|_| over())?);
        Ok(id)
    }

    /// Joins run `id` on `[start, end)` with the runs of the row above sharing a
    /// column (4-connectivity, as rqrr's flood fill).
    fn join_above(&mut self, above: &[Run], start: usize, end: usize, id: u32) {
        let first = above.partition_point(|run| run.end <= start);
        let touching = above.get(first..).unwrap_or_default();
        for run in touching.iter().take_while(|run| run.start < end) {
            self.union(run.id, id);
        }
    }

    fn find(&mut self, mut id: u32) -> u32 {
        loop {
            let Some(&parent) = self.parent.get(id as usize) else {
                return id;
            };
            if parent == id {
                return id;
            }
            // Path halving.
            let grandparent = self.parent.get(parent as usize).copied().unwrap_or(parent);
            if let Some(slot) = self.parent.get_mut(id as usize) {
                *slot = grandparent;
            }
            id = grandparent;
        }
    }

    fn size(&self, root: u32) -> usize {
        self.size.get(root as usize).map_or(0, |&s| s as usize)
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (big, small) = if self.size(a) >= self.size(b) {
            (a, b)
        } else {
            (b, a)
        };
        let total = self.size(big).saturating_add(self.size(small));
        if let Some(slot) = self.parent.get_mut(small as usize) {
            *slot = big;
        }
        if let Some(slot) = self.size.get_mut(big as usize) {
            // At most width × height ≤ 4096², so it fits.
            *slot = u32::try_from(total).unwrap_or(u32::MAX);
        }
    }

    /// Pixels rqrr repaints looking up each hit's ring then stone region through its
    /// least-recently-used cache: a miss fills the region and repaints the evicted one.
    /// Claimed regions cost rqrr nothing, so this is an overestimate.
    fn fill_work(&mut self, hits: &[(u32, u32)], stop_above: usize) -> usize {
        let mut cache: VecDeque<u32> = VecDeque::with_capacity(RQRR_REGION_CACHE);
        let mut work: usize = 0;
        for &(stone, ring) in hits {
            for id in [ring, stone] {
                let root = self.find(id);
                if let Some(at) = cache.iter().position(|&cached| cached == root) {
                    cache.remove(at);
                } else {
                    work = work.saturating_add(self.size(root));
                    if cache.len() == RQRR_REGION_CACHE {
                        let evicted = cache.pop_back().map_or(0, |evicted| self.size(evicted));
                        work = work.saturating_add(evicted);
                    }
                }
                cache.push_front(root);
            }
            if work > stop_above {
                break;
            }
        }
        work
    }

    /// The stone's region if rqrr's region test passes: stone and ring are different
    /// regions and the stone has 10–70 % of the ring's pixels (exclusive).
    fn capstone_root(&mut self, stone: u32, ring: u32) -> Option<u32> {
        let (stone, ring) = (self.find(stone), self.find(ring));
        let ratio = self.size(stone) * 100 / self.size(ring).max(1);
        (stone != ring && 10 < ratio && ratio < 70).then_some(stone)
    }
}

#[cfg(test)]
/// `side`×`side` pixels tiled with finder patterns of `scale` px per module, one
/// white module apart.
pub(super) fn tiled(side: u32, scale: u32) -> GrayImage {
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x % (8 * scale) / scale, y % (8 * scale) / scale);
        let ring = mx
            .min(my)
            .min(6u32.saturating_sub(mx))
            .min(6u32.saturating_sub(my));
        image::Luma([if mx < 7 && my < 7 && ring != 1 {
            0
        } else {
            255
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn census(image: GrayImage) -> Result<(), QrError> {
        check(&PreparedImage::prepare(image))
    }

    #[test]
    fn rqrr_thresholds_to_zero_for_white() {
        let prepared = PreparedImage::prepare(GrayImage::from_fn(64, 64, |x, _| {
            image::Luma([if x < 32 { 0 } else { 255 }])
        }));
        assert_eq!(u8::from(prepared.get_pixel_at(48, 10)), WHITE);
        assert_ne!(u8::from(prepared.get_pixel_at(16, 10)), WHITE);
    }

    #[test]
    fn few_finder_patterns_pass() {
        // 11×11 = 121 patterns at 4 px per module.
        assert_eq!(census(tiled(11 * 32, 4)), Ok(()));
    }

    #[test]
    fn many_finder_patterns_are_refused() {
        // 12×12 = 144 patterns at 4 px per module; 16×16 = 256 at 1 px.
        assert_eq!(
            census(tiled(12 * 32, 4)),
            Err(QrError::ImageTooComplex {
                what: "finder patterns",
                at_least: 144,
                max: 128
            })
        );
        assert_eq!(
            census(tiled(128, 1)),
            Err(QrError::ImageTooComplex {
                what: "finder patterns",
                at_least: 256,
                max: 128
            })
        );
        // Each one-pixel pattern is 3 row hits: 768 in all.
        let budget = Budget {
            hits: 767,
            ..Budget::DEFAULT
        };
        assert_eq!(
            check_within(&PreparedImage::prepare(tiled(128, 1)), budget),
            Err(QrError::ImageTooComplex {
                what: "finder-pattern row hits",
                at_least: 768,
                max: 767
            })
        );
    }

    /// Tall stripes in groups of 1:1:3:1:1 on every 8th row: more than 251 regions per
    /// row make rqrr refill every region it looks up.
    #[test]
    fn region_cache_thrashing_is_refused() {
        let stripes = GrayImage::from_fn(4096, 512, |x, y| {
            let black = match x % 12 {
                0 | 2 | 6 => true,
                3 | 4 => y % 8 == 0,
                _ => false,
            };
            image::Luma([if black { 0 } else { 255 }])
        });
        assert!(matches!(
            census(stripes),
            Err(QrError::ImageTooComplex { what: "pixels to flood-fill", at_least, max })
                if at_least > max && max == MAX_FILL_WORK
        ));
    }

    #[test]
    fn noise_with_too_many_runs_is_refused() {
        // Vertical one-pixel stripes: 32 black runs per row, 64 rows = 2,048 runs.
        let stripes = GrayImage::from_fn(64, 64, |x, _| {
            image::Luma([if x % 2 == 0 { 0 } else { 255 }])
        });
        let budget = Budget {
            runs: 2047,
            ..Budget::DEFAULT
        };
        assert_eq!(
            check_within(&PreparedImage::prepare(stripes.clone()), budget),
            Err(QrError::ImageTooComplex {
                what: "black runs",
                at_least: 2048,
                max: 2047
            })
        );
        let budget = Budget {
            runs: 2048,
            ..Budget::DEFAULT
        };
        assert_eq!(
            check_within(&PreparedImage::prepare(stripes), budget),
            Ok(())
        );
    }

    #[test]
    fn scanner_matches_rqrr_tolerance() {
        let mut scanner = RowScanner::default();
        let runs = [
            (1, Some(0)),
            (1, None),
            (3, Some(1)),
            (1, None),
            (1, Some(2)),
        ];
        let last = runs
            .into_iter()
            .map(|(len, id)| scanner.push(len, id))
            .last();
        assert_eq!(last, Some(Some((1, 2))));
        // 1:1:5:1:1 is out of tolerance (3 ± ¾).
        let mut scanner = RowScanner::default();
        let runs = [
            (4, Some(0)),
            (4, None),
            (20, Some(1)),
            (4, None),
            (4, Some(2)),
        ];
        assert_eq!(
            runs.into_iter()
                .map(|(len, id)| scanner.push(len, id))
                .last(),
            Some(None)
        );
    }
}
