#!/usr/bin/env node
// Sigillum interop harness: drives independent JavaScript implementations of
//   - SD-JWT VC (RFC 9901 + draft-ietf-oauth-sd-jwt-vc) via @sd-jwt/sd-jwt-vc
//   - W3C VC 2.0 secured as `vc+jwt` (VC-JOSE-COSE) via jose
// so that Rust tests can issue/present/verify across implementations.
//
// Usage: node sdjwt.mjs <command> [--flag value ...]   (see README.md)
// Output: JSON or a compact token on stdout.
// Exit codes: 0 ok/valid, 1 verification rejected (verify commands only),
//             2 usage or operational error (bad arguments, unreadable file, bad key).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, getSigner, getVerifier } from '@sd-jwt/crypto-nodejs';
import * as jose from 'jose';

// ---------------------------------------------------------------- utilities

class UsageError extends Error {}   // -> exit 2
class Rejected extends Error {}     // -> exit 1 (harness-level RFC check failed)

const readText = (file) => readFileSync(file, 'utf8').trim();
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const b64uJson = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function need(opts, ...names) {
  for (const n of names) if (opts[n] === undefined) throw new UsageError(`missing --${n}`);
}

// `--now SECONDS` pins the clock (deterministic fixtures); default: wall clock.
const nowSeconds = (opts) => (opts.now !== undefined ? Number(opts.now) : Math.floor(Date.now() / 1000));

// ---------------------------------------------------------------- keys

// Map a JWK to its JWS alg. Only P-256 (ES256) and Ed25519 (EdDSA) are supported.
function algOf(jwk) {
  let alg;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') alg = 'ES256';
  else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA';
  else throw new UsageError(`unsupported key: kty=${jwk.kty} crv=${jwk.crv} (need EC P-256 or OKP Ed25519)`);
  // A JWK "alg" member, if present, must agree ("Ed25519" is the RFC 9864 fully-specified name).
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) {
    throw new UsageError(`JWK alg ${jwk.alg} does not match key type (${alg})`);
  }
  return alg;
}

// Public part only: never leak "d" into cnf or use it for verification.
function publicJwk(jwk) {
  const { kty, crv, x, y } = jwk;
  return kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x };
}

// Bare key material for WebCrypto import (drops alg/use/key_ops/ext, which WebCrypto checks).
const bareJwk = (jwk) => ({ ...publicJwk(jwk), ...(jwk.d ? { d: jwk.d } : {}) });

// WebCrypto parameters per alg, for @sd-jwt/crypto-nodejs getSigner/getVerifier.
// crypto-nodejs ships ES256/ES384/ES512 helpers only; Ed25519 goes through its generic
// getSigner/getVerifier with Node's WebCrypto Ed25519.
const WEBCRYPTO = {
  ES256: { key: ES256._keyAlgorithm, sig: ES256._hashAlgorithm },
  EdDSA: { key: { name: 'Ed25519' }, sig: { name: 'Ed25519' } },
};

async function sdSigner(privJwk) {
  if (!privJwk.d) throw new UsageError('a private JWK (with "d") is required for signing');
  const alg = algOf(privJwk);
  const signer = await getSigner(bareJwk(privJwk), WEBCRYPTO[alg].key, WEBCRYPTO[alg].sig);
  return { alg, signer };
}

// Verifier callback for @sd-jwt: (signingInput, sigB64url) => boolean.
// The library never looks at the JWS "alg" header, so we check it against the key here.
async function sdVerifier(pubJwk) {
  const alg = algOf(pubJwk);
  const verify = await getVerifier(publicJwk(pubJwk), WEBCRYPTO[alg].key, WEBCRYPTO[alg].sig);
  return async (data, sig) => {
    const header = b64uJson(data.split('.')[0]);
    if (header.alg !== alg) throw new Rejected(`JWS alg ${header.alg} does not match key (${alg})`);
    return verify(data, sig);
  };
}

// Salts: 128 bits, base64url (RFC 9901 §9.3 recommends >= 128 bits). The library's
// default generateSalt(16) from crypto-nodejs yields only 16 hex chars = 64 bits.
const saltGenerator = () => randomBytes(16).toString('base64url');

// ---------------------------------------------------------------- SD-JWT helpers

const ALLOWED_SD_ALGS = ['sha-256', 'sha-384', 'sha-512'];

function sdInstance(extra = {}) {
  return new SDJwtVcInstance({
    hasher: digest,             // crypto-nodejs digest(data, 'sha-256')
    hashAlg: 'sha-256',
    saltGenerator,
    // Never fetch status lists over the network from the harness.
    statusListFetcher: async () => {
      throw new Error('credential carries status.status_list; the harness does not fetch status lists');
    },
    ...extra,
  });
}

