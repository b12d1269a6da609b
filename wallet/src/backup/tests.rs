//! Backup → restore round trips on fresh folders, with and without holder keys,
//! and every refusal: wrong passphrase, altered bytes, crafted iteration counts,
//! oversized input, things that are not backups, and folders already in use.
#![allow(clippy::indexing_slicing, clippy::panic)]

use serde_json::{Value, json};
use sigillum_credential::b64;
use sigillum_credential::did::key::did_for;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::sd_jwt::IssueOptions;
use sigillum_credential::seal::KdfParams;
use sigillum_credential::time::Timestamp;
use sigillum_credential::vc::sd_jwt_vc;
use zeroize::Zeroizing;

use super::*;
use crate::vault::{HistoryEntry, StoredCredential};

const NOW: i64 = 1_800_000_000;
const PIN: &str = "246810";
const NEW_PIN: &str = "135790";
const PASSPHRASE: &str = "correct horse battery staple";
/// The least accepted count keeps the tests fast; the default is tested in its header.
const FAST: BackupOptions = BackupOptions {
    include_holder_keys: true,
    p2c: MIN_P2C,
};

fn fast() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams {
            m_kib: 256,
            t: 1,
            p: 1,
        },
        ..VaultConfig::default()
    }
}

/// A passport SD-JWT VC from the built-in sample, bound to `holder`; with its
/// family name.
fn passport(holder: &SigningKey) -> (String, String) {
    let issuer = SigningKey::generate(Alg::Es256);
    let did = did_for(&issuer.public_key());
    let kid = format!("{}#{}", did.as_str(), did.method_specific_id());
    let spec = CredentialTypes::builtin()
        .unwrap()
        .get("passport")
        .unwrap()
        .spec();
    let claims = spec.samples[0].as_object().unwrap().clone();
    let family_name = claims["family_name"].as_str().unwrap().to_owned();
    let holder_public = holder.public_key();
    let request = sd_jwt_vc::SdJwtVcRequest {
        vct: &spec.vct,
        issuer: did.as_str(),
        kid: Some(&kid),
        issued_at: Timestamp::from_unix(NOW - 1000),
        valid_from: None,
        valid_until: Some(Timestamp::from_unix(NOW + 365 * 24 * 3600)),
        holder: Some(&holder_public),
        status: None,
        claims: &claims,
        disclosable: &spec.selectively_disclosable,
    };
    let credential = sd_jwt_vc::issue(&request, &issuer, IssueOptions::default()).unwrap();
    (credential, family_name)
}

fn stored(group: &str, credential: String, holder: &SigningKey, used: bool) -> StoredCredential {
    StoredCredential {
        group: group.into(),
        credential,
        holder_jwk: Zeroizing::new(holder.to_private_jwk().to_value().to_string()),
        issuer: "http://127.0.0.1:7401".into(),
        configuration_id: "passport_dc_sd_jwt".into(),
        received_at: NOW - 500,
        used,
    }
}

fn entry(kind: &str, counterparty: &str) -> HistoryEntry {
    HistoryEntry {
        time: NOW - 100,
        kind: kind.into(),
        counterparty: counterparty.into(),
        requested: vec!["family_name".into(), "birth_date".into()],
        shared: vec!["family_name".into()],
        group: "passport".into(),
    }
}

/// What a filled vault holds, with the secrets the tests look for.
struct Filled {
    _dir: tempfile::TempDir,
    vault: Vault,
    credentials: Vec<StoredCredential>,
    history: Vec<HistoryEntry>,
    family_name: String,
    /// The private scalar of a holder key (`d`).
    secret_d: String,
}

fn filled() -> Filled {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::create(dir.path(), PIN, &fast()).unwrap();
    let holder = SigningKey::generate(Alg::Es256);
    let (credential, family_name) = passport(&holder);
    let other = SigningKey::generate(Alg::Es256);
    let credentials = vec![
        stored("passport", credential, &holder, false),
        stored("passport", passport(&other).0, &other, true),
        stored("licence", "eyJ.licence.sig".into(), &other, false),
    ];
    for c in &credentials {
        vault.put(c).unwrap();
    }
    let history = vec![
        entry("receive", "http://127.0.0.1:7401"),
        entry("present", "decentralized_identifier:did:key:zBank"),
    ];
    for h in &history {
        vault.log(h).unwrap();
    }
    let secret_d = holder.to_private_jwk().to_value()["d"]
        .as_str()
        .unwrap()
        .to_owned();
    Filled {
        _dir: dir,
        vault,
        credentials,
        history,
        family_name,
        secret_d,
    }
}

