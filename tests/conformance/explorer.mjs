// The explorer end to end in headless Chromium (Debian's, driven by playwright-core), against
// `agentrunner serve` with a certified vendor's broker and the anchorer running:
// a refused goal, a goal previewed as typed and created with a Wallet Standard wallet, offers
// arriving live, a manual award and `award_best`, the approval's budget, a declined signature,
// the approval, execution to Completed pushed to the page, receipts verified in the browser
// (and rejected when the server alters them), a plan whose transaction went stale while the
// wallet held it, the agents' pages and reports, the read-only pages without JavaScript, and
// the close-out. Beside it, a second plan is approved through the Solana Action endpoints
// (shapes checked against @solana/actions-spec, headers against @solana/actions), signed
// with @solana/web3.js. Screenshots of each stage go to the directory given.
//
// node explorer.mjs <explorer URL> <cluster RPC URL> <owner keypair> <screenshots dir>
//   <the vendor's signed receipts dir>
import { mkdirSync, readFileSync } from "node:fs";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { Connection, Keypair, VersionedTransaction } from "@solana/web3.js";
import { check, finish, secretKey, within } from "./check.mjs";
import { ACTIONS_CORS_HEADERS, shape } from "./actions-spec.mjs";

const [base, rpc, ownerPath, shots, vendorReceipts] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const owner = Keypair.fromSecretKey(secretKey(ownerPath));
const ownerAddress = owner.publicKey.toBase58();
const connection = new Connection(rpc, "confirmed");
const GOAL = "Swap 0.5 SOL->USDC <=30 bps; then DCA 2 times every 60s";
const SECOND = { timeout: 1_000 };
const MINUTE = { timeout: 60_000 };

// --- the JSON API as another client uses it ---------------------------------------------------

