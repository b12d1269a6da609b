//! The demo consortium: one registry node whose genesis, node key and single
//! governance key live in `<data>/registry/` (made on the first run, read on the
//! next), and the governance act of accrediting an office for its credential type.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use sigillum_credential::key::SigningKey;
use sigillum_credential::ledger::SignerKey;
use sigillum_credential::ledger::operation::{OpType, Operation, sign};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::node::Node;
use sigillum_registry::state::Genesis;
use sigillum_registry::store::SledStore;
use sigillum_verifier::config::ConsortiumConfig;

use crate::{CliError, files};

/// The demo log's origin line.
pub const ORIGIN: &str = "sigillum.demo/registry/1";
/// The demo governance key's id in the genesis file.
const GOVERNANCE_KID: &str = "gov-0";

/// The registry node and what clients need to trust it.
pub struct Consortium {
    pub node: Arc<Node>,
    pub genesis: Genesis,
    /// The log's verifier key text (what configurations pin).
    pub log_key: String,
    governance: SigningKey,
}

impl Consortium {
    /// Opens the node in `dir`, writing a new one-key consortium there first when
    /// there is none.
    pub fn open(dir: &Path) -> Result<Self, CliError> {
        let text = |name: &str| dir.join(name).to_string_lossy().into_owned();
        if !dir.join("genesis.json").exists() {
            crate::cmd_registry::init_dir(&text(""), ORIGIN, 1, 1)?;
        }
        let genesis = crate::cmd_registry::read_genesis(&text("genesis.json"))?;
        let signer = SignerKey::parse_private(&files::read_text(&text("node.key"))?)
            .map_err(|e| CliError(format!("{}: {e}", text("node.key"))))?;
        let log_key = signer.verifier_key().to_string();
        let governance = files::signing_key(&text("governance-0.jwk"))?;
        let store = SledStore::open(dir.join("data"))
            .map_err(|e| CliError(format!("{}: {e}", text("data"))))?;
        let node = Node::open(Arc::new(store), &genesis, signer, Arc::new(SystemClock))
            .map_err(|e| CliError(format!("registry: {e}")))?;
        Ok(Consortium {
            node: Arc::new(node),
            genesis,
            log_key,
            governance,
        })
    }

    /// The keys a verifier or wallet pins.
    pub fn trust(&self) -> ConsortiumConfig {
        ConsortiumConfig {
            origin: self.genesis.origin.clone(),
            log_key: self.log_key.clone(),
            cosigners: Vec::new(),
            cosign_threshold: 0,
        }
    }

    /// Governance accredits `did` for `kind`, open-ended, unless it already is.
    pub async fn accredit(&self, did: &str, kind: &str) -> Result<(), CliError> {
        let id = format!("accreditation:{did}:{kind}");
        if self
            .node
            .read(&id)
            .map_err(|e| CliError(format!("registry: {e}")))?
            .is_some()
        {
            return Ok(());
        }
        let now = SystemClock.now().unix();
        let op = Operation {
            v: 1,
            op_type: OpType::AccreditationGrant,
            id,
            prev: None,
            time: now,
            body: json!({"issuer": did, "credential_type": kind, "valid_from": now - 60}),
        };
        let signed = sign(&op, &[(&self.governance, GOVERNANCE_KID)]);
        self.node
            .submit(signed.into_bytes())
            .await
            .map_err(|e| CliError(format!("registry: {e}")))?
            .map_err(|e| CliError(format!("accrediting {did} for {kind}: {e}")))?;
        Ok(())
    }
}