fn sorted(mut credentials: Vec<StoredCredential>) -> Vec<StoredCredential> {
    credentials.sort_by(|a, b| (&a.group, &a.credential).cmp(&(&b.group, &b.credential)));
    credentials
}

fn held(vault: &Vault) -> Vec<StoredCredential> {
    sorted(
        vault
            .credentials()
            .unwrap()
            .into_iter()
            .map(|(_, c)| c)
            .collect(),
    )
}

fn header_of(jwe: &str) -> Value {
    let first = jwe.split('.').next().unwrap();
    serde_json::from_slice(&b64::decode(first).unwrap()).unwrap()
}

fn with_header(jwe: &str, header: &Value) -> String {
    let rest = jwe.split_once('.').unwrap().1;
    format!("{}.{rest}", b64::encode(header.to_string()))
}

fn restore_into(
    jwe: &str,
    passphrase: &str,
) -> (tempfile::TempDir, Result<(Vault, Restored), BackupError>) {
    let parent = tempfile::tempdir().unwrap();
    let result = restore(
        jwe,
        passphrase,
        &parent.path().join("vault"),
        NEW_PIN,
        &fast(),
        NOW,
    );
    (parent, result)
}

#[test]
fn a_backup_restores_everything_into_a_fresh_folder_under_a_new_pin() {
    let f = filled();
    let jwe = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    let header = header_of(&jwe);
    assert_eq!(header["alg"], "PBES2-HS512+A256KW");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["cty"], CONTENT_TYPE);
    assert_eq!(header["p2c"], MIN_P2C);
    assert_eq!(
        b64::decode(header["p2s"].as_str().unwrap()).unwrap().len(),
        16
    );

    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("restored");
    let (vault, summary) = restore(&jwe, PASSPHRASE, &dir, NEW_PIN, &fast(), NOW + 60).unwrap();
    assert_eq!(
        summary,
        Restored {
            credentials: 3,
            history: 2,
            holder_keys_included: true,
            without_holder_key: 0,
            created_at: NOW,
        }
    );
    assert_eq!(held(&vault), sorted(f.credentials.clone()));
    drop(vault);

    let reopened = Vault::open(&dir, NEW_PIN, &fast(), NOW + 120).unwrap();
    assert_eq!(held(&reopened), sorted(f.credentials.clone()));
    assert_eq!(reopened.history().unwrap(), f.history);
    drop(reopened);
    assert!(matches!(
        Vault::open(&dir, PIN, &fast(), NOW + 180).unwrap_err(),
        VaultError::WrongPin { .. }
    ));
}

#[test]
fn the_default_cost_is_600000_iterations_and_restores() {
    let f = filled();
    let options = BackupOptions::default();
    assert!(options.include_holder_keys);
    let jwe = export(&f.vault, PASSPHRASE, &options, NOW).unwrap();
    assert_eq!(header_of(&jwe)["p2c"], 600_000);
    let (_parent, result) = restore_into(&jwe, PASSPHRASE);
    assert_eq!(result.unwrap().1.credentials, 3);
}

#[test]
fn without_holder_keys_no_private_key_travels_and_the_copies_need_reissuance() {
    let f = filled();
    // With keys, the scalar is in the plaintext (so the next assertion can fail).
    let with = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    let plain = Envelope::parse(&with).unwrap().open(PASSPHRASE).unwrap();
    assert!(String::from_utf8_lossy(&plain).contains(&f.secret_d));

    let options = BackupOptions {
        include_holder_keys: false,
        ..FAST
    };
    let jwe = export(&f.vault, PASSPHRASE, &options, NOW).unwrap();
    let plain = Envelope::parse(&jwe).unwrap().open(PASSPHRASE).unwrap();
    let text = String::from_utf8_lossy(&plain);
    assert!(!text.contains(&f.secret_d));
    assert!(!text.contains("holder_jwk"));
    assert!(text.contains(&f.credentials[0].credential));

    let (_parent, result) = restore_into(&jwe, PASSPHRASE);
    let (vault, summary) = result.unwrap();
    assert!(!summary.holder_keys_included);
    assert_eq!((summary.credentials, summary.without_holder_key), (3, 3));
    let expected: Vec<StoredCredential> = f
        .credentials
        .iter()
        .map(|c| StoredCredential {
            holder_jwk: Zeroizing::new(String::new()),
            ..c.clone()
        })
        .collect();
    assert_eq!(held(&vault), sorted(expected));
    assert_eq!(vault.history().unwrap(), f.history);

    // Backed up again with keys, a credential without one stays without one.
    let again = export(&vault, PASSPHRASE, &FAST, NOW).unwrap();
    let (_parent, result) = restore_into(&again, PASSPHRASE);
    let summary = result.unwrap().1;
    assert!(summary.holder_keys_included);
    assert_eq!(summary.without_holder_key, 3);
}

