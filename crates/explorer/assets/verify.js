// A receipt file (`agentrunner-receipt/1`) verified in the browser from the data it carries and
// one account read from the cluster — never from the explorer's word — exactly as
// programs/receipts/RECEIPT_FORMAT.md specifies: the leaf recomputed from the receipt's fields,
// the vendor's ed25519 signature over it and its quote's hash, the proof folded to its root,
// and that root compared with the PeriodRoot account the browser reads itself.
import { b58decode, b58encode, b64decode, hexDecode, hexEncode, key32 } from './base58.js';
import { keccak256 } from './keccak.js';

const LEAF_VERSION = 1;
const LEAF_TAG = new TextEncoder().encode('agentrunner/receipt/leaf');
const KINDS = ['swap', 'dca', 'rebalance', 'service', 'payment', 'nav', 'liquidity'];
const METHODS = ['grant', 'voucher', 'none'];
const PERIOD_ROOT_LEN = 8 + 32 + 2 + 8 + 8 + 8 + 32 + 8 + 8 + 4 + 8 + 1;

/**
 * Parses JSON keeping every integer exact: integer literals become decimal strings (a u64 does
 * not fit a JavaScript number). Receipt files hold no other literal that looks like a number
 * outside a string.
 */
export function parseLossless(text) {
  return JSON.parse(text.replace(/([:\[,]\s*)(-?\d+)(?=\s*[,\]}])/g, '$1"$2"'));
}

