//! `sigillum registry …`: start a registry node and talk to one.
//!
//! `init` writes a genesis file (public: origin, governance keys, consortium node
//! keys) and the private keys beside it (owner-only); `serve` runs a node; `op`
//! builds and signs an operation; `submit` posts one; `get` fetches an object and
//! verifies every proof against the genesis file's pinned keys.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use rand_core::OsRng;
use serde_json::json;
use sigillum_credential::key::{Alg, SigningKey};
use sigillum_credential::ledger::operation::{OpType, Operation, derive_did, sign};
use sigillum_credential::ledger::operation_body::LedgerDidDocument;
use sigillum_credential::ledger::read::{ReadProof, verify_read};
use sigillum_credential::ledger::{KeyName, Policy, SignerKey, VerifierKey};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::state::{Genesis, NodeEntry};

use crate::{CliError, files};

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Create a genesis file, the node's note key and governance keys in DIR.
    Init {
        /// Where to write genesis.json, node.key and governance-N.jwk.
        #[arg(long, default_value = "registry")]
        dir: String,
        /// The log's origin line (and the node key's name).
        #[arg(long, default_value = "sigillum.example/registry/1")]
        origin: String,
        /// Number of governance keys.
        #[arg(long, default_value_t = 3)]
        governance: usize,
        /// Governance signatures required.
        #[arg(long, default_value_t = 2)]
        threshold: usize,
    },
    /// Run a registry node.
    Serve {
        #[arg(long, default_value = "registry/genesis.json")]
        genesis: String,
        #[arg(long, default_value = "registry/node.key")]
        node_key: String,
        /// The sled data directory.
        #[arg(long, default_value = "registry/data")]
        data: String,
        #[arg(long, default_value = "127.0.0.1:7400")]
        listen: String,
    },
    /// Build and sign an operation (printed as JSON, ready for `submit`).
    Op {
        /// did.create, did.update, accreditation.grant, status_list.create, …
        #[arg(long = "type")]
        op_type: String,
        /// The object id (derived for did.create when omitted).
        #[arg(long)]
        id: Option<String>,
        /// The object's latest leaf hash (standard base64), for updates.
        #[arg(long)]
        prev: Option<String>,
        /// The body as a JSON file.
        #[arg(long)]
        body: String,
        /// Signing keys as private JWK files, each paired with a --kid, in order.
        #[arg(long, required = true)]
        key: Vec<String>,
        #[arg(long, required = true)]
        kid: Vec<String>,
    },
    /// Submit an operation to a node.
    Submit {
        file: String,
        #[arg(long, default_value = "http://127.0.0.1:7400")]
        url: String,
    },
    /// Fetch an object with its proofs and verify them against the genesis keys.
    Get {
        /// A DID, `accreditation:<did>:<type>`, `status-list:<did>:<n>` or `schema:<type>`.
        id: String,
        #[arg(long, default_value = "http://127.0.0.1:7400")]
        url: String,
        #[arg(long, default_value = "registry/genesis.json")]
        genesis: String,
    },
}

pub(crate) fn read_genesis(path: &str) -> Result<Genesis, CliError> {
    serde_json::from_value(files::read_json(path)?)
        .map_err(|e| CliError(format!("{path}: not a genesis file: {e}")))
}

/// The checkpoint policy a client pins: the node named like the origin signs, the
/// other nodes cosign, `cosign_threshold` of them are required.
pub(crate) fn policy(genesis: &Genesis) -> Result<Policy, CliError> {
    let parse = |n: &NodeEntry| {
        VerifierKey::parse(&n.vkey).map_err(|e| CliError(format!("genesis node {}: {e}", n.name)))
    };
    let log = genesis
        .nodes
        .iter()
        .find(|n| n.name == genesis.origin)
        .ok_or("genesis names no node for its origin")?;
    let cosigners = genesis
        .nodes
        .iter()
        .filter(|n| n.name != genesis.origin)
        .map(parse)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy::new(
        genesis.origin.clone(),
        parse(log)?,
        cosigners,
        genesis.cosign_threshold,
    )?)
}

fn object_path(id: &str) -> Result<String, CliError> {
    let path = if id.starts_with("did:") {
        format!("/v1/dids/{id}")
    } else if let Some(rest) = id.strip_prefix("accreditation:") {
        let (issuer, kind) = rest
            .rsplit_once(':')
            .ok_or("accreditation ids are accreditation:<did>:<type>")?;
        format!("/v1/accreditations/{issuer}/{kind}")
    } else if let Some(rest) = id.strip_prefix("status-list:") {
        let (issuer, n) = rest
            .rsplit_once(':')
            .ok_or("status list ids are status-list:<did>:<n>")?;
        format!("/v1/status-lists/{issuer}/{n}")
    } else if let Some(kind) = id.strip_prefix("schema:") {
        format!("/v1/schemas/{kind}")
    } else {
        return Err(CliError(format!("{id:?} is not a registry object id")));
    };
    Ok(path)
}

