use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

#[test]
fn bitmap_counts_and_refuses_out_of_range() {
    let mut bits = Bitmap::new(100);
    assert!(bits.insert(0));
    assert!(bits.insert(99));
    assert!(!bits.insert(99));
    assert!(!bits.insert(128), "index past the last word");
    assert!(bits.contains(99));
    assert!(!bits.contains(98));
    assert_eq!(bits.count(), 2);
}

#[test]
fn draws_are_uniform_over_unused_entries() {
    let mut used = Bitmap::new(16);
    for index in (0..16).step_by(2) {
        used.insert(index);
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut counts = [0u32; 16];
    for _ in 0..80_000 {
        let index = draw_unused(&used, &[], 16, &mut rng).unwrap();
        counts[usize::try_from(index).unwrap()] += 1;
    }
    for (index, count) in counts.iter().enumerate() {
        if index % 2 == 0 {
            assert_eq!(*count, 0, "used index {index} drawn");
        } else {
            // 10,000 expected per free index; 5 % is > 10 standard deviations.
            assert!((9_500..=10_500).contains(count), "index {index}: {count}");
        }
    }
}

#[test]
fn fallback_finds_the_last_free_entries() {
    let mut used = Bitmap::new(4096);
    for index in 0..4096 {
        if index != 1234 && index != 4000 {
            used.insert(index);
        }
    }
    let mut rng = StdRng::seed_from_u64(1);
    let first = draw_unused(&used, &[], 4096, &mut rng).unwrap();
    assert!(first == 1234 || first == 4000);
    let second = draw_unused(&used, &[first], 4096, &mut rng).unwrap();
    assert_eq!(first + second, 1234 + 4000);
    assert_eq!(draw_unused(&used, &[first, second], 4096, &mut rng), None);
}

#[test]
fn draws_within_one_request_are_distinct() {
    let used = Bitmap::new(32);
    let mut rng = StdRng::seed_from_u64(3);
    let mut taken = Vec::new();
    for _ in 0..32 {
        let index = draw_unused(&used, &taken, 32, &mut rng).unwrap();
        assert!(!taken.contains(&index));
        taken.push(index);
    }
    assert_eq!(draw_unused(&used, &taken, 32, &mut rng), None);
}
