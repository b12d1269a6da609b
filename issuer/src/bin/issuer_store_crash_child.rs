//! Crash-test child: opens the store in a directory and issues from several threads until
//! it is killed, printing one line per operation **after** the store acknowledged it:
//!
//! ```text
//! ready                      (the store is open)
//! app <id> <credential type> <reference>
//! alloc <id> <kind> <list>:<index>[,<list>:<index>…]
//! status <id> <revoked|suspended>
//! ```
//!
//! Usage: `issuer_store_crash_child <dir> <threads> <tag>`; references are
//! `<tag>-<thread>-<n>`, so a tag must be new for each run on a directory.

use std::io::Write as _;
use std::path::PathBuf;

use sigillum_issuer::store::{
    CredentialStatus, IssuerStore, ListKind, NewApplication, StoreConfig, StoreError,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(threads), Some(tag)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: issuer_store_crash_child <dir> <threads> <tag>");
        std::process::exit(2);
    };
    let Ok(threads) = threads.parse::<usize>() else {
        eprintln!("threads must be a number");
        std::process::exit(2);
    };
    let store = match IssuerStore::open(&PathBuf::from(dir), StoreConfig::default()) {
        Ok(store) => store,
        Err(e) => fail(&e),
    };
    say("ready");
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (store, tag) = (store.clone(), tag.clone());
            std::thread::spawn(move || {
                for n in 0u64.. {
                    if let Err(e) = issue(&store, &format!("{tag}-{t}-{n}"), n) {
                        fail(&e);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

fn issue(store: &IssuerStore, reference: &str, n: u64) -> Result<(), StoreError> {
    let (format, kind) = if n.is_multiple_of(2) {
        ("dc+sd-jwt", ListKind::Token)
    } else {
        ("jwt_vc_json", ListKind::Bitstring)
    };
    let claims = serde_json::json!({"given_name": "Crash", "n": n});
    let (app, created) = store.create_application(NewApplication {
        credential_type: "passport".into(),
        reference: reference.into(),
        format: format.into(),
        claims: claims.as_object().cloned().unwrap_or_default(),
        officer: "clerk".into(),
        now: 1_700_000_000 + n,
    })?;
    if !created {
        return Err(StoreError::Corrupt {
            reason: format!("reference {reference} existed before it was submitted"),
        });
    }
    say(&format!("app {} passport {reference}", app.id));
    let holders: Vec<String> = (0..=n % 3).map(|h| format!("holder-{n}-{h}")).collect();
    let slots = store.allocate_status(&app.id, kind, &holders)?;
    let slots: Vec<String> = slots
        .iter()
        .map(|s| format!("{}:{}", s.list, s.index))
        .collect();
    say(&format!("alloc {} {kind} {}", app.id, slots.join(",")));
    if n % 7 == 3 {
        let status = if n % 14 == 3 {
            CredentialStatus::Revoked
        } else {
            CredentialStatus::Suspended
        };
        store.set_status(&app.id, status, "chief", "crash test", 1_700_000_000 + n)?;
        say(&format!("status {} {status}", app.id));
    }
    Ok(())
}

/// One `write` per line, flushed at once: the parent may kill us right after.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("{line}\n").as_bytes());
    let _ = out.flush();
}

fn fail(e: &StoreError) -> ! {
    eprintln!("store error: {e}");
    std::process::exit(1);
}
