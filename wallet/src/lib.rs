//! Sigillum's wallet: what a citizen holds (issue #6).
//!
//! ```text
//!  receive    OpenID4VCI 1.0 pre-authorized flow: offer → token → nonce → proofs → credentials
//!  vault      the encrypted store: credentials, holder keys, history; PIN with lockout
//!  present    OpenID4VP 1.0: request → plan (consent) → minimal SD-JWT+KB → direct_post or QR
//!  backup     the vault as one passphrase-encrypted JWE (PBES2 + A256GCM), restored into a new vault
//!  cards      the vault's credentials as cards: one per issuance, claims labelled for people
//!  history    the consent and history log as words and as its JSON export
//!  standing   a card checked on the registry as a checkpoint would: valid, suspended, revoked…
//!  site       the web wallet (`sigillum wallet serve`): many citizens' vaults as phone pages
//! ```

pub mod backup;
pub mod cards;
pub mod history;
pub mod present;
pub mod receive;
pub mod site;
pub mod standing;
pub mod vault;
