//! `sigillum status-list build|get|set`: signed status lists, in the IETF Token
//! Status List form (`statuslist+jwt`, for SD-JWT VCs) or the W3C Bitstring Status
//! List form (a `vc+jwt` BitstringStatusListCredential, for VC-JWTs).

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};
use sigillum_credential::did;
use sigillum_credential::jws::CompactJws;
use sigillum_credential::key::{PublicKey, SigningKey};
use sigillum_credential::status::{
    Bits, BitstringStatusList, ListSigning, STATUS_LIST_JWT_TYP, StatusList, StatusListTokenClaims,
    StatusPurpose, StatusSize, StatusType, sign_bitstring_list, sign_token_list,
};
use sigillum_credential::time::{Clock, SystemClock, Timestamp};
use sigillum_credential::vc::jwt_vc;
use sigillum_credential::verify::{IssuerKey, MAX_STATUS_LIST_BYTES, issuer_and_kid};

use crate::{CliError, files};

#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    /// IETF Token Status List (`statuslist+jwt`).
    Token,
    /// W3C Bitstring Status List credential (`vc+jwt`).
    Bitstring,
}

#[derive(Subcommand)]
pub enum StatusCommand {
    /// Build and sign a new status list (all entries valid unless --set).
    Build {
        #[arg(long, value_enum, default_value = "token")]
        format: ListFormat,
        /// The list's URI (the `uri` credentials will point at).
        #[arg(long)]
        uri: String,
        /// The issuer's private JWK (the same issuer as the credentials).
        #[arg(long)]
        issuer_key: String,
        /// Number of entries (at least 131,072 for herd privacy).
        #[arg(long, default_value_t = 131_072)]
        size: usize,
        /// Bits per entry (Token Status List: 1, 2, 4 or 8; 2 allows suspension).
        #[arg(long, default_value_t = 2)]
        bits: u8,
        /// Purpose of a bitstring list: revocation or suspension.
        #[arg(long, default_value = "revocation")]
        purpose: String,
        /// Entries to set, as index=value pairs separated by commas.
        #[arg(long, value_delimiter = ',')]
        set: Vec<String>,
        /// Seconds a verifier may cache the list.
        #[arg(long, default_value_t = 300)]
        ttl: u64,
        /// Hours until the signed list expires.
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
        /// Sign as of this Unix time instead of now.
        #[arg(long)]
        now: Option<i64>,
    },
    /// Read one entry (verifying the list's signature with --issuer-jwk, or its did:key/did:jwk issuer).
    Get {
        /// The signed list.
        file: String,
        #[arg(long)]
        index: usize,
        #[arg(long)]
        issuer_jwk: Option<String>,
    },
    /// Change one entry and re-sign the list.
    Set {
        /// The signed list.
        file: String,
        #[arg(long)]
        index: usize,
        /// The new value (0 valid, 1 revoked/invalid, 2 suspended).
        #[arg(long)]
        value: u8,
        #[arg(long)]
        issuer_key: String,
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
        #[arg(long)]
        now: Option<i64>,
    },
}

/// A list in either form, with what is needed to re-sign it.
enum List {
    Token {
        uri: String,
        list: StatusList,
        ttl: Option<u64>,
    },
    Bitstring {
        uri: String,
        list: BitstringStatusList,
        purpose: StatusPurpose,
    },
}

fn parse_set(pairs: &[String]) -> Result<Vec<(usize, u8)>, CliError> {
    pairs
        .iter()
        .map(|p| {
            let (i, v) = p
                .split_once('=')
                .ok_or_else(|| CliError(format!("--set {p}: expected index=value")))?;
            Ok((i.trim().parse()?, v.trim().parse()?))
        })
        .collect()
}

impl List {
    fn set(&mut self, index: usize, value: u8) -> Result<(), CliError> {
        match self {
            List::Token { list, .. } => list.set(index, value)?,
            List::Bitstring { list, .. } => list.set(index, value)?,
        }
        Ok(())
    }

    fn get(&self, index: usize) -> Result<u8, CliError> {
        Ok(match self {
            List::Token { list, .. } => list.get(index)?,
            List::Bitstring { list, .. } => list.get(index)?,
        })
    }

    fn sign(&self, key: &SigningKey, now: Timestamp, valid_hours: u32) -> Result<String, CliError> {
        let issuer = did::key::did_for(&key.public_key());
        let kid = format!("{issuer}#{}", issuer.method_specific_id());
        let exp = now.plus(i64::from(valid_hours) * 3600);
        let issuer = issuer.to_string();
        let uri = match self {
            List::Token { uri, .. } | List::Bitstring { uri, .. } => uri,
        };
        let signing = ListSigning {
            uri,
            issuer: &issuer,
            kid: &kid,
            issued_at: now,
            valid_until: Some(exp),
        };
        Ok(match self {
            List::Token { list, ttl, .. } => sign_token_list(list, *ttl, &signing, key)?,
            List::Bitstring { list, purpose, .. } => {
                sign_bitstring_list(list, *purpose, &signing, key)?
            }
        })
    }

