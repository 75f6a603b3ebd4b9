// @solana/kit, unmodified, against the local cluster: RPC, subscriptions and
// sendAndConfirmTransactionFactory (which confirms over PubSub). Every check must pass.
// usage: node kit.mjs <rpc url> <pubsub url> <payer keypair json>
import {
  appendTransactionMessageInstruction,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  isSolanaError,
  lamports,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
} from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import { check, finish, secretKey, within } from "./check.mjs";

const [url, ws, payerPath] = process.argv.slice(2);
const rpc = createSolanaRpc(url);
const rpcSubscriptions = createSolanaRpcSubscriptions(ws);
const payer = await createKeyPairSignerFromBytes(secretKey(payerPath));
const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });

async function transfer(destination, amount) {
  const { value: latestBlockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
    (m) => appendTransactionMessageInstruction(
      getTransferSolInstruction({ source: payer, destination, amount: lamports(amount) }), m),
  );
  return signTransactionMessageWithSigners(message);
}

check("getSlot", typeof (await rpc.getSlot().send()) === "bigint");
const start = (await rpc.getBalance(payer.address).send()).value;
check("getBalance", start > 0n);

const receiver = (await generateKeyPairSigner()).address;
const abort = new AbortController();
const accountNotes = await rpcSubscriptions
  .accountNotifications(receiver, { commitment: "confirmed", encoding: "base64" })
  .subscribe({ abortSignal: abort.signal });
const slotNotes = await rpcSubscriptions.slotNotifications().subscribe({ abortSignal: abort.signal });

// Kit delivers what arrives once iteration has begun.
const nextAccountNote = accountNotes[Symbol.asyncIterator]().next();
const nextSlotNote = slotNotes[Symbol.asyncIterator]().next();

const first = await transfer(receiver, 3_000_000n);
const simulated = await rpc.simulateTransaction(getBase64EncodedWireTransaction(first), { encoding: "base64" }).send();
check("simulateTransaction", simulated.value.err === null && typeof simulated.value.unitsConsumed === "bigint");
await within(20_000, sendAndConfirm(first, { commitment: "confirmed" }), "sendAndConfirmTransaction");
const signature = getSignatureFromTransaction(first);
check("sendAndConfirmTransactionFactory", typeof signature === "string");

const note = await within(20_000, nextAccountNote, "accountNotifications");
check("accountNotifications", note.value.value.lamports === 3_000_000n, JSON.stringify(note.value, (_, v) => typeof v === "bigint" ? v.toString() : v));
const slot = await within(20_000, nextSlotNote, "slotNotifications");
check("slotNotifications", typeof slot.value.slot === "bigint");

const fetched = await rpc.getTransaction(signature, { maxSupportedTransactionVersion: 0, encoding: "json" }).send();
check("getTransaction", fetched.meta.fee === 5_000n && fetched.version === 0);
const statuses = await rpc.getSignatureStatuses([signature]).send();
check("getSignatureStatuses", statuses.value[0].confirmationStatus === "finalized");
const account = await rpc.getAccountInfo(receiver, { encoding: "base64" }).send();
check("getAccountInfo", account.value.lamports === 3_000_000n);

const failing = await transfer(receiver, start * 10n);
try {
  await sendAndConfirm(failing, { commitment: "confirmed" });
  check("preflight failure", false, "a failing transaction was accepted");
} catch (error) {
  check("preflight failure",
    isSolanaError(error, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE) &&
    error.context.logs.some((line) => line.includes("insufficient lamports")), String(error));
}
abort.abort();

finish();