// Split an SD-JWT / SD-JWT+KB compact string into its parts.
function splitSdJwt(s) {
  const parts = s.split('~');
  if (parts.length < 2) throw new Rejected('not an SD-JWT: no "~" separator');
  const jwt = parts[0];
  const kb = parts[parts.length - 1];          // '' when there is no KB-JWT
  const disclosures = parts.slice(1, -1);
  return { jwt, disclosures, kb: kb || undefined };
}

// RFC 9901 §7.1 checks that @sd-jwt/core 0.19.0 does NOT perform (see README "Surprises").
function strictSdChecks(compact) {
  const { jwt, disclosures, kb } = splitSdJwt(compact);
  const header = b64uJson(jwt.split('.')[0]);
  const payload = b64uJson(jwt.split('.')[1]);

  if (header.typ !== 'dc+sd-jwt') throw new Rejected(`typ must be "dc+sd-jwt", got ${JSON.stringify(header.typ)}`);
  if (typeof payload.vct !== 'string') throw new Rejected('vct claim missing or not a string');
  for (const c of ['iat', 'nbf', 'exp']) {
    if (c in payload && typeof payload[c] !== 'number') throw new Rejected(`${c} must be a NumericDate`);
  }
  const sdAlg = payload._sd_alg ?? 'sha-256';
  if (!ALLOWED_SD_ALGS.includes(sdAlg)) throw new Rejected(`unsupported _sd_alg ${sdAlg}`);
  if (disclosures.some((d) => d === '')) throw new Rejected('empty disclosure (stray "~")');

  // digest -> decoded disclosure array; duplicate disclosures are an error.
  const byDigest = new Map();
  for (const enc of disclosures) {
    const dg = createHash(sdAlg.replace('-', '')).update(enc, 'ascii').digest('base64url');
    if (byDigest.has(dg)) throw new Rejected('the same disclosure is included twice');
    let arr;
    try { arr = b64uJson(enc); } catch { throw new Rejected('disclosure is not base64url JSON'); }
    if (!Array.isArray(arr) || (arr.length !== 2 && arr.length !== 3) || typeof arr[0] !== 'string') {
      throw new Rejected('disclosure must be [salt, value] or [salt, name, value]');
    }
    byDigest.set(dg, arr);
  }

  // Walk the payload (and, recursively, disclosed values) like a verifier would.
  const seen = new Set();
  const used = new Set();
  const see = (dg) => {
    if (typeof dg !== 'string') throw new Rejected('digest is not a string');
    if (seen.has(dg)) throw new Rejected(`digest ${dg} appears more than once`);
    seen.add(dg);
  };
  const walk = (node) => {
    if (Array.isArray(node)) {
      for (const el of node) {
        if (isObject(el) && '...' in el) {
          if (Object.keys(el).length !== 1) throw new Rejected('array digest object has extra keys');
          see(el['...']);
          const d = byDigest.get(el['...']);
          if (d) {
            if (d.length !== 2) throw new Rejected('object-property disclosure referenced from an array');
            used.add(el['...']);
            walk(d[1]);
          }
        } else walk(el);
      }
    } else if (isObject(node)) {
      if ('_sd' in node) {
        if (!Array.isArray(node._sd)) throw new Rejected('_sd is not an array');
        for (const dg of node._sd) {
          see(dg);
          const d = byDigest.get(dg);
          if (!d) continue;                                     // decoy or undisclosed
          if (d.length !== 3) throw new Rejected('array-element disclosure referenced from _sd');
          const name = d[1];
          if (typeof name !== 'string' || name === '_sd' || name === '...') throw new Rejected(`bad claim name ${name}`);
          if (Object.hasOwn(node, name)) throw new Rejected(`disclosed claim "${name}" already exists`);
          used.add(dg);
          walk(d[2]);
        }
      }
      for (const [k, v] of Object.entries(node)) if (k !== '_sd') walk(v);
    }
  };
  const { _sd_alg, ...rest } = payload;
  walk(rest);
  if (used.size !== byDigest.size) throw new Rejected('a disclosure is not referenced by any digest');
  return { header, payload, kb };
}

// ---------------------------------------------------------------- commands

