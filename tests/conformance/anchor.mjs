// @coral-xyz/anchor (Anchor TS), unmodified, against the local cluster with the committed IDLs:
// on escrow, accounts resolved from the IDL's PDA seeds and fixed addresses in `.rpc()`,
// `.simulate()`, an expected program error as `AnchorError` with its exact code, `EventParser`
// over a landed transaction's logs and `account.budget.all()`; on every program, each account
// type decoded from the chain; `.rpc()` of real instructions on every program (registry,
// market, sim_venue, runner, receipts) with only the accounts the IDL cannot resolve.
// usage: node anchor.mjs <rpc url> <pubsub url> <payer keypair json> <usdc mint> <payer usdc account>
import anchor from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { getAccount, getOrCreateAssociatedTokenAccount } from "@solana/spl-token";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { check, finish, secretKey } from "./check.mjs";

const { AnchorError, AnchorProvider, BN, BorshCoder, EventParser, Program, Wallet } = anchor;
const [url, wsEndpoint, payerPath, mintText, payerTokenText] = process.argv.slice(2);
const connection = new Connection(url, { commitment: "confirmed", wsEndpoint });
const payer = Keypair.fromSecretKey(secretKey(payerPath));
const provider = new AnchorProvider(connection, new Wallet(payer), { commitment: "confirmed" });
// Every committed IDL, read once.
const NAMES = ["agent_registry", "escrow", "market", "receipts", "runner", "sim_venue"];
const idls = Object.fromEntries(
  NAMES.map((name) => [name, JSON.parse(readFileSync(new URL(`../../idl/${name}.json`, import.meta.url), "utf8"))]));
const programs = Object.fromEntries(NAMES.map((name) => [name, new Program(idls[name], provider)]));
const program = programs.escrow;
const mint = new PublicKey(mintText);
const payerToken = new PublicKey(payerTokenText);
const tokenProgram = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

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
const parser = new EventParser(program.programId, new BorshCoder(idls.escrow));
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
for (const name of NAMES) {
  const client = programs[name];
  for (const account of idls[name].accounts) {
    const key = account.name.charAt(0).toLowerCase() + account.name.slice(1);
    const found = await client.account[key].all();
    const expected = localnet[account.name] ?? (account.name === "Budget" ? 1 : 0);
    check(`${name}: account.${key}.all()`, found.length >= expected, `${found.length} found`);
  }
}
const registry = programs.agent_registry;
const [config] = await registry.account.registryConfig.all();
// Nothing passed: the config PDA comes from its seeds, the signer from the wallet, the event
// authority and program from Anchor's event-CPI rules.
const resolved = await registry.methods.setQuorum({ quorum: [1, 1, 1, 1, 1] }).accounts({}).pubkeys();
check("set_quorum resolves every account from the IDL",
  resolved.config.equals(config.publicKey) && resolved.admin.equals(payer.publicKey) &&
  resolved.program.equals(registry.programId),
  JSON.stringify({ resolved, config: config.publicKey }));

// The registry: register_agent through Anchor TS. The agent's PDA hashes its name (sha256),
// which an IDL cannot express, so it is derived here; the owner (the wallet), the system
// program, the event authority and the program resolve.
const name = `anchor-ts-${Keypair.generate().publicKey.toBase58().slice(0, 8)}`;
const [agent] = PublicKey.findProgramAddressSync(
  [Buffer.from("agent"), payer.publicKey.toBuffer(), createHash("sha256").update(name).digest()],
  registry.programId);
await registry.methods
  .registerAgent({
    name,
    payout: payer.publicKey,
    capabilities: new BN(1),
    metadataUri: "https://example.com/agent.json",
    manifestHash: Array(32).fill(7),
  })
  .accounts({ agent })
  .rpc();
const stored = await registry.account.agent.fetch(agent);
check("registry register_agent .rpc()", stored.owner.equals(payer.publicKey) && stored.name === name);

// sim_venue: a swap of USDC through a USDC pool. The pool's seeds are its own mints (the IDL
// says so, but they can only be read once the pool is known), so it is passed; the token
// program, the event authority and the program resolve.
const sim = programs.sim_venue;
const pool = (await sim.account.pool.all()).find((p) => p.account.mintA.equals(mint) || p.account.mintB.equals(mint));
const usdcIsA = pool.account.mintA.equals(mint);
const outMint = usdcIsA ? pool.account.mintB : pool.account.mintA;
const userOut = (await getOrCreateAssociatedTokenAccount(connection, payer, outMint, payer.publicKey)).address;
const outBefore = (await getAccount(connection, userOut)).amount;
await sim.methods
  .swap({ amountIn: new BN(100_000), minOut: new BN(1) })
  .accounts({
    pool: pool.publicKey,
    vaultIn: usdcIsA ? pool.account.vaultA : pool.account.vaultB,
    vaultOut: usdcIsA ? pool.account.vaultB : pool.account.vaultA,
    userIn: payerToken,
    userOut,
  })
  .rpc();
