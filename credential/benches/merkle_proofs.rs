//! Inclusion proofs at 1M and 10M leaves (RFC 9162 §2.1.3): generation from stored
//! hashes (what a registry read costs) and verification (what a client pays).
//! The 10M tree takes ~640 MB and a few seconds to build before measuring.
//!
//! Run: `cargo bench -p sigillum-credential --bench merkle_proofs`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sigillum_credential::ledger::merkle::{leaf_hash, verify_inclusion};
use sigillum_credential::ledger::{LeafIndex, MemoryHashStore, TreeSize, tree};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("inclusion_proof");
    for size in [1_000_000u64, 10_000_000] {
        let mut store = MemoryHashStore::new();
        for i in 0..size {
            store.append(&i.to_be_bytes());
        }
        let root = store.root();
        let tree_size = TreeSize::new(size);
        let index = LeafIndex::new(size / 3 + 7);
        group.bench_with_input(BenchmarkId::new("generate", size), &size, |b, _| {
            b.iter(|| {
                black_box(
                    tree::inclusion_proof(black_box(index), tree_size, &store)
                        .map(|p| p.len())
                        .unwrap_or(0),
                )
            });
        });
        let proof = tree::inclusion_proof(index, tree_size, &store).unwrap_or_default();
        let leaf = leaf_hash(&(size / 3 + 7).to_be_bytes());
        group.bench_with_input(BenchmarkId::new("verify", size), &size, |b, _| {
            b.iter(|| {
                black_box(
                    verify_inclusion(&leaf, index, tree_size, black_box(&proof), &root).is_ok(),
                )
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(group);