#[test]
fn the_backup_text_shows_no_claim_key_or_history() {
    let f = filled();
    for options in [
        FAST,
        BackupOptions {
            include_holder_keys: false,
            ..FAST
        },
    ] {
        let jwe = export(&f.vault, PASSPHRASE, &options, NOW).unwrap();
        let credential_head = &f.credentials[0].credential[..40];
        for needle in [
            f.family_name.as_str(),
            f.secret_d.as_str(),
            credential_head,
            "did:key:zBank",
            "family_name",
            "passport",
        ] {
            assert!(!jwe.contains(needle), "{needle} readable in the backup");
        }
    }
}

#[test]
fn a_wrong_passphrase_or_altered_bytes_are_refused_and_leave_nothing_behind() {
    let f = filled();
    let jwe = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("vault");
    let err = restore(
        &jwe,
        "correct horse battery stapler",
        &dir,
        NEW_PIN,
        &fast(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err, BackupError::WrongPassphrase);
    assert_eq!(err.code(), "backup_wrong_passphrase");
    assert!(!dir.exists());
    // An empty folder given stays, empty.
    std::fs::create_dir(&dir).unwrap();
    let err = restore(&jwe, "", &dir, NEW_PIN, &fast(), NOW).unwrap_err();
    assert_eq!(err, BackupError::WrongPassphrase);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    // One character in the middle of each segment after the header.
    let segments: Vec<&str> = jwe.split('.').collect();
    for altered in 1..5 {
        let mut parts: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
        let middle = parts[altered].len() / 2;
        let old = parts[altered].as_bytes()[middle];
        let new = if old == b'A' { "B" } else { "A" };
        parts[altered].replace_range(middle..=middle, new);
        let (_parent, result) = restore_into(&parts.join("."), PASSPHRASE);
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                BackupError::WrongPassphrase | BackupError::Malformed(_)
            ),
            "segment {altered}: {err:?}"
        );
    }
}

