// Base58 (Bitcoin's alphabet, as Solana writes keys and signatures) and hex, to and from bytes.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));

/** The bytes `text` encodes; throws on a character outside the alphabet. */
export function b58decode(text) {
  let value = 0n;
  for (const c of text) {
    const digit = INDEX.get(c);
    if (digit === undefined) throw new Error(`not base58: ${JSON.stringify(text)}`);
    value = value * 58n + digit;
  }
  const bytes = [];
  while (value > 0n) {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

/** `bytes` in base58. */
export function b58encode(bytes) {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let text = '';
  while (value > 0n) {
    text = ALPHABET[Number(value % 58n)] + text;
    value /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    text = '1' + text;
  }
  return text;
}

/** A 32-byte public key from base58; throws unless it is exactly 32 bytes. */
export function key32(text) {
  const bytes = b58decode(text);
  if (bytes.length !== 32) throw new Error(`not a 32-byte key: ${text}`);
  return bytes;
}

/** The bytes of lowercase or uppercase hex. */
export function hexDecode(text) {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error(`not hex: ${JSON.stringify(text)}`);
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** `bytes` as lowercase hex. */
export function hexEncode(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Standard base64 to bytes and back. */
export function b64decode(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function b64encode(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
