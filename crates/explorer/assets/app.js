// The explorer's pages, enhanced: the wallet (Wallet Standard), the goal's live preview and
// the plan's creation, the plan's live status (server-sent events), the owner's actions signed
// in the wallet, and receipts verified in the browser. Every page reads fine without it.
import { b64decode, b64encode } from './base58.js';
import { verifyReceiptFile } from './verify.js';
import { connect, onWalletsChanged, signTransactions, usableWallets } from './wallet.js';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
const CHAIN = meta('agentrunner-chain');
const RPC = meta('agentrunner-rpc');
const RECEIPTS_PROGRAM = meta('agentrunner-receipts-program');
const REMEMBERED = 'agentrunner.wallet';

const session = { wallet: null, account: null };
const $ = (id) => document.getElementById(id);

function say(target, text, kind = 'info') {
  if (!target) return;
  target.textContent = text;
  target.dataset.kind = kind;
}

/** The user said no in the wallet. */
class Declined extends Error {}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.reason ?? answer.message ?? `${response.status}`);
  return answer;
}

/** Signs `toSign` (from one of the API's verbs) in the connected wallet and lands it. */
async function signAndSend(toSign, status) {
  if (!session.account) throw new Error('Connect a wallet first.');
  if (toSign.signer !== session.account.address) {
    throw new Error(`This must be signed by ${toSign.signer}; the connected account is ${session.account.address}.`);
  }
  say(status, `Asking ${session.wallet.name} to sign: ${toSign.message}…`);
  let signed;
  try {
    signed = await signTransactions(session.wallet, session.account, toSign.transactions.map(b64decode), CHAIN);
  } catch (e) {
    throw new Declined(`You declined to sign in ${session.wallet.name} (${e.message}): nothing was sent.`);
  }
  say(status, `Signed ${signed.length} transaction(s); sending…`);
  return post('/api/send', {
    transactions: signed.map(b64encode),
    last_valid_block_height: toSign.last_valid_block_height,
  });
}

// --- the wallet box in the header -------------------------------------------------------------

function short(address) {
  return `${address.slice(0, 4)}…${address.slice(-4)}`;
}

function showWallet() {
  const wallets = usableWallets(CHAIN);
  const picker = $('wallet-picker');
  const connected = Boolean(session.account);
  $('no-wallet').hidden = connected || wallets.length > 0;
  $('connect').hidden = connected || wallets.length === 0;
  picker.hidden = connected || wallets.length < 2;
  picker.replaceChildren(...wallets.map((w) => new Option(w.name, w.name)));
  $('account').hidden = !connected;
  $('disconnect').hidden = !connected;
  if (connected) {
    $('account').textContent = `${session.wallet.name}: ${short(session.account.address)}`;
    $('account').title = session.account.address;
  }
  const plans = $('nav-plans');
  if (plans) plans.href = connected ? `/plans?owner=${session.account.address}` : '/plans';
  const params = new URLSearchParams(window.location.search);
  if (connected && window.location.pathname === '/plans' && !params.get('owner')) {
    window.location.replace(`/plans?owner=${session.account.address}`);
  }
  document.dispatchEvent(new CustomEvent('agentrunner:account'));
}

async function connectWallet(wallet, silent) {
  const account = await connect(wallet, { silent });
  session.wallet = wallet;
  session.account = account;
  sessionStorage.setItem(REMEMBERED, wallet.name);
  showWallet();
}

function setUpWallet() {
  if (!$('wallet')) return;
  $('no-wallet').textContent = 'No wallet found: install a Solana wallet that supports the Wallet Standard.';
  $('connect').addEventListener('click', async () => {
    const wallets = usableWallets(CHAIN);
    const chosen = wallets.find((w) => w.name === $('wallet-picker').value) ?? wallets[0];
    try {
      await connectWallet(chosen, false);
    } catch (e) {
      say($('wallet-status'), `Not connected: ${e.message}`, 'error');
    }
  });
  $('disconnect').addEventListener('click', () => {
    session.wallet = null;
    session.account = null;
    sessionStorage.removeItem(REMEMBERED);
    showWallet();
  });
  const reconnect = () => {
    const remembered = sessionStorage.getItem(REMEMBERED);
    const wallet = usableWallets(CHAIN).find((w) => w.name === remembered);
    if (wallet && !session.account) connectWallet(wallet, true).catch(() => {});
  };
  onWalletsChanged(() => {
    showWallet();
    reconnect();
  });
  showWallet();
  reconnect();
}

// --- the goal page --------------------------------------------------------------------------

function setUpGoal() {
  const form = $('goal-form');
  if (!form) return;
  const goal = $('goal');
  const preview = $('preview');
  const create = $('create');
  const status = $('create-status');
  let timer;
  let asked = 0;
  const ready = () => {
    create.disabled = !(session.account && preview.querySelector('.preview.ok'));
    create.title = session.account ? '' : 'Connect a wallet to create the plan';
  };
  const refresh = async () => {
    const ask = ++asked;
    const owner = session.account?.address ?? '';
    $('owner').value = owner;
    if (!goal.value.trim()) {
      preview.replaceChildren();
      ready();
      return;
    }
    const url = `/fragments/draft?goal=${encodeURIComponent(goal.value)}&owner=${owner}`;
    const response = await fetch(url);
    if (ask !== asked) return;
    preview.innerHTML = await response.text();
    ready();
  };
  goal.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });
  for (const example of document.querySelectorAll('button.example')) {
    example.addEventListener('click', () => {
      goal.value = example.textContent;
      refresh();
    });
  }
  document.addEventListener('agentrunner:account', refresh);
  create.addEventListener('click', async () => {
    create.disabled = true;
    try {
      say(status, 'Checking the plan and its RFPs with the programs\' rules…');
      const toSign = await post('/api/plans', { goal: goal.value, account: session.account.address });
      await signAndSend(toSign, status);
      say(status, 'Created; opening the plan…', 'ok');
      window.location.href = `/plans/${toSign.plan}`;
    } catch (e) {
      say(status, e.message, 'error');
      ready();
    }
  });
  ready();
}

