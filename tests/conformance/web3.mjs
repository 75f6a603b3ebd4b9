// @solana/web3.js, unmodified, against the local cluster. Every check must pass; the script
// prints one line per check and exits non-zero at the first failure.
// usage: node web3.mjs <rpc url> <pubsub url> <payer keypair json> <usdc mint> <payer usdc account>
import {
  Connection,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
  SendTransactionError,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import {
  getAccount,
  getAssociatedTokenAddressSync,
  getMint,
  getOrCreateAssociatedTokenAccount,
  transferChecked,
} from "@solana/spl-token";
import { check, finish, secretKey, within } from "./check.mjs";

const [url, wsEndpoint, payerPath, mintText, payerTokenText] = process.argv.slice(2);
const connection = new Connection(url, { commitment: "confirmed", wsEndpoint });
const payer = Keypair.fromSecretKey(secretKey(payerPath));
const mint = new PublicKey(mintText);
const payerToken = new PublicKey(payerTokenText);

const version = await connection.getVersion();
check("getVersion", typeof version["solana-core"] === "string");
const epoch = await connection.getEpochInfo();
check("getEpochInfo", epoch.absoluteSlot >= 0 && epoch.slotsInEpoch > 0);

// sendAndConfirmTransaction: confirmation comes over the PubSub websocket.
const receiver = Keypair.generate().publicKey;
const accountChanged = new Promise((resolve) =>
  connection.onAccountChange(receiver, (info) => resolve(info), "confirmed"));
const logged = new Promise((resolve) => connection.onLogs(receiver, (logs) => resolve(logs), "confirmed"));
const transfer = new Transaction().add(
  SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: receiver, lamports: 3_000_000 }));
const signature = await within(20_000, sendAndConfirmTransaction(connection, transfer, [payer]), "sendAndConfirm");
check("sendAndConfirmTransaction", typeof signature === "string");
const change = await within(20_000, accountChanged, "onAccountChange");
check("onAccountChange", change.lamports === 3_000_000, JSON.stringify(change));
const logs = await within(20_000, logged, "onLogs");
check("onLogs", logs.signature === signature && logs.err === null && logs.logs.length > 0);

const parsed = await connection.getParsedTransaction(signature, { maxSupportedTransactionVersion: 0 });
check("getParsedTransaction fee", parsed.meta.fee === 5_000);
check("getParsedTransaction balances",
  parsed.meta.preBalances[0] - parsed.meta.postBalances[0] === 3_005_000,
  JSON.stringify([parsed.meta.preBalances, parsed.meta.postBalances]));
check("getParsedTransaction keys",
  parsed.transaction.message.accountKeys[0].pubkey.equals(payer.publicKey) &&
  parsed.transaction.message.accountKeys[0].signer === true);

// confirmTransaction with the blockhash strategy, after a raw send.
const latest = await connection.getLatestBlockhash();
const message = new TransactionMessage({
  payerKey: payer.publicKey,
  recentBlockhash: latest.blockhash,
  instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: receiver, lamports: 1_000 })],
}).compileToV0Message();
const versioned = new VersionedTransaction(message);
versioned.sign([payer]);
const simulated = await connection.simulateTransaction(versioned);
check("simulateTransaction", simulated.value.err === null && typeof simulated.value.unitsConsumed === "number");
const fee = await connection.getFeeForMessage(message);
check("getFeeForMessage", fee.value === 5_000, JSON.stringify(fee));
check("isBlockhashValid", (await connection.isBlockhashValid(latest.blockhash)).value === true);
const raw = await connection.sendRawTransaction(versioned.serialize());
const confirmed = await within(20_000, connection.confirmTransaction({ signature: raw, ...latest }), "confirmTransaction");
check("confirmTransaction", confirmed.value.err === null);

// A failing transaction: preflight refuses it with the program's logs.
const failing = new Transaction().add(
  SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: receiver, lamports: 10n ** 15n }));
try {
  await sendAndConfirmTransaction(connection, failing, [payer]);
  check("preflight failure", false, "a failing transaction was accepted");
} catch (error) {
  const logsOfError = error instanceof SendTransactionError ? await error.getLogs(connection) : [];
  check("preflight failure", error instanceof SendTransactionError &&
    logsOfError.some((line) => line.includes("insufficient lamports")), String(error));
}

// Tokens, parsed by the cluster.
const owned = await connection.getParsedTokenAccountsByOwner(payer.publicKey, { mint });
check("getParsedTokenAccountsByOwner", owned.value.length === 1 &&
  owned.value[0].pubkey.equals(payerToken) &&
  owned.value[0].account.data.parsed.info.tokenAmount.decimals === 6, JSON.stringify(owned.value));
const balance = await connection.getTokenAccountBalance(payerToken);
check("getTokenAccountBalance", balance.value.amount === owned.value[0].account.data.parsed.info.tokenAmount.amount);
const supply = await connection.getTokenSupply(mint);
check("getTokenSupply", supply.value.decimals === 6 && BigInt(supply.value.amount) >= BigInt(balance.value.amount));
const largest = await connection.getTokenLargestAccounts(mint);
check("getTokenLargestAccounts", largest.value.length > 0);
const info = await connection.getParsedAccountInfo(mint);
check("getParsedAccountInfo", info.value.data.parsed.type === "mint");

// @solana/spl-token: the payer's USDC lives in its associated token account, as wallets expect.
check("associated token account", getAssociatedTokenAddressSync(mint, payer.publicKey).equals(payerToken));
const held = await getAccount(connection, payerToken);
check("spl-token getAccount", held.owner.equals(payer.publicKey) && held.amount === BigInt(balance.value.amount));
const mintInfo = await getMint(connection, mint);
check("spl-token getMint", mintInfo.decimals === 6);
const friend = Keypair.generate().publicKey;
const friendToken = await getOrCreateAssociatedTokenAccount(connection, payer, mint, friend);
await transferChecked(connection, payer, payerToken, mint, friendToken.address, payer, 250_000n, 6);
const received = await getAccount(connection, friendToken.address);
check("spl-token transferChecked", received.amount === 250_000n);

// The block of the first transfer, once the clock has left its slot.
let block = null;
for (let attempt = 0; attempt < 50 && block === null; attempt += 1) {
  block = await connection.getBlock(parsed.slot, { maxSupportedTransactionVersion: 0 }).catch(() => null);
  if (block === null) await new Promise((resolve) => setTimeout(resolve, 200));
}
check("getBlock", block !== null && block.transactions.some((t) => t.transaction.signatures[0] === signature));

const fees = await connection.getRecentPrioritizationFees();
check("getRecentPrioritizationFees", Array.isArray(fees));

finish();