/** Little-endian bytes of an integer (given as a decimal string or number). */
function le(value, bytes, signed = false) {
  let v = BigInt(value);
  if (signed && v < 0n) v += 1n << BigInt(8 * bytes);
  if (v < 0n || v >= 1n << BigInt(8 * bytes)) throw new Error(`${value} does not fit ${bytes} bytes`);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function hash32(hex, field) {
  const bytes = hexDecode(hex);
  if (bytes.length !== 32) throw new Error(`${field} is not 32 bytes`);
  return bytes;
}

function variant(names, name, field) {
  const i = names.indexOf(name);
  if (i < 0) throw new Error(`${field}: unknown ${JSON.stringify(name)}`);
  return Uint8Array.of(i);
}

/** The receipt's canonical encoding (402 bytes, the field table of RECEIPT_FORMAT.md). */
export function encodeReceipt(r) {
  const g = r.guards;
  const p = r.payment;
  const parts = [
    key32(r.plan), le(r.step, 2), le(r.execution, 4), key32(r.agent), le(r.agent_version, 4),
    key32(r.payer), variant(KINDS, r.kind, 'kind'), hash32(r.inputs_hash, 'inputs_hash'),
    le(r.amount_in, 8), key32(r.mint_in), le(r.amount_out, 8), key32(r.mint_out),
    le(g.oracle_price, 8, true), le(g.oracle_exponent, 4, true), le(g.oracle_publish_time, 8, true),
    hash32(g.feed_id, 'feed_id'), le(g.realized_slippage_bps, 2), le(g.fee_paid, 8),
    variant(METHODS, p.method, 'payment.method'), key32(p.reference), le(p.amount, 8),
    key32(r.venue), le(r.slot, 8), le(r.unix_time, 8, true),
    hash32(r.vendor_receipt_hash, 'vendor_receipt_hash'),
  ];
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** keccak256(0x01 || tag || encoding). */
export function leafOf(receipt) {
  return keccak256(Uint8Array.of(LEAF_VERSION), LEAF_TAG, encodeReceipt(receipt));
}

/** The root the proof leads to from `leaf` at `index` (at level l, bit l of the index set
 * means the running node is the right child). */
export function rootFromProof(leaf, index, nodes) {
  let node = leaf;
  let i = BigInt(index);
  for (const sibling of nodes) {
    node = (i & 1n) === 1n ? keccak256(sibling, node) : keccak256(node, sibling);
    i >>= 1n;
  }
  return node;
}

/** The vendor quote's compact JSON, fields in the format's order, no whitespace. */
function quoteJson(q) {
  return `{"plan":${JSON.stringify(q.plan)},"step":${q.step},"execution":${q.execution},` +
    `"expected_out":${q.expected_out},"min_out":${q.min_out},"pool_out":${q.pool_out},` +
    `"oracle_price":${q.oracle_price},"oracle_publish_time":${q.oracle_publish_time}}`;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

async function discriminator(name) {
  return (await sha256(new TextEncoder().encode(`account:${name}`))).slice(0, 8);
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The PeriodRoot account's fields from its data (after the Anchor discriminator). */
async function decodePeriodRoot(data) {
  if (data.length < PERIOD_ROOT_LEN) throw new Error(`${data.length} bytes is not a PeriodRoot`);
  if (!equal(data.slice(0, 8), await discriminator('PeriodRoot'))) {
    throw new Error('the account is not a PeriodRoot');
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u64 = (at) => view.getBigUint64(at, true);
  return {
    tree: b58encode(data.slice(8, 40)),
    index: u64(42),
    root: data.slice(66, 98),
    firstLeaf: u64(98),
    leafCount: u64(106),
    maxDepth: view.getUint32(114, true),
  };
}

/** Reads an account from the cluster at `rpcUrl` (JSON-RPC getAccountInfo, base64). */
async function readAccount(rpcUrl, address) {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'getAccountInfo',
      params: [address, { encoding: 'base64', commitment: 'confirmed' }],
    }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`getAccountInfo: ${body.error.message}`);
  const value = body.result?.value;
  return value ? { owner: value.owner, data: b64decode(value.data[0]) } : null;
}

/**
 * Verifies a receipt file's text. Returns `{ verdict, checks }`: verdict "verified" (anchored
 * in a PeriodRoot read from the cluster), "not anchored" (valid, its period not anchored yet)
 * or "rejected"; each check `{ name, ok, detail }` (ok null: not applicable).
 */
export async function verifyReceiptFile(text, { rpcUrl, receiptsProgram }) {
  const checks = [];
  const check = (name, ok, detail) => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const done = (verdict) => ({ verdict, checks });
  let file;
  try {
    file = parseLossless(text);
  } catch (e) {
    check('File', false, `not JSON: ${e.message}`);
    return done('rejected');
  }
  const receipt = file.receipt;
  let leaf;
  try {
    leaf = leafOf(receipt);
  } catch (e) {
    check('Leaf', false, `the receipt's fields cannot be encoded: ${e.message}`);
    return done('rejected');
  }
  if (!check('Leaf', hexEncode(leaf) === file.leaf,
    hexEncode(leaf) === file.leaf
      ? `keccak256 of the receipt's 402-byte encoding is ${file.leaf}`
      : `the receipt's fields hash to ${hexEncode(leaf)}, not to the file's leaf ${file.leaf}`)) {
    return done('rejected');
  }
  if (file.vendor) {
    let ok = false;
    try {
      const key = await crypto.subtle.importKey('raw', key32(file.vendor.vendor), { name: 'Ed25519' }, false, ['verify']);
      ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b58decode(file.vendor.signature), leaf);
    } catch (e) {
      ok = false;
    }
    if (!check('Vendor signature', ok, ok
      ? `ed25519 signature over the leaf by ${file.vendor.vendor}`
      : `the signature is not ${file.vendor.vendor}'s over this leaf`)) {
      return done('rejected');
    }
    const q = file.vendor.quote;
    if (q) {
      const hash = hexEncode(await sha256(new TextEncoder().encode(quoteJson(q))));
      const same = q.plan === receipt.plan && q.step === receipt.step && q.execution === receipt.execution;
      if (!check('Vendor quote', same && hash === receipt.vendor_receipt_hash, same
        ? (hash === receipt.vendor_receipt_hash
          ? `sha256 of the quote is the receipt's vendor_receipt_hash`
          : `the quote hashes to ${hash}, not to the receipt's ${receipt.vendor_receipt_hash}`)
        : 'the quote names another plan, step or execution')) {
        return done('rejected');
      }
    }
  } else {
    check('Vendor signature', null, 'the vendor\'s signed copy is not part of this file');
  }
  if (!file.proof) {
    check('Proof', false, 'the file carries no proof');
    return done('rejected');
  }
  let nodes;
  try {
    nodes = file.proof.nodes.map((n) => hash32(n, 'proof node'));
  } catch (e) {
    check('Proof', false, e.message);
    return done('rejected');
  }
  const index = BigInt(file.index);
  const size = BigInt(file.proof.tree_size);
  const root = rootFromProof(leaf, index, nodes);
  const proofOk = index < size && hexEncode(root) === file.proof.root;
  if (!check('Proof', proofOk, proofOk
    ? `${nodes.length} nodes lead from leaf ${index} to root ${file.proof.root} (tree of ${size})`
    : (index < size ? `the proof leads to ${hexEncode(root)}, not to the file's root` : `leaf ${index} is outside a tree of ${size}`))) {
    return done('rejected');
  }
  if (!file.period_root) {
    check('Anchored', null, 'its period is not anchored yet: no PeriodRoot holds this root');
    return done('not anchored');
  }
  let account;
  try {
    account = await readAccount(rpcUrl, file.period_root);
  } catch (e) {
    check('Anchored', false, `the cluster could not be read: ${e.message}`);
    return done('rejected');
  }
  if (!account) {
    check('Anchored', false, `no account at ${file.period_root} on the cluster`);
    return done('rejected');
  }
  if (receiptsProgram && account.owner !== receiptsProgram) {
    check('Anchored', false, `${file.period_root} is owned by ${account.owner}, not the receipts program`);
    return done('rejected');
  }
  let period;
  try {
    period = await decodePeriodRoot(account.data);
  } catch (e) {
    check('Anchored', false, e.message);
    return done('rejected');
  }
  const problems = [];
  if (period.tree !== file.tree) problems.push(`it anchors tree ${period.tree}, not ${file.tree}`);
  if (index < period.firstLeaf || index >= period.firstLeaf + period.leafCount) {
    problems.push(`leaf ${index} is outside its period [${period.firstLeaf}, ${period.firstLeaf + period.leafCount})`);
  }
  if (period.maxDepth !== nodes.length) problems.push(`the tree's depth is ${period.maxDepth}, the proof has ${nodes.length} nodes`);
  if (!equal(period.root, root)) problems.push(`its root is ${hexEncode(period.root)}`);
  if (!check('Anchored', problems.length === 0, problems.length === 0
    ? `PeriodRoot ${file.period_root} (period ${period.index}), read from the cluster, holds this root`
    : `PeriodRoot ${file.period_root}: ${problems.join('; ')}`)) {
    return done('rejected');
  }
  return done('verified');
}
