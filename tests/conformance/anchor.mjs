// @coral-xyz/anchor (Anchor TS), unmodified, against the local cluster with the committed IDLs:
// on escrow, accounts resolved from the IDL's PDA seeds and fixed addresses in `.rpc()`,
// `.simulate()`, an expected program error as `AnchorError` with its exact code, `EventParser`
// over a landed transaction's logs and `account.budget.all()`; on every program, each account
// type decoded from the chain; on the registry, an instruction resolved with nothing passed.
// usage: node anchor.mjs <rpc url> <pubsub url> <payer keypair json> <usdc mint> <payer usdc account>
import anchor from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { readFileSync } from "node:fs";

const { AnchorError, AnchorProvider, BN, BorshCoder, EventParser, Program, Wallet } = anchor;
const [url, wsEndpoint, payerPath, mintText, payerTokenText] = process.argv.slice(2);
const idl = JSON.parse(readFileSync(new URL("../../idl/escrow.json", import.meta.url), "utf8"));
const connection = new Connection(url, { commitment: "confirmed", wsEndpoint });
const payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(payerPath, "utf8"))));
const provider = new AnchorProvider(connection, new Wallet(payer), { commitment: "confirmed" });
const program = new Program(idl, provider);
const mint = new PublicKey(mintText);
const payerToken = new PublicKey(payerTokenText);
const tokenProgram = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
let passed = 0;

function check(name, ok, detail = "") {
  if (!ok) {
    console.error(`FAIL ${name} ${detail}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok   ${name}`);
}

const now = Math.floor(Date.now() / 1000);
const clock = await connection.getAccountInfo(new PublicKey("SysvarC1ock11111111111111111111111111111111"));
const chainNow = Number(clock.data.readBigInt64LE(32));
const id = Array.from(Keypair.generate().publicKey.toBytes());
const args = { id, amount: new BN(2_000_000), expiresAt: new BN(chainNow + 86_400) };
// Only what the IDL cannot resolve: the budget, vault and grant counter PDAs, the system
// program, the event authority and the program come from its seeds, addresses and Anchor's
// event-CPI rules.
const unresolvable = { payer: payer.publicKey, mint, payerToken, tokenProgram };

const simulated = await program.methods.openBudget(args).accounts(unresolvable).simulate();
check(".simulate()", Array.isArray(simulated.raw) && simulated.raw.some((l) => l.includes("Instruction: OpenBudget")));
const signature = await program.methods.openBudget(args).accounts(unresolvable).rpc();
check(".rpc() with resolved PDAs", typeof signature === "string");
const [budget] = PublicKey.findProgramAddressSync(
  [Buffer.from("budget"), payer.publicKey.toBuffer(), Buffer.from(id)], program.programId);
const fetched = await program.account.budget.fetch(budget);
check("account.budget.fetch", fetched.deposited.toNumber() === 2_000_000 && fetched.payer.equals(payer.publicKey));
const all = await program.account.budget.all();
check("account.budget.all()", all.some((b) => b.publicKey.equals(budget)), `${all.length} budgets`);

const landed = await connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
const parser = new EventParser(program.programId, new BorshCoder(idl));
const events = Array.from(parser.parseLogs(landed.meta.logMessages));
// Events are emitted through self-CPI (emit_cpi!), not as log lines: the parser must walk the
// logs without losing its place and find none in them.
check("EventParser over the logs", events.length === 0);

try {
  await program.methods.openBudget({ ...args, id: Array.from(Keypair.generate().publicKey.toBytes()), amount: new BN(0) })
    .accounts(unresolvable).rpc();
  check("AnchorError", false, "a zero budget was accepted");
} catch (error) {
  check("AnchorError", error instanceof AnchorError && error.error.errorCode.code === "InvalidAmount" &&
    error.error.errorCode.number === 6101, String(error));
}

// Every committed IDL: Anchor TS decodes each of its account types from the chain.
const localnet = { RegistryConfig: 1, ReceiptsConfig: 1, ReceiptTree: 1, Shard: 1, Pool: 1 };
for (const name of ["agent_registry", "escrow", "market", "receipts", "runner", "sim_venue"]) {
  const programIdl = JSON.parse(readFileSync(new URL(`../../idl/${name}.json`, import.meta.url), "utf8"));
  const client = new Program(programIdl, provider);
  for (const account of programIdl.accounts) {
    const key = account.name.charAt(0).toLowerCase() + account.name.slice(1);
    const found = await client.account[key].all();
    const expected = localnet[account.name] ?? (account.name === "Budget" ? 1 : 0);
    check(`${name}: account.${key}.all()`, found.length >= expected, `${found.length} found`);
  }
}
const registryIdl = JSON.parse(readFileSync(new URL("../../idl/agent_registry.json", import.meta.url), "utf8"));
const registry = new Program(registryIdl, provider);
const [config] = await registry.account.registryConfig.all();
// Nothing passed: the config PDA comes from its seeds, the signer from the wallet, the event
// authority and program from Anchor's event-CPI rules.
const resolved = await registry.methods.setQuorum({ quorum: [1, 1, 1, 1, 1] }).accounts({}).pubkeys();
check("set_quorum resolves every account from the IDL",
  resolved.config.equals(config.publicKey) && resolved.admin.equals(payer.publicKey) &&
  resolved.program.equals(registry.programId),
  JSON.stringify({ resolved, config: config.publicKey }));

console.log(`${passed} checks passed`);
process.exit(0);
