//! Turning a case's recipe into the bytes under test: placeholders, compact JWS with
//! exactly the header and payload text written, SD-JWTs with their disclosures and
//! key binding, compressed status lists and bombs.
//!
//! Placeholders, inside any string of a recipe:
//! - `{{did:K}}`, `{{kid:K}}`: the `did:key` of corpus key `K`, and its verification
//!   method (`did:key:z…#z…`);
//! - `{{jwk:K}}`: `K`'s public JWK (a whole string `"{{jwk:K}}"` becomes the object);
//! - `{{now}}`, `{{now+N}}`, `{{now-N}}`: the fixed clock, in seconds (a whole string
//!   becomes a number);
//! - `{{digest:I}}`: the SD-JWT digest of disclosure `I` (SD-JWT recipes);
//! - `{{sd_hash}}`: the KB-JWT's `sd_hash` over the presentation (KB recipes);
//! - `{{zlib_zeros:N}}`: base64url of N zero bytes, zlib-compressed (bombs);
//! - `{{repeat:N:S}}`: `S` repeated N times;
//! - `{{b64:S}}`: base64url (unpadded) of the text `S`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sigillum_credential::b64;
use sigillum_credential::did;
use sigillum_credential::key::{Jwk, SigningKey};
use sigillum_credential::sd_jwt::sd_hash as digest_of;

/// The corpus clock: 2027-01-15T08:00:00Z.
pub const NOW: i64 = 1_800_000_000;

/// The corpus keys, by name.
pub struct Fixtures {
    keys: BTreeMap<String, SigningKey>,
}

