//! The citizen's cards: the vault's credentials grouped by issuance (the one-time
//! copies of one issuance are one card), each with its claims labelled as its
//! credential type labels them ("Date of birth"), in the type's order. What the
//! web wallet's list and detail pages and `sigillum wallet list|show` print.

use serde_json::Value;
use sigillum_credential::time::Timestamp;

use crate::present::held::Held;
use crate::vault::{StoredCredential, Vault, VaultError};

/// One claim as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardClaim {
    /// The claim's name in the credential (`birth_date`).
    pub name: String,
    /// Its label ("Date of birth"), or the name when the type gives none.
    pub label: String,
    /// Its value as text: strings as they are, anything else as compact JSON.
    pub value: String,
}

/// One issuance held: its copies share the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The group id (the card's id in links).
    pub group: String,
    /// What it is ("Passport").
    pub type_name: String,
    /// Its type identifier (`vct`, or the most specific VC `type`).
    pub type_id: String,
    /// The issuer's DID (`iss`).
    pub issuer: String,
    /// Where it was received from (the OpenID4VCI issuer URL).
    pub issuer_url: String,
    /// `nbf` / `validFrom`.
    pub valid_from: Option<Timestamp>,
    /// `exp` / `validUntil`.
    pub valid_until: Option<Timestamp>,
    /// When it was received, Unix seconds.
    pub received_at: i64,
    /// One-time copies held.
    pub copies: usize,
    /// Copies not yet shown.
    pub copies_left: usize,
    /// The subject's claims, labelled, in the type's order.
    pub claims: Vec<CardClaim>,
    /// Restored from a backup without holder keys: it must be issued again before
    /// it can be presented.
    pub holder_key_missing: bool,
}

impl Card {
    /// Whether it is past its `exp` at `now`.
    #[must_use]
    pub fn expired(&self, now: Timestamp) -> bool {
        self.valid_until.is_some_and(|until| until <= now)
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn card_of(held: &Held, copies: &[&StoredCredential]) -> Card {
    let claims = held
        .claim_order()
        .into_iter()
        .filter_map(|name| {
            let value = value_text(held.subject.get(&name)?);
            Some(CardClaim {
                label: held.claim_label(&name),
                name,
                value,
            })
        })
        .collect();
    Card {
        group: held.group.clone(),
        type_name: held.type_name(),
        type_id: held.type_id.clone(),
        issuer: held.issuer.clone(),
        issuer_url: held.issuer_url.clone(),
        valid_from: held.valid_from,
        valid_until: held.valid_until,
        received_at: held.received_at,
        copies: copies.len(),
        copies_left: copies.iter().filter(|c| !c.used).count(),
        claims,
        holder_key_missing: held.holder_key_missing,
    }
}

/// Every card in `vault`, newest first, each with one of its copies (an unused one
/// when there is one) for checking its standing. A copy that cannot be read is
/// skipped (it was verified when received; [`Vault::credentials`] already refuses
/// altered records).
///
/// # Errors
/// The vault's errors.
pub fn cards(vault: &Vault) -> Result<Vec<(Card, StoredCredential)>, VaultError> {
    let held = vault.credentials()?;
    let mut groups: Vec<&str> = Vec::new();
    for (_, stored) in &held {
        if !groups.contains(&stored.group.as_str()) {
            groups.push(&stored.group);
        }
    }
    let mut out: Vec<(Card, StoredCredential)> = groups
        .into_iter()
        .filter_map(|group| group_card(&held, group))
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        b.received_at
            .cmp(&a.received_at)
            .then(a.group.cmp(&b.group))
    });
    Ok(out)
}

/// The card `group`, with one of its copies as in [`cards`]; `None` when the vault
/// holds no such card.
///
/// # Errors
/// The vault's errors.
pub fn card(vault: &Vault, group: &str) -> Result<Option<(Card, StoredCredential)>, VaultError> {
    Ok(group_card(&vault.credentials()?, group))
}

fn group_card(
    held: &[(String, StoredCredential)],
    group: &str,
) -> Option<(Card, StoredCredential)> {
    let copies: Vec<&StoredCredential> = held
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.group == group)
        .collect();
    let sample = copies.iter().find(|c| !c.used).or(copies.first())?;
    let read = Held::read(sample).ok()?;
    Some((card_of(&read, &copies), (*sample).clone()))
}
