//! What runs each kind of case. Each kind reads its case's recipe, runs the one
//! parser or pipeline it names, and returns the code it refused with (`accept` when
//! it did not). `Err` is a broken case (the harness's fault, not Sigillum's).

mod did;
mod jws;
mod ledger;
mod link;
mod presentation;
mod qr;
mod status_list;

use crate::build::Fixtures;
use crate::case::Case;

/// Runs `case`; the code Sigillum answered with.
pub fn run(case: &Case, fx: &Fixtures) -> Result<String, String> {
    match case.kind.as_str() {
        "jws" => jws::run(case, fx),
        "presentation" => presentation::run(case, fx),
        "status_list" => status_list::run(case, fx),
        "qr" => qr::run(case, fx),
        "link" => link::run(case, fx),
        "did" => did::run(case, fx),
        "ledger" => ledger::run(case, fx),
        other => Err(format!("unknown kind \"{other}\"")),
    }
}

/// `accept`, or the error's code.
pub fn outcome<T, E>(result: Result<T, E>, code: impl Fn(&E) -> &str) -> String {
    match result {
        Ok(_) => "accept".into(),
        Err(e) => code(&e).to_owned(),
    }
}
