//! A held credential read for matching: its format and type as DCQL compares them
//! (OpenID4VP 1.0 §6.1, Appendix B), its claims as claims path pointers address
//! them (§7.1), which claims every presentation shows anyway, its validity, and
//! whether it can prove possession. The credential was verified when received;
//! here it is only read.

use serde_json::{Map, Value};
use sigillum_credential::jws::{CompactJws, DEFAULT_MAX_LEN};
use sigillum_credential::key::{Jwk, SigningKey};
use sigillum_credential::oid4vp::{CredentialFormat, CredentialQuery};
use sigillum_credential::schema::{CredentialType, CredentialTypes};
use sigillum_credential::sd_jwt::{self, ClaimPath, PathSegment, SdJwt};
use sigillum_credential::time::Timestamp;
use sigillum_credential::vc::{jwt_vc, sd_jwt_vc};

use super::error::{HOLDER_KEY_MISSING, Shortfall};
use super::plan::ClaimLabel;
use crate::vault::StoredCredential;

/// Clock skew allowed before a credential counts as not yet valid.
const NOT_BEFORE_LEEWAY_SECS: i64 = 60;

/// One stored credential, read.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub group: String,
    pub format: CredentialFormat,
    /// `[vct]` for an SD-JWT VC, the `type` array for a VC-JWT.
    pub types: Vec<String>,
    /// The most specific type: `vct`, or the last `type` that is not `VerifiableCredential`.
    pub type_id: String,
    pub issuer: String,
    pub issuer_url: String,
    pub configuration_id: String,
    pub received_at: i64,
    /// Every claim, disclosed or not, as the paths address them.
    pub claims: Map<String, Value>,
    /// The subject's claims, without the registered JWT and VC claims: what a
    /// card shows.
    pub subject: Map<String, Value>,
    /// Subject claims that every presentation shows (plain claims of an SD-JWT VC;
    /// the whole subject of a VC-JWT).
    pub visible: Vec<ClaimPath>,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    /// RFC 7638 thumbprint of `cnf.jwk`: the key a KB-JWT must be signed with.
    pub cnf_thumbprint: Option<String>,
    /// Bound to a key (`cnf`) that is not held: restored from a backup without
    /// holder keys, so it must be issued again.
    pub holder_key_missing: bool,
    spec: Option<&'static CredentialType>,
}

impl Held {
    /// Reads a stored credential: an SD-JWT VC (`~`-separated) or a VC-JWT.
    pub(crate) fn read(stored: &StoredCredential) -> Result<Held, String> {
        let text = stored.credential.trim();
        let mut held = if text.contains('~') {
            read_sd_jwt_vc(text)?
        } else {
            read_jwt_vc(text)?
        };
        held.group.clone_from(&stored.group);
        held.issuer_url.clone_from(&stored.issuer);
        held.configuration_id.clone_from(&stored.configuration_id);
        held.received_at = stored.received_at;
        held.holder_key_missing = held.cnf_thumbprint.is_some() && lacks_key(stored);
        Ok(held)
    }

    /// The types as [`CredentialQuery::accepts`] takes them.
    pub(crate) fn type_refs(&self) -> Vec<&str> {
        self.types.iter().map(String::as_str).collect()
    }

    /// The label its type gives the subject claim `name` ("Date of birth"), or
    /// the name itself.
    pub(crate) fn claim_label(&self, name: &str) -> String {
        self.spec
            .and_then(|s| s.claims.get(name))
            .map_or_else(|| name.to_owned(), |c| c.label.clone())
    }