impl Fixtures {
    /// Reads `tests/adversarial/keys.json`.
    pub fn load() -> Fixtures {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/adversarial/keys.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let keys = doc["keys"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, jwk)| {
                let key = Jwk::from_value(jwk).unwrap().to_signing_key().unwrap();
                (name.clone(), key)
            })
            .collect();
        Fixtures { keys }
    }

    /// The corpus key `name`.
    pub fn key(&self, name: &str) -> Result<&SigningKey, String> {
        self.keys
            .get(name)
            .ok_or_else(|| format!("no corpus key \"{name}\" in keys.json"))
    }

    /// The `did:key` of corpus key `name`.
    pub fn did(&self, name: &str) -> Result<String, String> {
        Ok(did::key::did_for(&self.key(name)?.public_key()).to_string())
    }

    /// Expands every placeholder in `value` (see the module doc); `extra` holds the
    /// recipe-local ones (`digest:I`, `sd_hash`).
    pub fn expand(&self, value: &Value, extra: &BTreeMap<String, String>) -> Result<Value, String> {
        Ok(match value {
            Value::String(s) => {
                if let Some(name) = whole(s, "jwk:") {
                    return Ok(self.key(name)?.public_key().to_jwk().to_value());
                }
                if let Some(n) = whole(s, "now").and_then(offset) {
                    return Ok(Value::from(NOW + n));
                }
                Value::String(self.expand_text(s, extra)?)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.expand(v, extra))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| Ok((self.expand_text(k, extra)?, self.expand(v, extra)?)))
                    .collect::<Result<Map<_, _>, String>>()?,
            ),
            other => other.clone(),
        })
    }

    /// Expands the placeholders inside one string.
    pub fn expand_text(
        &self,
        text: &str,
        extra: &BTreeMap<String, String>,
    ) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .ok_or_else(|| format!("unclosed placeholder in {text:?}"))?
                + start;
            out.push_str(&self.placeholder(&rest[start + 2..end], extra)?);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn placeholder(&self, name: &str, extra: &BTreeMap<String, String>) -> Result<String, String> {
        if let Some(v) = extra.get(name) {
            return Ok(v.clone());
        }
        let (head, arg) = name.split_once(':').unwrap_or((name, ""));
        Ok(match head {
            "did" => self.did(arg)?,
            "kid" => {
                let did = self.did(arg)?;
                let fragment = did.trim_start_matches("did:key:").to_owned();
                format!("{did}#{fragment}")
            }
            "jwk" => self.key(arg)?.public_key().to_jwk().to_value().to_string(),
            "zlib_zeros" => {
                let n: usize = arg.parse().map_err(|_| format!("bad {name}"))?;
                b64::encode(zlib_zeros(n))
            }
            "b64" => b64::encode(arg),
            "repeat" => {
                let (n, s) = arg.split_once(':').ok_or_else(|| format!("bad {name}"))?;
                s.repeat(n.parse().map_err(|_| format!("bad {name}"))?)
            }
            _ if head.starts_with("now") => {
                (NOW + offset(&name[3..]).ok_or_else(|| format!("bad {name}"))?).to_string()
            }
            _ => return Err(format!("unknown placeholder {{{{{name}}}}}")),
        })
    }

    /// A compact JWS from a recipe: a literal string, or an object with
    /// - `header`, `payload`: a JSON value (serialized) or a string (the exact text);
    /// - `sign`: the corpus key signing `header.payload` whatever `alg` says;
    /// - `signature`: the base64url signature to use instead; `signature_hex`: its bytes;
    /// - `tamper`: `flip_signature_bit` (one bit of the signature flipped after signing);
    /// - `append`: text added at the end (`.extra`, `~`).
    pub fn jws(&self, recipe: &Value, extra: &BTreeMap<String, String>) -> Result<String, String> {
        if let Value::String(literal) = recipe {
            return self.expand_text(literal, extra);
        }
        let part = |name: &str| -> Result<String, String> {
            match recipe.get(name) {
                None => Err(format!("a JWS recipe needs \"{name}\"")),
                Some(Value::String(raw)) => self.expand_text(raw, extra),
                Some(v) => Ok(self.expand(v, extra)?.to_string()),
            }
        };
        let mut token = format!(
            "{}.{}",
            b64::encode(part("header")?),
            b64::encode(part("payload")?)
        );
        let signature = match (
            recipe.get("signature"),
            recipe.get("signature_hex"),
            recipe.get("sign"),
        ) {
            (Some(Value::String(s)), _, _) => s.clone(),
            (_, Some(Value::String(h)), _) => b64::encode(hex(h)?),
            (_, _, Some(Value::String(k))) => {
                let mut bytes = self.sign(k, token.as_bytes())?;
                if recipe.get("tamper").and_then(Value::as_str) == Some("flip_signature_bit") {
                    bytes[0] ^= 1;
                }
                b64::encode(bytes)
            }
            _ => String::new(),
        };
        token.push('.');
        token.push_str(&signature);
        if let Some(Value::String(tail)) = recipe.get("append") {
            token.push_str(&self.expand_text(tail, extra)?);
        }
        Ok(token)
    }

    /// The raw signature of corpus key `name` over `message` (ES256: r‖s; EdDSA: R‖S).
    pub fn sign(&self, name: &str, message: &[u8]) -> Result<Vec<u8>, String> {
        use signature::Signer as _;
        let sig = self
            .key(name)?
            .try_sign(message)
            .map_err(|e| e.to_string())?;
        Ok(sig.as_bytes().to_vec())
    }

    /// An SD-JWT from a recipe: a literal string, or an object with
    /// - `jwt`: the issuer-signed JWS recipe (its payload may say `{{digest:I}}`);
    /// - `disclosures`: each a JSON array (serialized), a string (the exact JSON text),
    ///   or `{"encoded": "…"}` (the base64url form as given);
    /// - `kb`: the KB-JWT recipe (its payload may say `{{sd_hash}}`), if any.
    pub fn sd_jwt(&self, recipe: &Value) -> Result<String, String> {
        if let Value::String(literal) = recipe {
            return self.expand_text(literal, &BTreeMap::new());
        }
        let mut extra = BTreeMap::new();
        let mut encoded = Vec::new();
        for (i, d) in recipe
            .get("disclosures")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let text = match d {
                Value::String(raw) => b64::encode(self.expand_text(raw, &extra)?),
                Value::Object(o) if o.contains_key("encoded") => {
                    o["encoded"].as_str().unwrap_or_default().to_owned()
                }
                v => b64::encode(self.expand(v, &extra)?.to_string()),
            };
            extra.insert(format!("digest:{i}"), digest_of(&text));
            encoded.push(text);
        }
        let jwt = self.jws(
            recipe.get("jwt").ok_or("an SD-JWT recipe needs \"jwt\"")?,
            &extra,
        )?;
        let mut presentation = jwt;
        for d in &encoded {
            presentation.push('~');
            presentation.push_str(d);
        }
        presentation.push('~');
        if let Some(kb) = recipe.get("kb") {
            extra.insert("sd_hash".into(), digest_of(&presentation));
            presentation.push_str(&self.jws(kb, &extra)?);
        }
        Ok(presentation)
    }
}

/// `s` is exactly `{{<prefix><rest>}}`: the rest.
fn whole<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.strip_prefix("{{")?
        .strip_suffix("}}")?
        .strip_prefix(prefix)
}

/// `""`, `+N` or `-N` as seconds.
fn offset(rest: &str) -> Option<i64> {
    if rest.is_empty() {
        return Some(0);
    }
    let n: i64 = rest[1..].parse().ok()?;
    match &rest[..1] {
        "+" => Some(n),
        "-" => Some(-n),
        _ => None,
    }
}

/// The bytes of a hex string.
pub fn hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {text:?}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// `n` zero bytes, zlib-compressed (RFC 1950): a few KiB inflating to `n`.
pub fn zlib_zeros(n: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        z.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    z.finish().unwrap()
}
