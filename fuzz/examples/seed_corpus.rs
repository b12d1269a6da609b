//! Writes each target's seed corpus into `<out>/<target>/` (`scripts/fuzz.sh` runs it):
//! `cargo run -p sigillum-fuzz --example seed_corpus -- <out> <vectors>`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "fuzz/corpus".into()));
    let vectors = args.next().map(PathBuf::from);
    for (target, _) in sigillum_fuzz::TARGETS {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        let seeds = sigillum_fuzz::seeds::seeds(target, vectors.as_deref());
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:04}")), seed)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}
