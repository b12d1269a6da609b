//! `sigillum credential issue|present`: offline issuing and presenting, for
//! integrators and tests. The issuer service (OpenID4VCI) uses the same library calls.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::json;
use sigillum_credential::did;
use sigillum_credential::schema::{CredentialTypes, SchemaError};
use sigillum_credential::sd_jwt::{self, ClaimPath, IssueOptions};
use sigillum_credential::time::{Clock, SystemClock, Timestamp};
use sigillum_credential::vc::{jwt_vc, sd_jwt_vc};

use crate::{CliError, files};

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// SD-JWT VC (`dc+sd-jwt`), selectively disclosable.
    SdJwt,
    /// W3C VC 2.0 as `vc+jwt`.
    VcJwt,
}

#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Issue a credential of one of the types in specs/credential-types.
    Issue {
        /// passport, residence_permit or business_license.
        #[arg(long = "type")]
        kind: String,
        /// The subject's claims as a JSON file (`-` for standard input).
        #[arg(long)]
        subject: String,
        /// The issuer's private JWK.
        #[arg(long)]
        issuer_key: String,
        /// The issuer identifier; defaults to the issuer key's did:key.
        #[arg(long)]
        issuer: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "sd-jwt")]
        format: FormatArg,
        /// The holder's public JWK, bound as `cnf` (SD-JWT VC) or as the subject's did:jwk (VC-JWT).
        #[arg(long)]
        holder_jwk: Option<String>,
        /// Status list URI (Token Status List for SD-JWT VC, Bitstring Status List for VC-JWT).
        #[arg(long, requires = "status_index")]
        status_uri: Option<String>,
        /// This credential's index in that list.
        #[arg(long, requires = "status_uri")]
        status_index: Option<u32>,
        /// Days of validity; defaults to the type's default.
        #[arg(long)]
        valid_days: Option<u32>,
        /// Issue as of this Unix time instead of now.
        #[arg(long)]
        now: Option<i64>,
    },
    /// Present an SD-JWT VC: disclose only the named claims, bound to a verifier's nonce and audience.
    Present {
        /// The SD-JWT VC, as issued (`-` for standard input).
        file: String,
        /// The holder's private JWK (the key bound in `cnf`).
        #[arg(long)]
        holder_key: String,
        /// Claims to disclose, comma-separated; nested claims as `address.locality`.
        #[arg(long, value_delimiter = ',')]
        disclose: Vec<String>,
        /// The verifier's nonce.
        #[arg(long)]
        nonce: String,
        /// The verifier's identifier (KB-JWT `aud`).
        #[arg(long)]
        aud: String,
        /// Sign as of this Unix time instead of now.
        #[arg(long)]
        now: Option<i64>,
    },
}

pub fn run(command: CredentialCommand) -> Result<ExitCode, CliError> {
    match command {
        CredentialCommand::Issue {
            kind,
            subject,
            issuer_key,
            issuer,
            format,
            holder_jwk,
            status_uri,
            status_index,
            valid_days,
            now,
        } => {
            let types = CredentialTypes::builtin()?;
            let schema = types.get(&kind).map_err(|e| match e {
                SchemaError::CredentialTypeUnknown { .. } => CliError(format!(
                    "unknown credential type {kind:?}; known types: {}",
                    types
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                other => CliError(other.to_string()),
            })?;
            let spec = schema.spec();
            let subject_value = files::read_json(&subject)?;
            schema.validate_subject(&subject_value).map_err(|v| {
                CliError(format!("{subject}: {v}; fix these fields and issue again"))
            })?;
            let claims = subject_value.as_object().cloned().unwrap_or_default();
            let key = files::signing_key(&issuer_key)?;
            let public = key.public_key();
            let own_did = did::key::did_for(&public);
            let issuer = issuer.unwrap_or_else(|| own_did.to_string());
            let kid = (issuer == own_did.as_str())
                .then(|| format!("{own_did}#{}", own_did.method_specific_id()));
            let holder = holder_jwk.as_deref().map(files::public_key).transpose()?;
            let iat = now.map_or_else(|| SystemClock.now(), Timestamp::from_unix);
            let days = i64::from(valid_days.unwrap_or(spec.default_validity_days));
            let exp = iat.plus(days * 86_400);
            let text = match format {
                FormatArg::SdJwt => {
                    let status = status_uri.as_deref().zip(status_index.map(u64::from));
                    let request = sd_jwt_vc::SdJwtVcRequest {
                        vct: &spec.vct,
                        issuer: &issuer,
                        kid: kid.as_deref(),
                        issued_at: iat,
                        valid_from: None,
                        valid_until: Some(exp),
                        holder: holder.as_ref(),
                        status,
                        claims: &claims,
                        disclosable: &spec.selectively_disclosable,
                    };
                    sd_jwt_vc::issue(&request, &key, IssueOptions::default())?
                }
                FormatArg::VcJwt => {
                    let mut subject = claims;
                    if let Some(h) = &holder {
                        subject.insert("id".into(), json!(did::jwk::did_for(h).to_string()));
                    }
                    let status = status_uri.zip(status_index).map(|(uri, idx)| {
                        json!({"id": format!("{uri}#{idx}"), "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                               "statusListIndex": idx.to_string(), "statusListCredential": uri})
                    });
                    let types: Vec<String> = spec
                        .vc_type
                        .iter()
                        .filter(|t| *t != "VerifiableCredential")
                        .cloned()
                        .collect();
                    let request = jwt_vc::JwtVcRequest {
                        id: None,
                        types: &types,
                        issuer: &issuer,
                        kid: kid.as_deref(),
                        valid_from: iat,
                        valid_until: Some(exp),
                        subject: &subject,
                        status,
                        schema_id: spec.schema_id(),
                    };
                    jwt_vc::issue(&request, &key).map_err(|e| format!("signing failed: {e}"))?
                }
            };
            crate::say!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        CredentialCommand::Present {
            file,
            holder_key,
            disclose,
            nonce,
            aud,
            now,
        } => {
            let text = files::read_text(&file)?;
            if !text.contains('~') {
                return Err(CliError(format!(
                    "{file} is not an SD-JWT VC; only SD-JWT VCs are presented with selective disclosure"
                )));
            }
            let holder = files::signing_key(&holder_key)?;
            let iat = now.map_or_else(|| SystemClock.now(), Timestamp::from_unix);
            let paths: Vec<ClaimPath> = disclose.iter().map(|d| ClaimPath::dotted(d)).collect();
            let presented = sd_jwt::present(&text, &paths, Some((&holder, &aud, &nonce, iat)))
                .map_err(|e| CliError(format!("{file}: {e} [{}]", e.code())))?;
            crate::say!("{presented}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