/// Writes a new consortium into `dir`: `node.key` (the log's note key, named
/// `origin`), `governance-N.jwk` (`governance` Ed25519 keys, `threshold` of them
/// required) owner-only, and the public `genesis.json`.
pub(crate) fn init_dir(
    dir: &str,
    origin: &str,
    governance: usize,
    threshold: usize,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {dir}: {e}")))?;
    let node = SignerKey::generate(KeyName::new(origin.to_owned())?, &mut OsRng);
    files::write(
        &format!("{dir}/node.key"),
        format!("{}\n", node.expose_private_key_text()).as_bytes(),
        true,
    )?;
    let mut keys = Vec::new();
    for i in 0..governance {
        let key = SigningKey::generate(Alg::EdDsa);
        let mut private = key.to_private_jwk();
        private.kid = Some(format!("gov-{i}"));
        files::write(
            &format!("{dir}/governance-{i}.jwk"),
            serde_json::to_string_pretty(&private)?.as_bytes(),
            true,
        )?;
        keys.push(private.public_only());
    }
    let genesis = Genesis {
        origin: origin.to_owned(),
        governance_keys: keys,
        governance_threshold: threshold,
        nodes: vec![NodeEntry {
            name: origin.to_owned(),
            vkey: node.verifier_key().to_string(),
        }],
        cosign_threshold: 0,
    };
    genesis
        .governance_keys()
        .map_err(|e| CliError(e.to_string()))?;
    files::write(
        &format!("{dir}/genesis.json"),
        serde_json::to_string_pretty(&genesis)?.as_bytes(),
        false,
    )
}

pub fn run(command: RegistryCommand) -> Result<ExitCode, CliError> {
    match command {
        RegistryCommand::Init {
            dir,
            origin,
            governance,
            threshold,
        } => {
            init_dir(&dir, &origin, governance, threshold)?;
            crate::say!(
                "{}",
                json!({"genesis": format!("{dir}/genesis.json"), "node_key": format!("{dir}/node.key"), "governance_keys": governance, "threshold": threshold})
            );
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Serve {
            genesis,
            node_key,
            data,
            listen,
        } => {
            let genesis = read_genesis(&genesis)?;
            let signer = SignerKey::parse_private(&files::read_text(&node_key)?)
                .map_err(|e| CliError(format!("{node_key}: {e}")))?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let store = sigillum_registry::store::SledStore::open(Path::new(&data))?;
                let node = sigillum_registry::node::Node::open(
                    Arc::new(store),
                    &genesis,
                    signer,
                    Arc::new(SystemClock),
                )?;
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| CliError(format!("cannot listen on {listen}: {e}")))?;
                eprintln!(
                    "registry {} serving {} entries on http://{}",
                    genesis.origin,
                    node.size(),
                    listener.local_addr()?
                );
                sigillum_registry::http::run(listener, Arc::new(node), async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
                Ok::<_, CliError>(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Op {
            op_type,
            id,
            prev,
            body,
            key,
            kid,
        } => {
            let op_type: OpType = serde_json::from_value(json!(op_type))
                .map_err(|_| CliError(format!("unknown operation type {op_type:?}")))?;
            let body = files::read_json(&body)?;
            let id = match (id, op_type) {
                (Some(id), _) => id,
                (None, OpType::DidCreate) => {
                    let doc: LedgerDidDocument = serde_json::from_value(body.clone())
                        .map_err(|e| CliError(format!("body: {e}")))?;
                    derive_did(&doc)?
                }
                (None, _) => {
                    return Err(CliError::from("--id is required for this operation type"));
                }
            };
            if key.len() != kid.len() {
                return Err(CliError::from("give one --kid for every --key"));
            }
            let keys = key
                .iter()
                .map(|k| files::signing_key(k))
                .collect::<Result<Vec<_>, _>>()?;
            let signers: Vec<(&SigningKey, &str)> = keys
                .iter()
                .zip(kid.iter())
                .map(|(k, id)| (k, id.as_str()))
                .collect();
            let op = Operation {
                v: 1,
                op_type,
                id,
                prev,
                time: SystemClock.now().unix(),
                body,
            };
            crate::say!("{}", sign(&op, &signers));
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Submit { file, url } => {
            let body = files::read(&file)?;
            let runtime = tokio::runtime::Runtime::new()?;
            let (status, text) = runtime.block_on(async {
                let r = reqwest::Client::new()
                    .post(format!("{url}/v1/operations"))
                    .body(body)
                    .send()
                    .await?;
                Ok::<_, reqwest::Error>((r.status(), r.text().await?))
            })?;
            crate::say!("{text}");
            Ok(if status.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RegistryCommand::Get { id, url, genesis } => {
            let policy = policy(&read_genesis(&genesis)?)?;
            let path = object_path(&id)?;
            let runtime = tokio::runtime::Runtime::new()?;
            let (status, text) = runtime.block_on(async {
                let r = reqwest::Client::new()
                    .get(format!("{url}{path}"))
                    .send()
                    .await?;
                Ok::<_, reqwest::Error>((r.status(), r.text().await?))
            })?;
            if !status.is_success() {
                crate::say!("{text}");
                return Ok(ExitCode::from(1));
            }
            let proof: ReadProof = serde_json::from_str(&text)
                .map_err(|e| CliError(format!("the node's answer is not a read proof: {e}")))?;
            match verify_read(&id, &proof, &policy) {
                Ok(read) => {
                    crate::say!(
                        "{}",
                        json!({"id": id, "verified": true, "leaf_index": read.leaf_index, "object": read.object})
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    crate::say!(
                        "{}",
                        json!({"id": id, "verified": false, "code": e.code(), "message": e.to_string()})
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
