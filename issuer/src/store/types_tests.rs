use super::*;

#[test]
fn credential_id_round_trips_and_rejects_non_canonical() {
    let id = CredentialId::random();
    assert_eq!(id.as_str().len(), CredentialId::ENCODED_LEN);
    assert_eq!(CredentialId::parse(id.as_str()), Ok(id.clone()));
    // 22 characters whose last one carries bits past the 16 bytes: not canonical.
    assert_eq!(
        CredentialId::parse("AAAAAAAAAAAAAAAAAAAAAB").unwrap_err(),
        InputError::new("credential_id", "not canonical base64url")
    );
    assert_eq!(
        CredentialId::parse("short").unwrap_err(),
        InputError::new("credential_id", "5 characters, expected 22")
    );
    assert!(CredentialId::parse("AAAAAAAAAAAAAAAAAAAA+A").is_err());
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{id}\""));
    assert!(serde_json::from_str::<CredentialId>("\"nope\"").is_err());
}

#[test]
fn roles_have_a_text_form() {
    for text in ["issue:passport", "revoke", "suspend", "admin"] {
        assert_eq!(text.parse::<Role>().unwrap().to_string(), text);
    }
    assert_eq!(
        "issue:passport".parse::<Role>(),
        Ok(Role::Issue("passport".into()))
    );
    assert_eq!(
        "issue:".parse::<Role>().unwrap_err().field,
        "credential_type"
    );
    assert_eq!(
        "issue:Pass port".parse::<Role>().unwrap_err().field,
        "credential_type"
    );
    assert_eq!("root".parse::<Role>().unwrap_err().field, "role");
}

#[test]
fn admin_may_everything_others_only_their_roles() {
    let clerk = Officer {
        name: "clerk".into(),
        roles: vec![Role::Issue("passport".into()), Role::Suspend],
    };
    assert!(clerk.may(&Role::Issue("passport".into())));
    assert!(clerk.may(&Role::Suspend));
    assert!(!clerk.may(&Role::Issue("licence".into())));
    assert!(!clerk.may(&Role::Revoke));
    assert!(!clerk.may(&Role::Admin));
    let admin = Officer {
        name: "boss".into(),
        roles: vec![Role::Admin],
    };
    assert!(admin.may(&Role::Revoke));
    assert!(admin.may(&Role::Issue("anything".into())));
}

#[test]
fn status_values_follow_the_token_status_list() {
    assert_eq!(CredentialStatus::Valid.value(), 0);
    assert_eq!(CredentialStatus::Revoked.value(), 1);
    assert_eq!(CredentialStatus::Suspended.value(), 2);
    for status in [
        CredentialStatus::Valid,
        CredentialStatus::Revoked,
        CredentialStatus::Suspended,
    ] {
        assert_eq!(CredentialStatus::from_value(status.value()), Some(status));
    }
    assert_eq!(CredentialStatus::from_value(3), None);
}

#[test]
fn list_kinds_follow_formats() {
    assert_eq!(ListKind::for_format("dc+sd-jwt"), Some(ListKind::Token));
    assert_eq!(
        ListKind::for_format("jwt_vc_json"),
        Some(ListKind::Bitstring)
    );
    assert_eq!(ListKind::for_format("ldp_vc"), None);
    assert_eq!("bitstring".parse::<ListKind>(), Ok(ListKind::Bitstring));
}

#[test]
fn text_checks_fail_closed() {
    assert!(check_reference("A-1/2024 Ünïcode").is_ok());
    assert_eq!(check_reference("a\0b").unwrap_err().field, "reference");
    assert_eq!(
        check_reference(&"x".repeat(129)).unwrap_err().reason,
        "129 bytes, at most 128"
    );
    assert!(check_officer_name("jane.doe@office").is_ok());
    assert!(check_officer_name("jane doe").is_err());
    assert!(check_detail("").is_ok());
    assert!(check_detail("line\nbreak").is_err());
    assert!(check_thumbprint("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").is_ok());
    assert!(check_thumbprint("has space").is_err());
}
