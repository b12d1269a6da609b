//! Publishing status lists to the registry. An officer's revoke, suspend or
//! reinstate is durable in the store at once; the publisher wakes, waits the
//! configured delay so that changes arriving together go out as one operation per
//! list, signs each changed list and submits it (`status_list.create` for a list
//! the registry does not hold yet, `status_list.update` otherwise). A list is also
//! re-signed before its `exp` runs out, so verifiers never see it go stale.
//!
//! Token lists carry 2 bits per entry (0 valid, 1 invalid, 2 suspended;
//! draft-ietf-oauth-status-list §7.1). A bitstring list `k` is published as two
//! 1-bit credentials, revocation and suspension (Bitstring Status List v1.0 §2.1).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use sigillum_credential::ledger::operation::{self, OpType, Operation};
use sigillum_credential::status::{
    Bits, BitstringStatusList, ListSigning, StatusList, StatusPurpose, StatusSize,
    sign_bitstring_list, sign_token_list,
};

use crate::error::IssueError;
use crate::mint::ListRef;
use crate::service::Issuer;
use crate::store::ListKind;

/// When each list was last published (Unix seconds), by ledger id.
#[derive(Debug, Default)]
pub struct Published(Mutex<HashMap<String, i64>>);

impl Published {
    /// Whether the list with this ledger id was published by this process.
    #[must_use]
    pub fn has(&self, id: &str) -> bool {
        self.get(id).is_some()
    }
    /// Forgets every publication, so the next round re-signs every list (after a
    /// key rotation: lists then carry the new key, and a list signed in the very
    /// second of the rotation is not left ambiguous).
    pub fn forget_all(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }

    fn get(&self, id: &str) -> Option<i64> {
        self.0.lock().ok().and_then(|m| m.get(id).copied())
    }
    fn set(&self, id: &str, at: i64) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(id.to_owned(), at);
        }
    }
}

/// The signed documents that publish store list `k` of `kind`: one token list, or
/// a bitstring list's two halves.
fn documents(
    issuer: &Issuer,
    kind: ListKind,
    k: u32,
    values: &[u8],
) -> Result<Vec<(ListRef, &'static str, String)>, IssueError> {
    let did = issuer.did();
    let now = issuer.clock.now();
    // The registry takes a status list only from the DID's current assertionMethod
    // key, and a verifier wants that key valid at the list's `iat`: after a
    // rotation, lists wait for the new key's first second (`publish_once` waits).
    let signing = issuer.signing();
    if signing.at(now.unix()).is_none_or(|s| s.kid != signing.kid) {
        return Err(IssueError::Store(format!(
            "a key rotation takes effect at {}; the lists are published then",
            signing.from
        )));
    }
    let valid_until = now.plus(i64::from(issuer.config.status.valid_hours) * 3600);
    let public = issuer.config.registry.public_url().to_owned();
    let fail = |e: String| IssueError::Store(format!("building status list {k}: {e}"));
    let uris: std::collections::HashMap<u64, String> = [
        ListRef::Token(k),
        ListRef::BitstringRevocation(k),
        ListRef::BitstringSuspension(k),
    ]
    .into_iter()
    .map(|r| (r.ledger_number(), r.uri(&public, &did)))
    .collect();
    let signing_of = |r: ListRef| ListSigning {
        uri: uris.get(&r.ledger_number()).map_or("", String::as_str),
        issuer: &did,
        kid: &signing.kid,
        issued_at: now,
        valid_until: Some(valid_until),
    };
    let mut out = Vec::new();
    match kind {
        ListKind::Token => {
            let mut list = StatusList::new(values.len(), Bits::Two);
            for (i, v) in values.iter().enumerate().filter(|(_, v)| **v != 0) {
                list.set(i, *v).map_err(|e| fail(e.to_string()))?;
            }
            let r = ListRef::Token(k);
            let ttl = Some(issuer.config.status.ttl_secs);
            let token = sign_token_list(&list, ttl, &signing_of(r), &signing.key).map_err(fail)?;
            out.push((r, "token", token));
        }
        ListKind::Bitstring => {
            for (r, purpose, wanted) in [
                (
                    ListRef::BitstringRevocation(k),
                    StatusPurpose::Revocation,
                    1u8,
                ),
                (
                    ListRef::BitstringSuspension(k),
                    StatusPurpose::Suspension,
                    2u8,
                ),
            ] {
                let mut list = BitstringStatusList::new(values.len(), StatusSize::ONE)
                    .map_err(|e| fail(e.to_string()))?;
                for (i, _) in values.iter().enumerate().filter(|(_, v)| **v == wanted) {
                    list.set(i, 1).map_err(|e| fail(e.to_string()))?;
                }
                let token = sign_bitstring_list(&list, purpose, &signing_of(r), &signing.key)
                    .map_err(fail)?;
                out.push((r, "bitstring", token));
            }
        }
    }
    Ok(out)
}