// --- the plan page --------------------------------------------------------------------------

/** Shows what a receipt file says about where its proof leads (what it shows — keys,
 * hashes, a tree size — parses exactly as JSON). */
function showFile(receipt, text) {
  const file = JSON.parse(text);
  receipt.querySelector('.period-root').textContent = file.period_root ?? 'not anchored yet';
  if (!file.proof) return;
  receipt.querySelector('.proof .root').textContent = file.proof.root;
  receipt.querySelector('.proof .tree-size').textContent = String(file.proof.tree_size);
  receipt.querySelector('.proof summary').firstChild.textContent = `${file.proof.nodes.length} nodes to root `;
  const nodes = receipt.querySelector('.proof .nodes');
  nodes.replaceChildren(...file.proof.nodes.map((n) => {
    const item = document.createElement('li');
    const code = document.createElement('code');
    code.textContent = n;
    item.append(code);
    return item;
  }));
}

/** Verifies a receipt in this browser: first its latest file (a proof against its PeriodRoot
 * once its period is anchored) replaces the one shown, then every check runs here. */
async function verify(button, plan) {
  const receipt = button.closest('.receipt');
  const out = receipt.querySelector('.verdict');
  const holder = receipt.querySelector('script.receipt-file');
  button.disabled = true;
  delete out.dataset.verdict;
  say(out, 'Reading the receipt\'s latest file…');
  const latest = await fetch(`/api/plans/${plan}/receipts/${receipt.dataset.leaf}`).catch(() => null);
  if (latest?.ok) {
    holder.textContent = await latest.text();
    showFile(receipt, holder.textContent);
  }
  say(out, 'Verifying in this browser…');
  const { verdict, checks } = await verifyReceiptFile(holder.textContent, { rpcUrl: RPC, receiptsProgram: RECEIPTS_PROGRAM });
  const list = document.createElement('ul');
  for (const c of checks) {
    const item = document.createElement('li');
    item.dataset.ok = c.ok === null ? 'n/a' : String(c.ok);
    item.textContent = `${c.ok === null ? '–' : c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`;
    list.append(item);
  }
  const headline = document.createElement('p');
  headline.className = 'headline';
  headline.textContent = {
    verified: 'Verified: this receipt is in a period root anchored on-chain.',
    'not anchored': 'Valid, but its period is not anchored yet: verify again after the anchorer runs.',
    rejected: 'Rejected.',
  }[verdict];
  out.replaceChildren(headline, list);
  out.dataset.kind = verdict === 'rejected' ? 'error' : verdict === 'verified' ? 'ok' : 'info';
  out.dataset.verdict = verdict;
  button.disabled = false;
}

function setUpPlan() {
  const root = $('plan');
  if (!root) return;
  const plan = root.dataset.plan;
  const sections = $('sections');
  const status = $('action-status');
  let version = null;
  let executions = 0;
  let catchingUp = null;
  let shown = null;
  const refresh = async () => {
    const response = await fetch(`/plans/${plan}/sections`);
    if (response.status === 404) return closed();
    if (!response.ok) return;
    const html = await response.text();
    // Unchanged: keep the page as the user left it (open drawers, verdicts shown).
    if (html !== shown) {
      shown = html;
      // The drawers open now, read after the fetch: one opened meanwhile stays open.
      const open = [...sections.querySelectorAll('details[open]')].map((d) => d.id);
      sections.innerHTML = html;
      for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    }
    // Receipts reach the receipts API a moment after their executions land: read again
    // until every execution's receipt is shown.
    clearTimeout(catchingUp);
    if (sections.querySelectorAll('.receipt').length < executions) catchingUp = setTimeout(refresh, 1500);
  };
  const closed = () => {
    sections.replaceChildren();
    $('plan-closed').hidden = false;
  };
  const events = new EventSource(`/api/plans/${plan}/events`);
  events.addEventListener('status', (event) => {
    const live = JSON.parse(event.data);
    executions = live.steps.reduce((n, step) => n + step.executions, 0);
    if (live.version !== version) {
      version = live.version;
      refresh();
      return;
    }
    for (const step of live.steps) {
      const reason = sections.querySelector(`.reason[data-step="${step.step}"]`);
      if (reason) reason.textContent = step.reason;
    }
  });
  events.addEventListener('closed', () => {
    events.close();
    closed();
  });
  sections.addEventListener('click', async (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.classList.contains('verify')) return verify(button, plan);
    const verb = button.dataset.verb;
    if (!verb) return;
    button.disabled = true;
    try {
      if (!session.account) throw new Error('Connect a wallet first.');
      const toSign = await post(`/api/plans/${plan}/${verb}`, {
        account: session.account.address,
        ...(button.dataset.offer ? { offer: button.dataset.offer } : {}),
      });
      const { signatures } = await signAndSend(toSign, status);
      say(status, `Done (${verb}): ${signatures.join(', ')}`, 'ok');
      await refresh();
    } catch (e) {
      say(status, e.message, e instanceof Declined ? 'declined' : 'error');
      button.disabled = false;
    }
  });
}

setUpWallet();
setUpGoal();
setUpPlan();
