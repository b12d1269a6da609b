//! The credential issuer metadata this office publishes (OpenID4VCI 1.0 §12.2):
//! for every type it issues, one configuration per format, with the type's
//! display name and a label and description per claim from `specs/`.

use std::collections::BTreeMap;

use sigillum_credential::oid4vci::{
    BatchCredentialIssuance, CredentialIssuerMetadata, IssuerDisplay,
};
use sigillum_credential::oid4vci::{
    ClaimDescription, ClaimDisplay, CredentialConfiguration, CredentialDefinition,
    CredentialDisplay, CredentialFormat, CredentialMetadata, ProofTypeMetadata, SigningAlgorithm,
};
use sigillum_credential::schema::CredentialSchema;
use sigillum_credential::sd_jwt::{ClaimPath, PathSegment};

use crate::delivery::PROOF_ALGS;
use crate::mint::Format;
use crate::offer::configuration_id;
use crate::service::Issuer;

fn configuration(
    schema: &CredentialSchema,
    format: Format,
    signing_alg: &str,
) -> CredentialConfiguration {
    let spec = schema.spec();
    let claims = spec
        .claims
        .iter()
        .map(|(name, display)| ClaimDescription {
            path: ClaimPath(vec![PathSegment::Key(name.clone())]),
            mandatory: Some(
                spec.schema["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == name.as_str())),
            ),
            display: Some(vec![ClaimDisplay {
                name: Some(display.label.clone()),
                locale: Some(spec.display.locale.clone()),
            }]),
        })
        .collect();
    let mut proof_types = BTreeMap::new();
    proof_types.insert(
        "jwt".to_owned(),
        ProofTypeMetadata {
            proof_signing_alg_values_supported: PROOF_ALGS
                .iter()
                .map(|a| a.name().to_owned())
                .collect(),
        },
    );
    let (format_id, vct, definition) = match format {
        Format::SdJwtVc => (CredentialFormat::DcSdJwt, Some(spec.vct.clone()), None),
        Format::JwtVc => (
            CredentialFormat::JwtVcJson,
            None,
            Some(CredentialDefinition {
                types: spec.vc_type.clone(),
            }),
        ),
    };
    CredentialConfiguration {
        format: format_id,
        scope: None,
        vct,
        credential_definition: definition,
        cryptographic_binding_methods_supported: Some(vec!["jwk".into()]),
        credential_signing_alg_values_supported: Some(vec![SigningAlgorithm::Jose(
            signing_alg.to_owned(),
        )]),
        proof_types_supported: Some(proof_types),
        credential_metadata: Some(CredentialMetadata {
            display: Some(vec![CredentialDisplay {
                name: spec.display.name.clone(),
                locale: Some(spec.display.locale.clone()),
                logo: None,
                description: None,
                background_color: None,
                background_image: None,
                text_color: None,
            }]),
            claims: Some(claims),
        }),
    }
}

impl Issuer {
    /// The metadata document.
    #[must_use]
    pub fn metadata(&self) -> CredentialIssuerMetadata {
        let alg = self.signing().key.alg().name().to_owned();
        let mut configurations = BTreeMap::new();
        for name in &self.config.types {
            let Ok(schema) = self.types.get(name) else {
                continue;
            };
            for format in [Format::SdJwtVc, Format::JwtVc] {
                configurations.insert(
                    configuration_id(name, format.id()),
                    configuration(schema, format, &alg),
                );
            }
        }
        CredentialIssuerMetadata {
            credential_issuer: self.public_url.clone(),
            authorization_servers: None,
            credential_endpoint: format!("{}/credential", self.public_url),
            nonce_endpoint: Some(format!("{}/nonce", self.public_url)),
            batch_credential_issuance: (self.config.offers.batch_size > 1).then(|| {
                BatchCredentialIssuance {
                    batch_size: u32::from(self.config.offers.batch_size),
                }
            }),
            display: Some(vec![IssuerDisplay {
                name: Some(self.config.name.clone()),
                locale: Some("en".into()),
                logo: None,
            }]),
            credential_configurations_supported: configurations,
        }
    }
}