check("sim_venue swap .rpc()", (await getAccount(connection, userOut)).amount > outBefore);

// market: open_rfp with nothing passed — the RFP's PDA comes from the requester (the wallet)
// and the arguments (plan, step).
const market = programs.market;
const plan = Keypair.generate().publicKey;
const rfpArgs = {
  plan,
  step: 0,
  capability: new BN(1),
  mint,
  maxPrice: new BN(50_000),
  guards: { maxSlippageBps: 30, oracleMaxAgeSecs: 60, feeCapBps: 100, required: 0 },
  minStage: { a: {} },
  bidDeadline: new BN(chainNow + 600),
  executionDeadline: new BN(chainNow + 3_600),
};
const opened = await market.methods
  .openRfp(rfpArgs)
  .accounts({})
  .pubkeys();
await market.methods
  .openRfp(rfpArgs)
  .accounts({})
  .rpc();
const rfp = await market.account.rfp.fetch(opened.rfp);
check("market open_rfp .rpc() with every account resolved", rfp.plan.equals(plan) && rfp.requester.equals(payer.publicKey));

// runner: a one-step Service plan, created, cancelled and closed. The plan and the owner's
// delegate PDAs come from the owner and the arguments on creation, and from the plan account's
// own fields (`plan.owner`, `plan.plan_id`) afterwards; the policy's Mint account is the one
// remaining account.
const runner = programs.runner;
const planId = new BN(Date.now());
const guards = {
  maxSlippageBps: 30, oracleMaxAgeSecs: 60, minVerificationSignatures: 0, maxConfidenceBps: 100,
  feeCapBps: 100, minSamples: 0, trigger: { always: {} },
};
const { pubkeys: { plan: runnerPlan } } = await runner.methods
  .createPlan({
    planId,
    planHash: Array(32).fill(1),
    planner: payer.publicKey,
    mints: [{ mint, decimals: 6, oracle: Keypair.generate().publicKey, source: { switchboard: {} } }],
    venues: [],
    notionalCapUsd: new BN(1_000_000),
    dailyCapUsd: new BN(1_000_000),
    steps: [{
      kind: { service: {} }, capability: new BN(1), dependsOn: 0, mintIn: 0, mintOut: 0,
      amountIn: new BN(0), guards, repeat: 1, intervalSecs: 0,
    }],
  })
  .remainingAccounts([{ pubkey: mint, isSigner: false, isWritable: false }])
  .rpcAndKeys();
const created = await runner.account.plan.fetch(runnerPlan);
check("runner create_plan .rpc()", created.owner.equals(payer.publicKey) && created.planId.eq(planId) &&
  created.steps.length === 1 && "active" in created.status && "always" in created.steps[0].guards.trigger,
  JSON.stringify(created.status));
await runner.methods.cancelPlan().accounts({ plan: runnerPlan }).rpc();
check("runner cancel_plan .rpc() (owner and delegate from the plan's fields)",
  "cancelled" in (await runner.account.plan.fetch(runnerPlan)).status);
await runner.methods.closePlan().accounts({ plan: runnerPlan }).rpc();
check("runner close_plan .rpc() returns the rent", (await connection.getAccountInfo(runnerPlan)) === null);

// receipts: anchor a shard's finished period. The tree comes from the receipt tree's `has_one`
// relation and the PeriodRoot PDA from the tree and `receipt_tree.period_index`.
const receipts = programs.receipts;
const [shard] = await receipts.account.receiptTree.all();
const anchored = await receipts.methods.anchorPeriod().accounts({ receiptTree: shard.publicKey }).rpcAndKeys();
const root = await receipts.account.periodRoot.fetch(anchored.pubkeys.periodRoot);
check("receipts anchor_period .rpc() resolves the tree and the PeriodRoot PDA",
  anchored.pubkeys.tree.equals(shard.account.tree) && root.index.eq(shard.account.periodIndex),
  JSON.stringify(root));

finish();