    /// Parses a signed list; verifies it when `key` is given or its issuer is a local DID.
    fn read(text: &str, key: Option<&PublicKey>) -> Result<(Self, bool), CliError> {
        let jws = CompactJws::parse(text, 8 * 1024 * 1024)?;
        let claims = jws.unverified_claims()?;
        let (issuer, kid) = issuer_and_kid(&claims, jws.header().kid.as_deref());
        let key = match key {
            Some(k) => Some(k.clone()),
            None => IssuerKey::ResolveLocal
                .resolve(issuer.as_deref(), kid.as_deref())
                .ok(),
        };
        let verified = match key {
            Some(k) => {
                jws.clone()
                    .verify(&k, sigillum_credential::key::Alg::ALL)
                    .map_err(|e| CliError(format!("status list signature: {e}")))?;
                true
            }
            None => false,
        };
        let list = match jws.header().typ.as_deref() {
            Some(STATUS_LIST_JWT_TYP) => {
                let uri = claims
                    .get("sub")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let token =
                    StatusListTokenClaims::from_claims(&claims, &uri, MAX_STATUS_LIST_BYTES)?;
                List::Token {
                    uri,
                    list: token.status_list,
                    ttl: token.ttl,
                }
            }
            Some(jwt_vc::TYP) => {
                let subject = claims
                    .get("credentialSubject")
                    .and_then(Value::as_object)
                    .ok_or("not a BitstringStatusListCredential: no credentialSubject")?;
                let encoded = subject
                    .get("encodedList")
                    .and_then(Value::as_str)
                    .ok_or("no encodedList")?;
                let purpose = StatusPurpose::parse(
                    subject
                        .get("statusPurpose")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )?;
                let list =
                    BitstringStatusList::decode(encoded, StatusSize::ONE, MAX_STATUS_LIST_BYTES)?;
                let uri = claims
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                List::Bitstring { uri, list, purpose }
            }
            other => {
                return Err(CliError(format!(
                    "typ {other:?} is neither statuslist+jwt nor vc+jwt"
                )));
            }
        };
        Ok((list, verified))
    }
}

fn status_name(list: &List, value: u8) -> String {
    match list {
        List::Token { .. } => match StatusType::from(value) {
            StatusType::Valid => "valid".into(),
            StatusType::Invalid => "invalid (revoked)".into(),
            StatusType::Suspended => "suspended".into(),
            other => format!("{other:?}"),
        },
        List::Bitstring { purpose, .. } => {
            if value == 0 {
                "valid".into()
            } else {
                format!("set ({purpose})")
            }
        }
    }
}

pub fn run(command: StatusCommand) -> Result<ExitCode, CliError> {
    match command {
        StatusCommand::Build {
            format,
            uri,
            issuer_key,
            size,
            bits,
            purpose,
            set,
            ttl,
            valid_hours,
            now,
        } => {
            let key = files::signing_key(&issuer_key)?;
            let mut list = match format {
                ListFormat::Token => {
                    let bits = Bits::try_from(u64::from(bits))?;
                    List::Token {
                        uri,
                        list: StatusList::new(size, bits),
                        ttl: Some(ttl),
                    }
                }
                ListFormat::Bitstring => List::Bitstring {
                    uri,
                    list: BitstringStatusList::new(size, StatusSize::ONE)?,
                    purpose: StatusPurpose::parse(&purpose)?,
                },
            };
            for (index, value) in parse_set(&set)? {
                list.set(index, value)?;
            }
            let now = now.map_or_else(|| SystemClock.now(), Timestamp::from_unix);
            crate::say!("{}", list.sign(&key, now, valid_hours)?);
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Get {
            file,
            index,
            issuer_jwk,
        } => {
            let key = issuer_jwk.as_deref().map(files::public_key).transpose()?;
            let (list, verified) = List::read(&files::read_text(&file)?, key.as_ref())?;
            let value = list.get(index)?;
            if !verified {
                eprintln!("warning: the list's signature was not verified (give --issuer-jwk)");
            }
            crate::say!(
                "{}",
                json!({"index": index, "value": value, "status": status_name(&list, value), "signature_verified": verified})
            );
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Set {
            file,
            index,
            value,
            issuer_key,
            valid_hours,
            now,
        } => {
            let key = files::signing_key(&issuer_key)?;
            let (mut list, _) = List::read(&files::read_text(&file)?, Some(&key.public_key()))?;
            list.set(index, value)?;
            let now = now.map_or_else(|| SystemClock.now(), Timestamp::from_unix);
            crate::say!("{}", list.sign(&key, now, valid_hours)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