    /// The subject claim names in the order its type lists them (plain claims,
    /// then selectively disclosable ones), then any others.
    pub(crate) fn claim_order(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .spec
            .map(|s| {
                s.always_disclosed
                    .iter()
                    .chain(&s.selectively_disclosable)
                    .filter(|n| self.subject.contains_key(n.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for name in self.subject.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// What this credential is, for a person.
    pub(crate) fn type_name(&self) -> String {
        self.spec
            .map_or_else(|| self.type_id.clone(), |s| s.display.name.clone())
    }

    /// A claim path with the label the credential type gives it.
    pub(crate) fn label(&self, path: &ClaimPath) -> ClaimLabel {
        label_with(self.spec, path)
    }

    /// Why the credential is outside its validity window at `now`, if it is.
    pub(crate) fn validity(&self, now: Timestamp) -> Option<Shortfall> {
        if let Some(until) = self.valid_until
            && until <= now
        {
            return Some(Shortfall::Expired { valid_until: until });
        }
        match self.valid_from {
            Some(from) if from > now.plus(NOT_BEFORE_LEEWAY_SECS) => {
                Some(Shortfall::NotYetValid { valid_from: from })
            }
            _ => None,
        }
    }

    /// The holder key in `stored`, checked to be the key the credential binds.
    pub(crate) fn holder_key(&self, stored: &StoredCredential) -> Result<SigningKey, String> {
        if lacks_key(stored) {
            return Err(HOLDER_KEY_MISSING.into());
        }
        let key = Jwk::from_json(&stored.holder_jwk)
            .and_then(|jwk| jwk.to_signing_key())
            .map_err(|e| format!("its holder key is unreadable ({e})"))?;
        if self.cnf_thumbprint.as_deref() != Some(key.public_key().to_jwk().thumbprint().as_str()) {
            return Err("its stored holder key is not the key the credential is bound to".into());
        }
        Ok(key)
    }
}

/// A credential restored from a backup without holder keys keeps an empty
/// `holder_jwk` (see `backup`).
fn lacks_key(stored: &StoredCredential) -> bool {
    stored.holder_jwk.trim().is_empty()
}

fn blank(format: CredentialFormat) -> Held {
    Held {
        group: String::new(),
        format,
        types: Vec::new(),
        type_id: String::new(),
        issuer: String::new(),
        issuer_url: String::new(),
        configuration_id: String::new(),
        received_at: 0,
        claims: Map::new(),
        subject: Map::new(),
        visible: Vec::new(),
        valid_from: None,
        valid_until: None,
        cnf_thumbprint: None,
        holder_key_missing: false,
        spec: None,
    }
}

fn types() -> Option<&'static CredentialTypes> {
    CredentialTypes::builtin().ok()
}

fn read_sd_jwt_vc(text: &str) -> Result<Held, String> {
    let parsed = SdJwt::parse(text, DEFAULT_MAX_LEN).map_err(|e| e.to_string())?;
    let processed = parsed.process_unverified().map_err(|e| e.to_string())?;
    let registered = sd_jwt_vc::check_claims(&processed).map_err(|e| e.to_string())?;
    // What the issuer-signed JWT shows with no Disclosure at all.
    let payload = parsed
        .issuer_jwt()
        .unverified_claims()
        .map_err(|e| e.to_string())?;
    let bare = sd_jwt::process(payload, &[]).map_err(|e| e.to_string())?;
    let cnf_thumbprint = match processed.claims.get("cnf").and_then(|c| c.get("jwk")) {
        Some(jwk) => Some(
            Jwk::from_value(jwk)
                .map_err(|e| format!("cnf.jwk: {e}"))?
                .thumbprint(),
        ),
        None => None,
    };
    let mut held = blank(CredentialFormat::DcSdJwt);
    held.spec = types().and_then(|t| t.by_vct(&registered.vct).ok().map(|s| s.spec()));
    held.types = vec![registered.vct.clone()];
    held.type_id = registered.vct;
    held.issuer = registered.issuer;
    held.visible = sd_jwt_vc::subject_claims(&bare)
        .keys()
        .map(|k| ClaimPath(vec![PathSegment::Key(k.clone())]))
        .collect();
    held.valid_from = registered.valid_from;
    held.valid_until = registered.valid_until;
    held.cnf_thumbprint = cnf_thumbprint;
    held.subject = sd_jwt_vc::subject_claims(&processed);
    held.claims = processed.claims;
    Ok(held)
}

fn read_jwt_vc(text: &str) -> Result<Held, String> {
    let jws = CompactJws::parse(text, DEFAULT_MAX_LEN).map_err(|e| e.to_string())?;
    let claims = jws.unverified_claims().map_err(|e| e.to_string())?;
    let version = jwt_vc::version_of(&jws, &claims).map_err(|e| e.to_string())?;
    let vc = jwt_vc::read(version, &claims).map_err(|e| e.to_string())?;
    let mut held = blank(CredentialFormat::JwtVcJson);
    held.spec = types().and_then(|t| {
        vc.types
            .iter()
            .find_map(|entry| t.by_vc_type(entry).ok().map(|s| s.spec()))
    });
    held.type_id = vc
        .types
        .iter()
        .rfind(|t| *t != "VerifiableCredential")
        .cloned()
        .unwrap_or_default();
    held.visible = vc
        .subject
        .keys()
        .map(|k| {
            ClaimPath(vec![
                PathSegment::Key("credentialSubject".into()),
                PathSegment::Key(k.clone()),
            ])
        })
        .collect();
    held.subject = vc.subject.clone();
    held.types = vc.types;
    held.issuer = vc.issuer;
    held.valid_from = vc.valid_from;
    held.valid_until = vc.valid_until;
    held.claims = vc.credential;
    Ok(held)
}

/// `path` with the label `spec` gives it: a W3C VC's `credentialSubject.x` and an
/// SD-JWT VC's `x` are both the claim `x` of the type; deeper paths keep their text.
pub(crate) fn label_with(spec: Option<&CredentialType>, path: &ClaimPath) -> ClaimLabel {
    let segments = match path.0.split_first() {
        Some((PathSegment::Key(first), rest)) if first == "credentialSubject" => rest,
        _ => path.0.as_slice(),
    };
    let inner = ClaimPath(segments.to_vec());
    let label = match segments {
        [PathSegment::Key(name)] => spec
            .and_then(|s| s.claims.get(name))
            .map(|c| c.label.clone()),
        _ => None,
    };
    ClaimLabel {
        path: path.clone(),
        name: path.to_string(),
        label: label.unwrap_or_else(|| inner.to_string()),
    }
}

/// The credential type a query asks for, for a person, and its specification.
pub(crate) fn wanted(query: &CredentialQuery) -> (String, Option<&'static CredentialType>) {
    let registry = types();
    let mut names = Vec::new();
    let mut spec = None;
    for vct in query.meta.vct_values.iter().flatten() {
        let found = registry.and_then(|t| t.by_vct(vct).ok()).map(|s| s.spec());
        spec = spec.or(found);
        names.push(found.map_or_else(|| vct.clone(), |s| s.display.name.clone()));
    }
    for set in query.meta.type_values.iter().flatten() {
        let found = registry.and_then(|t| set.iter().find_map(|e| t.by_vc_type(e).ok()));
        let found = found.map(|s| s.spec());
        spec = spec.or(found);
        let fallback = set.last().cloned().unwrap_or_default();
        names.push(found.map_or(fallback, |s| s.display.name.clone()));
    }
    names.dedup();
    let name = if names.is_empty() {
        format!("a {} credential", query.format)
    } else {
        names.join(" or ")
    };
    (name, spec)
}
