// The app side of the Wallet Standard (https://github.com/wallet-standard/wallet-standard):
// wallets announce themselves with the `wallet-standard:register-wallet` window event and
// answer `wallet-standard:app-ready`; the page lists those that can connect and sign Solana
// transactions for its chain, connects one (`standard:connect`), and asks it to sign
// (`solana:signTransaction`). Keys never leave the wallet.

const registered = new Set();
const listeners = new Set();

function register(...wallets) {
  const fresh = wallets.filter((w) => !registered.has(w));
  fresh.forEach((w) => registered.add(w));
  if (fresh.length) listeners.forEach((listen) => listen());
  return () => {
    fresh.forEach((w) => registered.delete(w));
    listeners.forEach((listen) => listen());
  };
}

const api = Object.freeze({ register });

class AppReadyEvent extends Event {
  #detail;
  constructor(detail) {
    super('wallet-standard:app-ready', { bubbles: false, cancelable: false, composed: false });
    this.#detail = detail;
  }
  get detail() {
    return this.#detail;
  }
  get type() {
    return 'wallet-standard:app-ready';
  }
}

window.addEventListener('wallet-standard:register-wallet', ({ detail: callback }) => callback(api));
window.dispatchEvent(new AppReadyEvent(api));

const CONNECT = 'standard:connect';
const SIGN = 'solana:signTransaction';

/** Registered wallets that can connect and sign transactions for `chain`. */
export function usableWallets(chain) {
  return [...registered].filter(
    (w) => w.features?.[CONNECT] && w.features?.[SIGN] &&
      (!Array.isArray(w.chains) || w.chains.length === 0 || w.chains.includes(chain)),
  );
}

/** Calls `listen` whenever wallets register or unregister. */
export function onWalletsChanged(listen) {
  listeners.add(listen);
  return () => listeners.delete(listen);
}

/** Connects `wallet` (silently when it allows, for a page reload) and returns its first account. */
export async function connect(wallet, { silent = false } = {}) {
  const { accounts } = await wallet.features[CONNECT].connect({ silent });
  const account = accounts?.[0] ?? wallet.accounts?.[0];
  if (!account) throw new Error(`${wallet.name} offered no account`);
  return account;
}

/** Asks `wallet` to sign `transactions` (wire bytes) with `account` for `chain`: the signed
 * wire bytes, in order. Throws when the user declines. */
export async function signTransactions(wallet, account, transactions, chain) {
  const outputs = await wallet.features[SIGN].signTransaction(
    ...transactions.map((transaction) => ({ account, transaction, chain })),
  );
  return outputs.map((o) => o.signedTransaction);
}
