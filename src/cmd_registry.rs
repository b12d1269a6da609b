//! `sigillum registry …`: start a registry node and talk to one.
//!
//! `init` writes a genesis file (public: origin, governance keys, consortium node
//! keys) and the private keys beside it (owner-only); `serve` runs a node; `op`
//! builds and signs an operation; `submit` posts one; `get` fetches an object and
//! verifies every proof against the genesis file's pinned keys.

use std::collections::BTreeMap;
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
use sigillum_credential::ledger::{CosignerKey, KeyName, Policy, SignerKey};
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_registry::raft::{Replica, ReplicaConfig};
use sigillum_registry::state::{Genesis, NodeEntry, NodeRole};

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
        /// Consortium voters: with more than one, each gets DIR/node-N/ (node.key,
        /// cosigner.key) and a Raft id N in genesis (specs/registry/CONSORTIUM.md).
        #[arg(long, default_value_t = 1)]
        nodes: u64,
        /// Cosignatures a checkpoint needs besides the log's signature (k of n).
        #[arg(long, default_value_t = 0)]
        cosign_threshold: usize,
        /// Witnesses' addresses: each gets DIR/witness-N/cosigner.key and a genesis
        /// entry (role witness); voters ask them to cosign at that address.
        #[arg(long, value_delimiter = ',')]
        witness_urls: Vec<String>,
    },
    /// Run a witness: checks and cosigns the consortium's checkpoints (C2SP
    /// tlog-witness add-checkpoint) without holding the log or a Raft role.
    Witness {
        #[arg(long, default_value = "registry/genesis.json")]
        genesis: String,
        /// The witness's cosignature key (`witness-N/cosigner.key` from `init`).
        #[arg(long)]
        cosigner_key: String,
        /// Where the witness keeps the last checkpoint it cosigned.
        #[arg(long, default_value = "witness/data")]
        data: String,
        #[arg(long, default_value = "127.0.0.1:7409")]
        listen: String,
    },
    /// Run a registry node (alone, or as voter --node-id of a replicated consortium).
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
        /// This node's Raft id in genesis: runs it as a replica of the consortium.
        #[arg(long)]
        node_id: Option<u64>,
        /// The voters' addresses, `1=http://127.0.0.1:7401,2=…`.
        #[arg(long, value_delimiter = ',')]
        peers: Vec<String>,
        /// Form the cluster from --peers if this node has no Raft state yet (give it
        /// to one node, once).
        #[arg(long)]
        init: bool,
        /// This voter's cosignature key (`node-N/cosigner.key` from `init --nodes`).
        #[arg(long)]
        cosigner_key: Option<String>,
    },
    /// Show a replica's view: leader, term, log and ledger sizes, membership.
    Status {
        #[arg(long, default_value = "http://127.0.0.1:7400")]
        url: String,
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

/// The checkpoint policy a client pins ([`Genesis::policy`]).
pub(crate) fn policy(genesis: &Genesis) -> Result<Policy, CliError> {
    genesis.policy().map_err(CliError)
}

/// `1=http://…,2=http://…` as a map.
fn parse_peers(peers: &[String]) -> Result<BTreeMap<u64, String>, CliError> {
    peers
        .iter()
        .map(|p| {
            let (id, url) = p
                .split_once('=')
                .ok_or_else(|| CliError(format!("--peers: {p:?} is not ID=URL")))?;
            let id = id
                .parse()
                .map_err(|_| CliError(format!("--peers: {id:?} is not a node id")))?;
            Ok((id, url.to_owned()))
        })
        .collect()
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
    init_consortium(dir, origin, governance, threshold, 1, 0, &[])
}

/// Writes a private key's text to `dir/file`, owner-only, creating `dir`.
fn key_file(dir: &str, file: &str, private_text: &str) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {dir}: {e}")))?;
    files::write(
        &format!("{dir}/{file}"),
        format!("{private_text}\n").as_bytes(),
        true,
    )
}

/// As [`init_dir`]; with `nodes` > 1, a consortium of that many voters, node N's keys
/// in `DIR/node-N/`: `node.key` (note key, named like the origin, distinct per node)
/// and `cosigner.key` (cosignature key, named `node-N.<origin>`).
pub(crate) fn init_consortium(
    dir: &str,
    origin: &str,
    governance: usize,
    threshold: usize,
    nodes: u64,
    cosign_threshold: usize,
    witness_urls: &[String],
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {dir}: {e}")))?;
    let mut entries = Vec::new();
    for (n, url) in (1..).zip(witness_urls) {
        let name = format!("witness-{n}.{origin}");
        let cosigner = CosignerKey::generate(KeyName::new(name.clone())?, &mut OsRng);
        key_file(
            &format!("{dir}/witness-{n}"),
            "cosigner.key",
            &cosigner.expose_private_key_text(),
        )?;
        entries.push(NodeEntry {
            name,
            vkey: String::new(),
            id: 0,
            role: NodeRole::Witness,
            cosigner: cosigner.verifier_key().to_string(),
            url: url.clone(),
        });
    }
    if nodes <= 1 {
        let node = SignerKey::generate(KeyName::new(origin.to_owned())?, &mut OsRng);
        key_file(dir, "node.key", &node.expose_private_key_text())?;
        entries.push(NodeEntry::voter(origin, node.verifier_key().to_string()));
    } else {
        for id in 1..=nodes {
            let sub = format!("{dir}/node-{id}");
            let node = SignerKey::generate(KeyName::new(origin.to_owned())?, &mut OsRng);
            key_file(&sub, "node.key", &node.expose_private_key_text())?;
            let name = format!("node-{id}.{origin}");
            let cosigner = CosignerKey::generate(KeyName::new(name.clone())?, &mut OsRng);
            key_file(&sub, "cosigner.key", &cosigner.expose_private_key_text())?;
            entries.push(NodeEntry {
                name,
                vkey: node.verifier_key().to_string(),
                id,
                role: NodeRole::Voter,
                cosigner: cosigner.verifier_key().to_string(),
                url: String::new(),
            });
        }
    }
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
        nodes: entries,
        cosign_threshold,
    };
    genesis
        .governance_keys()
        .map_err(|e| CliError(e.to_string()))?;
    policy(&genesis)?;
    files::write(
        &format!("{dir}/genesis.json"),
        serde_json::to_string_pretty(&genesis)?.as_bytes(),
        false,
    )
}