#[test]
fn iteration_counts_out_of_range_are_refused_before_any_work() {
    let f = filled();
    for p2c in [1, MIN_P2C - 1, MAX_P2C + 1, 50_000_000] {
        let options = BackupOptions { p2c, ..FAST };
        assert_eq!(
            export(&f.vault, PASSPHRASE, &options, NOW).unwrap_err(),
            BackupError::KdfCostOutOfRange {
                p2c: u64::from(p2c),
                min: MIN_P2C,
                max: MAX_P2C,
            }
        );
    }
    let jwe = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    for p2c in [json!(1), json!(50_000_000), json!(u64::MAX)] {
        let mut header = header_of(&jwe);
        header["p2c"] = p2c.clone();
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("vault");
        let err = restore(
            &with_header(&jwe, &header),
            PASSPHRASE,
            &dir,
            NEW_PIN,
            &fast(),
            NOW,
        )
        .unwrap_err();
        assert_eq!(
            err,
            BackupError::KdfCostOutOfRange {
                p2c: p2c.as_u64().unwrap(),
                min: MIN_P2C,
                max: MAX_P2C,
            }
        );
        assert_eq!(err.code(), "backup_kdf_cost_out_of_range");
        assert!(!dir.exists(), "nothing is written for a refused backup");
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = "A".repeat(70 * 1024 * 1024);
    let (_parent, result) = restore_into(&huge, PASSPHRASE);
    let err = result.unwrap_err();
    assert_eq!(
        err,
        BackupError::TooLarge {
            len: 70 * 1024 * 1024,
            max: MAX_BACKUP_LEN,
        }
    );
    assert_eq!(err.code(), "backup_too_large");
}

#[test]
fn what_is_not_a_backup_is_malformed() {
    let f = filled();
    let jwe = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    let jws = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    let mut zipped = header_of(&jwe);
    zipped["zip"] = json!("DEF");
    let mut other_alg = header_of(&jwe);
    other_alg["alg"] = json!("PBES2-HS256+A128KW");
    let mut other_cty = header_of(&jwe);
    other_cty["cty"] = json!("JWT");
    let mut short_salt = header_of(&jwe);
    short_salt["p2s"] = json!(b64::encode([7u8; 8]));
    let no_tag = jwe.rsplit_once('.').unwrap().0.to_owned() + ".";
    for input in [
        jws.to_owned(),
        "garbage".to_owned(),
        String::new(),
        "a.b.c.d.e".to_owned(),
        "....".to_owned(),
        with_header(&jwe, &zipped),
        with_header(&jwe, &other_alg),
        with_header(&jwe, &other_cty),
        with_header(&jwe, &short_salt),
        no_tag,
        format!("{jwe}.x"),
    ] {
        let (_parent, result) = restore_into(&input, PASSPHRASE);
        let err = result.unwrap_err();
        assert_eq!(err.code(), "backup_malformed", "{input:.60}: {err}");
    }
    // Surrounding whitespace (a file's final newline) is fine.
    let (_parent, result) = restore_into(&format!("{jwe}\n"), PASSPHRASE);
    assert!(result.is_ok());
}

#[test]
fn contents_that_do_not_follow_the_format_are_refused() {
    let seal =
        |value: &Value| envelope::seal(value.to_string().as_bytes(), PASSPHRASE, MIN_P2C).unwrap();
    let document = |version: Value| {
        json!({"version": version, "created_at": NOW, "holder_keys_included": false,
               "credentials": [], "history": []})
    };
    let (_parent, result) = restore_into(&seal(&document(json!(2))), PASSPHRASE);
    assert_eq!(
        result.unwrap_err(),
        BackupError::VersionUnsupported {
            found: 2,
            supported: 1
        }
    );
    let (_parent, result) = restore_into(&seal(&document(json!(1))), PASSPHRASE);
    assert_eq!(result.unwrap().1.credentials, 0);

    let mut extra = document(json!(1));
    extra["unknown"] = json!(true);
    let credential = json!({"group": "g", "credential": "c", "holder_jwk": "{\"d\":\"x\"}",
        "issuer": "i", "configuration_id": "p", "received_at": 1, "used": false});
    let mut key_despite_flag = document(json!(1));
    key_despite_flag["credentials"] = json!([credential]);
    for bad in [
        json!("not an object"),
        json!({"created_at": 1}),
        document(json!("1")),
        extra,
        key_despite_flag,
    ] {
        let (_parent, result) = restore_into(&seal(&bad), PASSPHRASE);
        let err = result.unwrap_err();
        assert_eq!(err.code(), "backup_malformed", "{bad}: {err}");
        assert!(!err.to_string().contains("{\"d\""), "{err}");
    }
}

#[test]
fn a_folder_in_use_is_never_written_over() {
    let f = filled();
    let jwe = export(&f.vault, PASSPHRASE, &FAST, NOW).unwrap();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("existing");
    {
        let existing = Vault::create(&dir, "999999", &fast()).unwrap();
        existing.log(&entry("receive", "kept")).unwrap();
    }
    let err = restore(&jwe, PASSPHRASE, &dir, NEW_PIN, &fast(), NOW).unwrap_err();
    assert_eq!(
        err,
        BackupError::TargetNotEmpty {
            dir: dir.display().to_string()
        }
    );
    assert_eq!(err.code(), "backup_target_not_empty");
    assert!(err.to_string().contains("no vault is overwritten"));
    let existing = Vault::open(&dir, "999999", &fast(), NOW).unwrap();
    assert_eq!(existing.history().unwrap()[0].counterparty, "kept");
    assert!(existing.credentials().unwrap().is_empty());

    // A stray file is enough to refuse; a PIN too short is refused first.
    let stray = parent.path().join("stray");
    std::fs::create_dir(&stray).unwrap();
    std::fs::write(stray.join("notes.txt"), b"mine").unwrap();
    let err = restore(&jwe, PASSPHRASE, &stray, NEW_PIN, &fast(), NOW).unwrap_err();
    assert_eq!(err.code(), "backup_target_not_empty");
    let err = restore(&jwe, PASSPHRASE, &stray, "12", &fast(), NOW).unwrap_err();
    assert_eq!(err, BackupError::Vault(VaultError::PinTooShort { min: 6 }));
}

#[test]
fn a_short_passphrase_is_refused_on_export() {
    let f = filled();
    assert_eq!(
        export(&f.vault, "short", &FAST, NOW).unwrap_err(),
        BackupError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS
        }
    );
}
