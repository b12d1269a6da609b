//! The credential offers this issuer makes (OpenID4VCI 1.0 §4.1): one credential
//! configuration per type and format, offered by value with the pre-authorized
//! code grant and a numeric `tx_code`.

use sigillum_credential::oid4vci::SecretString;
use sigillum_credential::oid4vci::{CredentialOffer, InputMode, TxCode};

use crate::mint::Format;

/// The `credential_configuration_id` of `type_name` in `format` (`passport_dc_sd_jwt`,
/// `passport_jwt_vc_json`), as the metadata lists it.
#[must_use]
pub fn configuration_id(type_name: &str, format: &str) -> String {
    let suffix = match Format::parse(format) {
        Some(Format::JwtVc) => "jwt_vc_json",
        _ => "dc_sd_jwt",
    };
    format!("{type_name}_{suffix}")
}

/// The type and format a configuration id names.
#[must_use]
pub fn parse_configuration_id(id: &str) -> Option<(&str, Format)> {
    if let Some(t) = id.strip_suffix("_dc_sd_jwt") {
        Some((t, Format::SdJwtVc))
    } else {
        id.strip_suffix("_jwt_vc_json").map(|t| (t, Format::JwtVc))
    }
}

/// The `openid-credential-offer://?credential_offer=…` link for one configuration.
#[must_use]
pub fn link(issuer: &str, configuration: &str, code: &str, pin_length: u8) -> String {
    CredentialOffer::pre_authorized(
        issuer,
        vec![configuration.to_owned()],
        SecretString::new(code),
        Some(TxCode {
            input_mode: Some(InputMode::Numeric),
            length: Some(u32::from(pin_length)),
            description: Some(
                "The PIN the office gave you with this code (by letter, SMS or at the counter)"
                    .into(),
            ),
        }),
    )
    .to_link()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigillum_credential::oid4vci::OfferLink;

    #[test]
    fn configuration_ids_round_trip() {
        assert_eq!(
            configuration_id("passport", "dc+sd-jwt"),
            "passport_dc_sd_jwt"
        );
        assert_eq!(
            configuration_id("business_license", "jwt_vc_json"),
            "business_license_jwt_vc_json"
        );
        assert_eq!(
            parse_configuration_id("business_license_jwt_vc_json"),
            Some(("business_license", Format::JwtVc))
        );
        assert_eq!(parse_configuration_id("passport"), None);
    }

    #[test]
    fn the_link_parses_back_with_the_pin_shape() {
        let l = link("http://127.0.0.1:9", "passport_dc_sd_jwt", "c0de", 6);
        let OfferLink::ByValue(offer) = CredentialOffer::parse_link(&l).unwrap() else {
            panic!("by value")
        };
        let grant = offer.pre_authorized_grant().unwrap();
        assert_eq!(grant.pre_authorized_code.expose_secret(), "c0de");
        assert_eq!(grant.tx_code.as_ref().unwrap().length, Some(6));
        assert_eq!(offer.credential_configuration_ids, ["passport_dc_sd_jwt"]);
    }
}