/// Sends `request`, prints the answer's body, and exits 0 for a success status.
fn say_answer(request: reqwest::RequestBuilder) -> Result<ExitCode, CliError> {
    let runtime = tokio::runtime::Runtime::new()?;
    let (status, text) = runtime.block_on(async {
        let r = request.send().await?;
        Ok::<_, reqwest::Error>((r.status(), r.text().await?))
    })?;
    crate::say!("{text}");
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs a witness until Ctrl-C: only `POST /v1/witness/add-checkpoint` and `/healthz`.
fn serve_witness(
    genesis: &Genesis,
    key_path: &str,
    data: &str,
    listen: &str,
) -> Result<ExitCode, CliError> {
    let key = CosignerKey::parse_private(&files::read_text(key_path)?)
        .map_err(|e| CliError(format!("{key_path}: {e}")))?;
    let vkey = key.verifier_key().to_string();
    if !genesis
        .nodes
        .iter()
        .any(|n| n.role == NodeRole::Witness && n.cosigner == vkey)
    {
        return Err(CliError(format!(
            "{key_path}: genesis names no witness with this key"
        )));
    }
    let log_keys = sigillum_registry::raft::replica::voters(genesis)
        .map_err(CliError)?
        .into_values()
        .collect();
    let cosigner = sigillum_registry::raft::cosign::Cosigner::open(
        Path::new(data),
        key,
        genesis.origin.clone(),
        log_keys,
        None,
        Arc::new(SystemClock),
    )
    .map_err(|e| CliError(format!("{data}: {e}")))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError(format!("cannot listen on {listen}: {e}")))?;
        eprintln!(
            "witness for {} serving on http://{}",
            genesis.origin,
            listener.local_addr()?
        );
        let app = sigillum_registry::raft::cosign::witness_router(Arc::new(cosigner));
        sigillum_registry::http::serve_router(listener, app, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs one voter of a replicated consortium until Ctrl-C.
fn serve_replica(config: ReplicaConfig, listen: &str) -> Result<ExitCode, CliError> {
    if config.init && config.peers.is_empty() {
        return Err(CliError::from(
            "--init needs --peers (every voter's address)",
        ));
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError(format!("cannot listen on {listen}: {e}")))?;
        let (origin, id) = (config.genesis.origin.clone(), config.id);
        let replica = Replica::start(config)
            .await
            .map_err(|e| CliError(format!("registry node {id}: {e}")))?;
        eprintln!(
            "registry {origin} node {id} serving {} entries on http://{}",
            replica.node().size(),
            listener.local_addr()?
        );
        sigillum_registry::http::run_replica(listener, Arc::clone(&replica), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        replica.shutdown().await;
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(command: RegistryCommand) -> Result<ExitCode, CliError> {
    match command {
        RegistryCommand::Init {
            dir,
            origin,
            governance,
            threshold,
            nodes,
            cosign_threshold,
            witness_urls,
        } => {
            init_consortium(
                &dir,
                &origin,
                governance,
                threshold,
                nodes,
                cosign_threshold,
                &witness_urls,
            )?;
            crate::say!(
                "{}",
                json!({"genesis": format!("{dir}/genesis.json"),
                       "node_keys": if nodes > 1 { (1..=nodes).map(|n| format!("{dir}/node-{n}/node.key")).collect::<Vec<_>>() } else { vec![format!("{dir}/node.key")] },
                       "witnesses": witness_urls.len(),
                       "governance_keys": governance, "threshold": threshold, "cosign_threshold": cosign_threshold})
            );
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Serve {
            genesis,
            node_key,
            data,
            listen,
            node_id,
            peers,
            init,
            cosigner_key,
        } => {
            let genesis = read_genesis(&genesis)?;
            let signer = SignerKey::parse_private(&files::read_text(&node_key)?)
                .map_err(|e| CliError(format!("{node_key}: {e}")))?;
            if let Some(id) = node_id {
                let cosigner = cosigner_key
                    .map(|path| {
                        CosignerKey::parse_private(&files::read_text(&path)?)
                            .map_err(|e| CliError(format!("{path}: {e}")))
                    })
                    .transpose()?;
                let replica = ReplicaConfig {
                    id,
                    data: data.into(),
                    genesis,
                    signer,
                    peers: parse_peers(&peers)?,
                    init,
                    clock: Arc::new(SystemClock),
                    // Fault injection (partition tests) is opt-in per process.
                    faults: std::env::var("SIGILLUM_FAULTS").is_ok_and(|v| v == "1"),
                    cosigner,
                };
                return serve_replica(replica, &listen);
            }
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
        RegistryCommand::Witness {
            genesis,
            cosigner_key,
            data,
            listen,
        } => serve_witness(&read_genesis(&genesis)?, &cosigner_key, &data, &listen),
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
        RegistryCommand::Status { url } => {
            say_answer(reqwest::Client::new().get(format!("{url}/v1/status")))
        }
        RegistryCommand::Submit { file, url } => {
            let body = files::read(&file)?;
            say_answer(
                reqwest::Client::new()
                    .post(format!("{url}/v1/operations"))
                    .body(body),
            )
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
