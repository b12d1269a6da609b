//! The consent and history log as people and programs read it: a word for each
//! kind of line, and the JSON export the web wallet's `/history.json` and
//! `sigillum wallet history --json` give.

use serde_json::{Value, json};
use sigillum_credential::time::Timestamp;

use crate::present::{HISTORY_DECLINE, HISTORY_PRESENT};
use crate::receive::HISTORY_RECEIVE;
use crate::vault::HistoryEntry;

impl HistoryEntry {
    /// What happened, in a word: "Received", "Shared", "Declined".
    #[must_use]
    pub fn what(&self) -> &'static str {
        match self.kind.as_str() {
            HISTORY_RECEIVE => "Received",
            HISTORY_PRESENT => "Shared",
            HISTORY_DECLINE => "Declined",
            _ => "Other",
        }
    }

    /// The line as exported: the time in RFC 3339, the card it concerns.
    #[must_use]
    pub fn to_export(&self) -> Value {
        json!({
            "time": Timestamp::from_unix(self.time).to_rfc3339(),
            "kind": self.kind,
            "counterparty": self.counterparty,
            "requested": self.requested,
            "shared": self.shared,
            "card": self.group,
        })
    }
}

/// The whole history of the wallet named `wallet`, oldest first, as one JSON
/// document.
#[must_use]
pub fn export(wallet: &str, entries: &[HistoryEntry]) -> Value {
    json!({
        "wallet": wallet,
        "history": entries.iter().map(HistoryEntry::to_export).collect::<Vec<_>>(),
    })
}
