// What every conformance script shares: one line per check, exit non-zero at the first
// failure, a bound on anything that waits, and the count the Rust harness asserts.
import { readFileSync } from "node:fs";

let passed = 0;

/// Records a check; on failure prints why and exits 1.
export function check(name, ok, detail = "") {
  if (!ok) {
    console.error(`FAIL ${name} ${detail}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok   ${name}`);
}

/// `promise`, or a rejection naming `what` after `ms` milliseconds.
export function within(ms, promise, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  ]);
}

/// The 64 secret-key bytes of a Solana CLI keypair file.
export function secretKey(path) {
  return Uint8Array.from(JSON.parse(readFileSync(path, "utf8")));
}

/// Prints how many checks passed and exits 0.
export function finish() {
  console.log(`${passed} checks passed`);
  process.exit(0);
}
