// The reference x402 client (@x402/fetch + @x402/svm ExactSvmScheme, unmodified) pays a
// vendor's /ohlcv on the local cluster with `exact`. The vendor labels the local cluster as
// devnet (its documented local-development setting); the client talks to our RPC URL.
// usage: node x402-pay.mjs <rpc url> <pubsub url> <payer keypair json> <resource url> <mint>
import { createKeyPairSignerFromBytes } from "@solana/kit";
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { SOLANA_DEVNET_CAIP2 } from "@x402/svm";
import { check, finish, secretKey, within } from "./check.mjs";

const [rpcUrl, , payerPath, resource, mint] = process.argv.slice(2);
const payer = await createKeyPairSignerFromBytes(secretKey(payerPath));

// Unpaid: a 402 whose requirements the reference client can read, `exact` first.
const unpaid = await fetch(resource);
check("unpaid request is answered 402", unpaid.status === 402, `got ${unpaid.status}`);
const required = JSON.parse(Buffer.from(unpaid.headers.get("payment-required"), "base64"));
const exact = required.accepts.find((a) => a.scheme === "exact");
check("the 402 offers exact on the labelled network", exact?.network === SOLANA_DEVNET_CAIP2,
  JSON.stringify(required.accepts));
check("exact names a fee payer", typeof exact.extra?.feePayer === "string");
check("the resource URL is absolute", required.resource.url.startsWith("http://"), required.resource.url);

// The tokens are the local cluster's own: allow this mint explicitly (the client refuses
// non-default assets otherwise), capped at 0.01 USDC per payment.
const client = new x402Client().register(SOLANA_DEVNET_CAIP2, new ExactSvmScheme(payer, { rpcUrl }));
client.setSpendControls({
  allowedAssets: [{ network: SOLANA_DEVNET_CAIP2, asset: mint, maxAmountPerPayment: "10000" }],
});
const pay = wrapFetchWithPayment(fetch, client);
const paid = await within(30_000, pay(resource), "paid request");
check("paid request is answered 200", paid.status === 200, `${paid.status} ${await paid.clone().text()}`);
const series = await paid.json();
check("the body is the price series", series.symbol === "SOL" && series.candles.length >= 1,
  JSON.stringify(series));
const settlement = decodePaymentResponseHeader(paid.headers.get("payment-response"));
check("PAYMENT-RESPONSE reports success", settlement.success === true, JSON.stringify(settlement));
check("the settlement names the payer", settlement.payer === payer.address, JSON.stringify(settlement));
check("the settlement names a transaction", /^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(settlement.transaction));
console.log(`settlement ${settlement.transaction}`);

// A second request is a second, separate payment.
const again = await within(30_000, pay(resource), "second paid request");
const second = decodePaymentResponseHeader(again.headers.get("payment-response"));
check("a second request pays again with a new transaction",
  again.status === 200 && second.success && second.transaction !== settlement.transaction);
console.log(`settlement ${second.transaction}`);

// A symbol the vendor has no feed for is refused before any payment is asked.
const missing = await fetch(resource.replace("symbol=SOL", "symbol=DOGE"));
check("an unknown resource is 404 with no payment terms",
  missing.status === 404 && !missing.headers.get("payment-required"), `got ${missing.status}`);
finish();