const commands = {
  // keygen --alg ES256|EdDSA  -> private JWK (with kid = RFC 7638 thumbprint, alg)
  async keygen(o) {
    need(o, 'alg');
    if (!['ES256', 'EdDSA'].includes(o.alg)) throw new UsageError('--alg must be ES256 or EdDSA');
    const { privateKey } = await jose.generateKeyPair(o.alg, { extractable: true, crv: o.alg === 'EdDSA' ? 'Ed25519' : undefined });
    const jwk = await jose.exportJWK(privateKey);
    jwk.kid = await jose.calculateJwkThumbprint(publicJwk(jwk));
    jwk.alg = o.alg;
    console.log(JSON.stringify(jwk));
  },

  // pubjwk --jwk FILE  -> public part of a JWK (kid/alg kept)
  async pubjwk(o) {
    need(o, 'jwk');
    const jwk = readJson(o.jwk);
    algOf(jwk);
    const out = publicJwk(jwk);
    if (jwk.kid) out.kid = jwk.kid;
    if (jwk.alg) out.alg = jwk.alg;
    console.log(JSON.stringify(out));
  },

  // issue --issuer-jwk F --claims F --disclose-frame F --vct V --iss ISS [--holder-jwk F] [--now S]
  async issue(o) {
    need(o, 'issuer-jwk', 'claims', 'disclose-frame', 'vct', 'iss');
    const issuerJwk = readJson(o['issuer-jwk']);
    const { alg, signer } = await sdSigner(issuerJwk);
    const payload = { ...readJson(o.claims), iss: o.iss, vct: o.vct, iat: nowSeconds(o) };
    if (o['holder-jwk']) payload.cnf = { jwk: publicJwk(readJson(o['holder-jwk'])) };
    const frame = readJson(o['disclose-frame']);   // always passed, so _sd_alg is always set
    const sd = sdInstance({ signer, signAlg: alg });
    const header = issuerJwk.kid ? { kid: issuerJwk.kid } : {};
    console.log(await sd.issue(payload, frame, { header }));
  },

  // present --sdjwt F --disclose F [--holder-jwk F --nonce N --aud A] [--now S]
  // Without --holder-jwk: presentation without KB-JWT (ends in "~").
  async present(o) {
    need(o, 'sdjwt', 'disclose');
    const frame = readJson(o.disclose);
    const compact = readText(o.sdjwt);
    if (!o['holder-jwk']) {
      console.log(await sdInstance().present(compact, frame));
      return;
    }
    need(o, 'nonce', 'aud');
    const { alg, signer } = await sdSigner(readJson(o['holder-jwk']));
    const sd = sdInstance({ kbSigner: signer, kbSignAlg: alg });
    const kb = { payload: { iat: nowSeconds(o), nonce: o.nonce, aud: o.aud } };
    console.log(await sd.present(compact, frame, { kb }));   // KB adds sd_hash itself
  },

  // verify --sdjwt F --issuer-jwk F [--nonce N] [--aud A] [--require-kb] [--now S] [--library-only]
  async verify(o) {
    need(o, 'sdjwt', 'issuer-jwk');
    const compact = readText(o.sdjwt);
    const verifier = await sdVerifier(readJson(o['issuer-jwk']));
    const now = nowSeconds(o);
    // KB-JWT signature is checked against cnf.jwk of the (processed) issuer payload.
    const kbVerifier = async (data, sig, payload) => {
      const jwk = payload?.cnf?.jwk;
      if (!isObject(jwk)) throw new Rejected('KB-JWT present but credential has no cnf.jwk');
      let verify;
      try { verify = await sdVerifier(jwk); } catch (e) { throw new Rejected(`cnf.jwk unusable: ${e.message}`); }
      return verify(data, sig);
    };
    return verdict(async () => {
      const strict = o['library-only'] ? { kb: splitSdJwt(compact).kb } : strictSdChecks(compact);
      const wantKb = o['require-kb'] || o.nonce !== undefined || o.aud !== undefined;
      if (wantKb && !strict.kb) throw new Rejected('key binding required but no KB-JWT present');
      // @sd-jwt only checks the KB-JWT when keyBindingNonce is set; if the caller gave
      // no nonce we pass the KB-JWT's own nonce so signature + sd_hash are still checked.
      let keyBindingNonce = o.nonce;
      if (strict.kb && keyBindingNonce === undefined) keyBindingNonce = b64uJson(strict.kb.split('.')[1]).nonce;
      const res = await sdInstance({ verifier, kbVerifier }).verify(compact, { currentDate: now, keyBindingNonce });
      if (res.kb && !o['library-only']) {
        // Checks @sd-jwt leaves out: aud and KB-JWT freshness.
        if (o.aud !== undefined && res.kb.payload.aud !== o.aud) throw new Rejected('KB-JWT aud mismatch');
        const iat = res.kb.payload.iat;
        if (typeof iat !== 'number' || iat > now + 60 || iat < now - 300) throw new Rejected('KB-JWT iat outside [now-300s, now+60s]');
      }
      return { claims: res.payload, ...(res.kb ? { kb: res.kb.payload } : {}) };
    });
  },

  // vcjwt-sign --issuer-jwk F --credential F [--kid K]  -> compact JWS, header {alg, typ:"vc+jwt", kid?}
  async 'vcjwt-sign'(o) {
    need(o, 'issuer-jwk', 'credential');
    const jwk = readJson(o['issuer-jwk']);
    if (!jwk.d) throw new UsageError('a private JWK (with "d") is required for signing');
    const alg = algOf(jwk);
    const key = await jose.importJWK(bareJwk(jwk), alg);
    const kid = o.kid ?? jwk.kid;
    const header = { alg, typ: 'vc+jwt', ...(kid ? { kid } : {}) };
    const payload = new TextEncoder().encode(JSON.stringify(readJson(o.credential)));
    console.log(await new jose.CompactSign(payload).setProtectedHeader(header).sign(key));
  },

  // vcjwt-verify --jwt F --issuer-jwk F [--now S]
  async 'vcjwt-verify'(o) {
    need(o, 'jwt', 'issuer-jwk');
    const jwk = readJson(o['issuer-jwk']);
    const alg = algOf(jwk);
    const key = await jose.importJWK(publicJwk(jwk), alg);
    const token = readText(o.jwt);
    const now = nowSeconds(o);
    return verdict(async () => {
      // jwtVerify: signature, alg allow-list (only the key's alg), exp/nbf if present,
      // and typ (jose normalises case and an "application/" prefix, so we re-check exactly).
      const { payload, protectedHeader } = await jose.jwtVerify(token, key, {
        algorithms: [alg], typ: 'vc+jwt', currentDate: new Date(now * 1000),
      });
      if (protectedHeader.typ !== 'vc+jwt') throw new Rejected(`typ must be exactly "vc+jwt", got ${protectedHeader.typ}`);
      // Minimal VC 2.0 data-model sanity.
      const ctx = payload['@context'];
      if (!Array.isArray(ctx) || ctx[0] !== 'https://www.w3.org/ns/credentials/v2') throw new Rejected('@context[0] must be https://www.w3.org/ns/credentials/v2');
      const types = Array.isArray(payload.type) ? payload.type : [payload.type];
      if (!types.includes('VerifiableCredential')) throw new Rejected('type must include VerifiableCredential');
      if (!payload.issuer) throw new Rejected('issuer missing');
      // validFrom / validUntil (xsd:dateTimeStamp: timezone required).
      for (const [name, ok] of [['validFrom', (t) => t <= now * 1000], ['validUntil', (t) => now * 1000 <= t]]) {
        if (payload[name] === undefined) continue;
        const t = parseDateTimeStamp(payload[name]);
        if (t === null) throw new Rejected(`${name} is not an xsd:dateTimeStamp`);
        if (!ok(t)) throw new Rejected(name === 'validFrom' ? 'credential not yet valid (validFrom)' : 'credential expired (validUntil)');
      }
      return { header: protectedHeader, payload };
    });
  },
};