impl Issuer {
    /// Publishes every list that is new, changed, or half-way to its `exp`.
    /// Returns how many registry operations were accepted.
    ///
    /// # Errors
    /// The first store or registry error; lists not yet published stay dirty and
    /// are tried again on the next round.
    pub async fn publish_once(&self) -> Result<usize, IssueError> {
        let ahead = self.signing().from.saturating_sub(self.clock.now().unix());
        if ahead > 0 {
            // A rotation just took effect ahead of the clock (at most
            // ROTATION_LEAD_SECS): sign the lists with the new key from its first second.
            let secs = ahead.min(crate::service::ROTATION_LEAD_SECS + 1);
            tokio::time::sleep(Duration::from_secs(u64::try_from(secs).unwrap_or(0))).await;
        }
        let did = self.did();
        let now = self.clock.now().unix();
        let refresh_after = i64::from(self.config.status.valid_hours) * 3600 / 2;
        let dirty = self
            .store
            .dirty_lists()
            .map_err(|e| IssueError::Store(e.to_string()))?;
        let all = self
            .store
            .lists()
            .map_err(|e| IssueError::Store(e.to_string()))?;
        let mut accepted = 0;
        for (kind, k) in all {
            let first = match kind {
                ListKind::Token => ListRef::Token(k),
                ListKind::Bitstring => ListRef::BitstringRevocation(k),
            };
            let id = first.ledger_id(&did);
            let stale = self
                .published
                .get(&id)
                .is_none_or(|at| now - at >= refresh_after);
            let changed = dirty.contains(&(kind, k));
            if !changed && !stale {
                continue;
            }
            let snapshot = self
                .store
                .list_snapshot(kind, k)
                .map_err(|e| IssueError::Store(e.to_string()))?;
            for (list, format, token) in documents(self, kind, k, &snapshot.values)? {
                let id = list.ledger_id(&did);
                let signing = self.signing();
                let body = json!({"format": format, "token": token});
                self.link
                    .submit_with_prev(&id, |prev| {
                        let op = Operation {
                            v: 1,
                            op_type: if prev.is_some() {
                                OpType::StatusListUpdate
                            } else {
                                OpType::StatusListCreate
                            },
                            id: id.clone(),
                            prev,
                            time: now,
                            body: body.clone(),
                        };
                        let kid =
                            format!("#{}", signing.kid.rsplit('#').next().unwrap_or_default());
                        operation::sign(&op, &[(&signing.key, kid.as_str())])
                    })
                    .await
                    .map_err(IssueError::Registry)?;
                self.published.set(&id, now);
                accepted += 1;
            }
            self.store
                .mark_published(kind, k, snapshot.change)
                .map_err(|e| IssueError::Store(e.to_string()))?;
        }
        Ok(accepted)
    }

    /// Runs the publisher until `shutdown` resolves: wakes on a status change (or
    /// every `publish_delay` to refresh lists), waits the delay to batch, publishes.
    pub async fn run_publisher(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        let delay = Duration::from_millis(self.config.status.publish_delay_ms.max(1));
        let idle = Duration::from_secs(30).max(delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = self.publish.notified() => tokio::time::sleep(delay).await,
                () = tokio::time::sleep(idle) => {}
            }
            if let Err(e) = self.publish_once().await {
                tracing::warn!(
                    error = %e,
                    code = e.code(),
                    "publishing status lists failed, will retry"
                );
                tokio::time::sleep(delay).await;
                self.publish.notify_one();
            }
        }
    }
}