async function call(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Signs `toSign`'s transactions with `keypair` (as a wallet would) and lands them through the
 * explorer's relay. */
async function signAndLand(toSign, keypair) {
  const transactions = toSign.transactions.map((b64) => {
    const tx = VersionedTransaction.deserialize(Buffer.from(b64, "base64"));
    tx.sign([keypair]);
    return Buffer.from(tx.serialize()).toString("base64");
  });
  return call("POST", "/api/send", { transactions, last_valid_block_height: toSign.last_valid_block_height });
}

async function until(what, limitMs, probe) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > limitMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// A second plan, for the Solana Action: created through the API by another client.
const created = await call("POST", "/api/plans", { goal: "Swap 0.2 SOL->USDC <=50 bps", account: ownerAddress });
check("the API builds a plan's creation for a wallet to sign", created.status === 200 &&
  created.json.signer === ownerAddress && created.json.transactions.length >= 1, created.text);
const actionPlan = created.json.plan;
check("what the wallet signed lands through the relay", (await signAndLand(created.json, owner)).status === 200);
const refusedApi = await call("POST", "/api/plans", { goal: "swap blah SOL", account: ownerAddress });
check("the API refuses a goal it does not understand with the reason", refusedApi.status === 422 &&
  refusedApi.json.error === "refused" && refusedApi.json.reason.includes("blah"), refusedApi.text);

// --- the browser --------------------------------------------------------------------------

const wallet = (await build({
  entryPoints: [new URL("./test-wallet.mjs", import.meta.url).pathname],
  bundle: true,
  format: "iife",
  platform: "browser",
  write: false,
  define: { global: "globalThis" },
})).outputFiles[0].text;
const browser = await chromium.launch({
  executablePath: process.env.AGENTRUNNER_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await context.addInitScript({ content: `window.__testWalletSecret = ${JSON.stringify(Array.from(owner.secretKey))};\n${wallet}` });
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
const wallet_ = (expression) => page.evaluate(expression);

await page.goto(`${base}/`);
check("the goal box is labelled", (await page.getByLabel("Your goal").count()) === 1);
await page.waitForSelector("#connect:not([hidden])", SECOND);
check("the page finds the wallet registered through the Wallet Standard", true);

await page.fill("#goal", "swap blah SOL to USDC");
await page.waitForSelector(".preview.refused", MINUTE);
check("a refused goal names the clause and the word not understood",
  (await page.textContent(".preview.refused mark.word")) === "blah" &&
  (await page.textContent(".preview.refused .clause")).includes("swap blah SOL"));
await shot("01-refused-goal");

check("creating needs a connected wallet", await page.isDisabled("#create"));
await page.click("#connect");
await page.waitForSelector("#account:not([hidden])", SECOND);
check("the wallet connects and shows its account",
  (await page.getAttribute("#account", "title")) === ownerAddress);
await page.fill("#goal", GOAL);
await page.waitForSelector(".preview.ok", MINUTE);
const previewSteps = await page.locator(".preview.ok ol.steps > li").count();
const guardRows = await page.locator(".preview.ok table.guards").first().locator("tr").count();
check("the preview appears as the goal is typed, against the wallet's balances: steps, guards, fee ceilings",
  previewSteps === 2 && guardRows >= 4 && (await page.textContent(".preview.ok")).includes("per execution"));
await page.waitForFunction(() => !document.getElementById("create").disabled, null, MINUTE);
await shot("02-goal-preview");

await page.click("#create");
await page.waitForURL(/\/plans\/[1-9A-HJ-NP-Za-km-z]{32,44}$/, MINUTE);
const plan = page.url().split("/").pop();
const createdA = await call("GET", `/api/plans/${plan}`);
check("the plan the wallet signed exists on-chain with its RFPs open, and the page shows it",
  createdA.status === 200 && createdA.json.owner === ownerAddress && createdA.json.steps.every((st) => st.market !== null));

await page.waitForSelector("#step-0 table.offers tbody tr", MINUTE);
await page.waitForSelector("#step-1 table.offers tbody tr", MINUTE);
check("offers arrive on the open page without a reload (server-sent events)",
  (await page.textContent("#step-0 table.offers")).includes("report") &&
  (await page.textContent("#step-0 .why")).includes("utility"));
await shot("03-offers");

await page.click("#step-0 button[data-verb=award][data-offer]");
await page.waitForSelector("#step-0 .awarded", MINUTE);
check("an offer awarded by hand, signed in the wallet", (await page.textContent("#step-0 .awarded")).includes("per execution"));
await page.waitForSelector("button[data-verb=award]:not([data-offer])", MINUTE);
await page.click("button[data-verb=award]:not([data-offer])");
await page.waitForSelector("#step-1 .awarded", MINUTE);
check("award_best awarded the rest once bidding closed", true);

await page.waitForSelector("button[data-verb=approve]", MINUTE);
const total = (await page.textContent("#total-fees")).trim();
const lines = await page.locator(".approval tbody tr").allTextContents();
check("the approval shows each step's budget and the total",
  total === "0.15 USDC" && lines.length === 2 && lines[0].includes("0.05 USDC × 1") && lines[1].includes("0.05 USDC × 2"),
  `${total} ${lines}`);
await shot("04-approval");

await wallet_(() => { window.__testWallet.reject = true; });
await page.click("button[data-verb=approve]");
await page.waitForSelector("#action-status[data-kind=declined]", MINUTE);
const afterDecline = await call("GET", `/api/plans/${plan}`);
check("a declined signature sends nothing: the plan is still unapproved",
  afterDecline.json.approved === false && afterDecline.json.can.approve === true &&
  (await page.textContent("#action-status")).includes("nothing was sent"));

await page.click("button[data-verb=approve]");
await page.waitForSelector("#action-status[data-kind=ok]", MINUTE);
check("the approval signed in the wallet lands", (await page.textContent("#action-status")).includes("approve"));
await page.waitForFunction(() => document.getElementById("plan-status")?.textContent === "Finished" &&
  document.querySelectorAll(".receipt").length === 3, null, { timeout: 120_000 });
check("the plan runs to Completed, every change and receipt pushed to the page",
  (await page.locator(".phases li.done").count()) === 6 && (await page.locator("#receipts-1 .receipt").count()) === 2);

// Receipts, verified in this browser; retried until the anchorer anchors their period.
await page.click("#receipts-0 summary");
const verdictOf = async (selector) => {
  await page.click(`${selector} button.verify`);
  await page.waitForSelector(`${selector} .verdict[data-verdict]`, MINUTE);
  return page.getAttribute(`${selector} .verdict`, "data-verdict");
};
const first = "#receipts-0 .receipt";
await until("the first receipt's period is anchored", 90_000, async () => (await verdictOf(first)) === "verified");
const verdictLines = await page.locator(`${first} .verdict li`).allTextContents();
check("a receipt verifies in the browser against the PeriodRoot the browser read from the cluster",
  verdictLines.some((l) => l.startsWith("✓ Leaf")) && verdictLines.some((l) => l.startsWith("✓ Proof")) &&
  verdictLines.some((l) => l.startsWith("✓ Anchored")) && (await page.textContent(`${first} .period-root`)).length >= 32,
  verdictLines.join(" | "));
await shot("05-receipt-verified");

await page.click("#receipts-1 summary");
const tampered = "#receipts-1 article.receipt:first-of-type";
await until("the DCA's first receipt is anchored", 90_000, async () => (await verdictOf(tampered)) === "verified");
check("the DCA's first receipt verifies too", true);
await page.route(`**/api/plans/${plan}/receipts/*`, async (route) => {
  const original = await route.fetch();
  const text = (await original.text()).replace(/"amount_out":(\d+)/, (_, n) => `"amount_out":${BigInt(n) + 1n}`);
  await route.fulfill({ response: original, body: text });
});
check("a receipt the server altered is rejected by the browser's own check of its leaf",
  (await verdictOf(tampered)) === "rejected" &&
  (await page.locator(`${tampered} .verdict li[data-ok=false]`).first().textContent()).includes("Leaf"));
await page.unroute(`**/api/plans/${plan}/receipts/*`);
await page.route(`**/api/plans/${plan}/receipts/*`, async (route) => {
  const original = await route.fetch();
  const text = (await original.text()).replace(/"period_root":"[1-9A-HJ-NP-Za-km-z]+"/, `"period_root":"${plan}"`);
  await route.fulfill({ response: original, body: text });
});
check("a PeriodRoot the server swapped is rejected: the browser reads the account itself",
  (await verdictOf(tampered)) === "rejected" &&
  (await page.locator(`${tampered} .verdict li[data-ok=false]`).first().textContent()).includes("Anchored"));
await page.unroute(`**/api/plans/${plan}/receipts/*`);
check("the untouched file verifies again", (await verdictOf(tampered)) === "verified");

// The vendor's own signed copy (the broker wrote it when the execution landed) rides along.
const signed = JSON.parse(readFileSync(`${vendorReceipts}/receipt-${plan}-1-0.json`, "utf8")).vendor;
const withVendor = (vendor) => async (route) => {
  const original = await route.fetch();
  const text = (await original.text()).replace(/}\s*$/, `,"vendor":${JSON.stringify(vendor)}}`);
  await route.fulfill({ response: original, body: text });
};
await page.route(`**/api/plans/${plan}/receipts/*`, withVendor(signed));
const vendorLines = async () => (await page.locator(`${tampered} .verdict li`).allTextContents()).join(" | ");
check("the vendor's signature over the leaf and its quote's hash verify in the browser",
  (await verdictOf(tampered)) === "verified" && (await vendorLines()).includes("✓ Vendor signature") &&
  (await vendorLines()).includes("✓ Vendor quote"), await vendorLines());
await page.unroute(`**/api/plans/${plan}/receipts/*`);
const forged = { ...signed, signature: signed.signature.replace(/^./, (c) => (c === "2" ? "3" : "2")) };
await page.route(`**/api/plans/${plan}/receipts/*`, withVendor(forged));
check("a forged vendor signature is rejected", (await verdictOf(tampered)) === "rejected" &&
  (await vendorLines()).includes("✗ Vendor signature"), await vendorLines());
await page.unroute(`**/api/plans/${plan}/receipts/*`);

// --- the Solana Action: the second plan, approved by an Actions client -----------------------

const awardC = await until("the second plan's bidding closes", 60_000, async () => {
  const r = await call("POST", `/api/plans/${actionPlan}/award`, { account: ownerAddress });
  return r.status === 200 ? r : null;
});
check("anyone's award_best of the second plan lands", (await signAndLand(awardC.json, owner)).status === 200);
const corsOk = (headers) => Object.entries(ACTIONS_CORS_HEADERS).every(([k, v]) => headers.get(k) === v);
const actionsJson = await call("GET", "/actions.json");
check("actions.json has the spec's shape and headers",
  shape("ActionsJson")(actionsJson.json) === null && corsOk(actionsJson.headers) &&
  actionsJson.json.rules.some((r) => r.pathPattern === "/plans/*"), actionsJson.text);
const preflight = await fetch(`${base}/api/actions/approve/${actionPlan}`, { method: "OPTIONS" });
check("the action answers a CORS preflight", preflight.status === 204 && corsOk(preflight.headers));
const described = await call("GET", `/api/actions/approve/${actionPlan}`);
check("GET describes the approval in the spec's ActionGetResponse shape, with the total",
  shape("ActionGetResponse")(described.json) === null && corsOk(described.headers) &&
  described.json.label === "Approve (0.05 USDC)" && described.json.disabled === false &&
  described.headers.get("x-action-version") === "2.4" && described.headers.get("x-blockchain-ids")?.startsWith("solana:"),
  described.text);
check("the action's icon is served", (await fetch(described.json.icon)).headers.get("content-type") === "image/png");
const stranger = Keypair.generate().publicKey.toBase58();
const notTheirs = await call("POST", `/api/actions/approve/${actionPlan}`, { account: stranger });
check("POST for another account is refused with the spec's ActionError",
  notTheirs.status === 422 && shape("ActionError")(notTheirs.json) === null && notTheirs.json.message.includes("belongs to"),
  notTheirs.text);
const badBody = await call("POST", `/api/actions/approve/${actionPlan}`, { acount: ownerAddress });
check("POST without an account is a 400 ActionError", badBody.status === 400 && shape("ActionError")(badBody.json) === null);
const posted = await call("POST", `/api/actions/approve/${actionPlan}`, { account: ownerAddress });
check("POST answers the spec's TransactionResponse", posted.status === 200 &&
  shape("ActionPostResponse")(posted.json) === null && posted.json.type === "transaction", posted.text);
const approval = VersionedTransaction.deserialize(Buffer.from(posted.json.transaction, "base64"));
check("its transaction is paid by the account and waits for its signature only",
  approval.message.staticAccountKeys[0].toBase58() === ownerAddress && approval.message.header.numRequiredSignatures === 1);
approval.sign([owner]);
const signature = await connection.sendTransaction(approval);
const confirmation = await within(30_000, connection.confirmTransaction({ signature, ...(await connection.getLatestBlockhash()) }), "confirm");
check("web3.js lands the action's transaction", confirmation.value.err === null);
const next = await call("POST", posted.json.links.next.href, { account: ownerAddress, signature });
check("the next link completes the chain (the spec's NextAction)",
  shape("NextAction")(next.json) === null && next.json.type === "completed", next.text);
const again = await call("GET", `/api/actions/approve/${actionPlan}`);
check("an approved plan's action is disabled, saying why",
  again.json.disabled === true && again.json.error.message.includes("already approved"), again.text);
const missing = await call("GET", `/api/actions/approve/${Keypair.generate().publicKey.toBase58()}`);
check("an unknown plan's action is a 404 ActionError", missing.status === 404 && shape("ActionError")(missing.json) === null);

// --- a stale transaction: the plan closed while the wallet held its signature ----------------

const stale = await call("POST", "/api/plans", { goal: "Swap 0.1 SOL->USDC", account: ownerAddress });
check("a third plan is created through the API", stale.status === 200 && (await signAndLand(stale.json, owner)).status === 200);
const stalePlan = stale.json.plan;
await page.goto(`${base}/plans/${stalePlan}`);
await page.waitForSelector("button[data-verb=cancel]", MINUTE);
await wallet_(() => { window.__testWallet.hold = new Promise((release) => { window.__testWallet.release = release; }); });
const requestsBefore = await wallet_(() => window.__testWallet.requests);
await page.click("button[data-verb=cancel]");
await until("the wallet is asked to sign the cancellation", 30_000,
  async () => (await wallet_(() => window.__testWallet.requests)) > requestsBefore);
const closeOut = await call("POST", `/api/plans/${stalePlan}/settle`, { account: ownerAddress });
check("meanwhile another client settles and closes the plan",
  closeOut.status === 200 && (await signAndLand(closeOut.json, owner)).status === 200);
await wallet_(() => { window.__testWallet.hold = null; window.__testWallet.release(); });
await page.waitForSelector("#action-status[data-kind=error]", MINUTE);
const staleText = await page.textContent("#action-status");
check("the stale cancellation is refused by the chain's preflight, by name, and costs nothing",
  /AccountNotInitialized|AccountNotFound|not found|3012/.test(staleText), staleText);
await page.waitForSelector("#plan-closed:not([hidden])", MINUTE);
check("the page says the plan was closed", true);
await shot("06-stale-plan");
const gone = await page.goto(`${base}/plans/${stalePlan}`);
check("a closed plan's page is a 404 that says why", gone.status() === 404 && (await page.textContent("h1")) === "No such plan");

// --- agents, reports, pages without JavaScript, keyboard ---------------------------------------

await page.goto(`${base}/agents`);
await page.click("table a");
await page.waitForSelector("section.version", SECOND);
const stages = await page.locator("section.version >> nth=0 >> table >> nth=0 >> td.ok").count();
check("an agent's page shows its certification stages A-D passed and its reputation",
  stages === 4 && (await page.textContent("#reputation-heading + table")).includes("bps"));
await shot("07-agent");
await page.click("section.version >> nth=0 >> a:text('report') >> nth=1");
check("a stage's report is served and checked against the attestation's hash",
  (await page.textContent("dl.facts")).includes("verified: its sha256 is the hash the attestation committed to") &&
  (await page.locator("pre.report").count()) === 1);

const noScript = await browser.newContext({ javaScriptEnabled: false });
const plain = await noScript.newPage();
await plain.goto(`${base}/plans/${actionPlan}`);
const plainText = await plain.textContent("main");
check("a plan's page reads without JavaScript: phases, steps, award, guards",
  plainText.includes("Step 0") && plainText.includes("Awarded to") && plainText.includes("Slippage cap") &&
  (await plain.locator(".phases li").count()) === 6);
await plain.goto(`${base}/?goal=${encodeURIComponent(GOAL)}&owner=${ownerAddress}`);
check("the goal preview works as a plain form without JavaScript", (await plain.locator(".preview.ok").count()) === 1);
await noScript.close();

await page.goto(`${base}/plans/${plan}`);
let reached = null;
for (let i = 0; i < 40 && !reached; i++) {
  await page.keyboard.press("Tab");
  reached = await page.evaluate(() => document.activeElement?.dataset?.verb ?? null);
}
check("the plan's actions are reachable with the keyboard", reached !== null);
const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
  .filter((el) => !el.labels?.length && !el.getAttribute("aria-label")).length);
check("every form field has a label", unlabelled === 0);

// --- the close-out from the page ------------------------------------------------------------

await page.waitForSelector("button[data-verb=settle]", MINUTE);
await page.click("button[data-verb=settle]");
await page.waitForSelector("#plan-closed:not([hidden])", MINUTE);
const after = await call("GET", `/api/plans/${plan}`);
check("settled from the page: the plan's account is closed", after.status === 404);
await shot("08-settled");

check("no script error on any page", pageErrors.length === 0, pageErrors.join(" | "));
await browser.close();

// --- the API's limits, last (the client's bucket is shared with the browser's) ----------------

const malformed = await fetch(`${base}/api/plans`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
check("a malformed body is a 400 with a reason", malformed.status === 400 && (await malformed.json()).error === "bad_request");
const unknown = await call("GET", `/api/plans/${Keypair.generate().publicKey.toBase58()}`);
check("an unknown plan is a 404", unknown.status === 404 && unknown.json.error === "not_found");
const notKey = await call("GET", "/api/plans/not-a-key");
check("a plan that is no address is a 400 naming it", notKey.status === 400 && notKey.json.reason.includes("not-a-key"));
const huge = await fetch(`${base}/api/send`, { method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ transactions: ["A".repeat(40_000)], last_valid_block_height: 0 }) });
check("a body over the limit is a 413", huge.status === 413);
const burst = await Promise.all(Array.from({ length: 80 }, () => fetch(`${base}/api/cluster`)));
const limited = burst.find((r) => r.status === 429);
check("a client over its rate gets 429 with Retry-After", limited !== undefined && Number(limited.headers.get("retry-after")) >= 1);
finish();