function parseDateTimeStamp(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

// Run a verification: {"valid":true,...} exit 0, or {"valid":false,"error":...} exit 1.
async function verdict(fn) {
  try {
    console.log(JSON.stringify({ valid: true, ...(await fn()) }));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.log(JSON.stringify({ valid: false, error: e?.message ?? String(e) }));
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------- main

const OPTIONS = {
  alg: { type: 'string' }, jwk: { type: 'string' },
  'issuer-jwk': { type: 'string' }, 'holder-jwk': { type: 'string' },
  claims: { type: 'string' }, 'disclose-frame': { type: 'string' }, disclose: { type: 'string' },
  vct: { type: 'string' }, iss: { type: 'string' }, sdjwt: { type: 'string' },
  nonce: { type: 'string' }, aud: { type: 'string' }, 'require-kb': { type: 'boolean' },
  'library-only': { type: 'boolean' }, now: { type: 'string' }, kid: { type: 'string' },
  credential: { type: 'string' }, jwt: { type: 'string' },
};

try {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!commands[cmd]) throw new UsageError(`usage: sdjwt.mjs <${Object.keys(commands).join('|')}> [options]`);
  const { values } = parseArgs({ args: rest, options: OPTIONS, strict: true });
  if (values.now !== undefined && !/^\d+$/.test(values.now)) throw new UsageError('--now must be integer seconds');
  await commands[cmd](values);
} catch (e) {
  console.error(`sdjwt.mjs: ${e?.message ?? e}`);
  process.exitCode = 2;
}
