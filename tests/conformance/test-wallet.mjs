// A Wallet Standard wallet for the explorer's browser test, registered with the standard's
// own `registerWallet` (@wallet-standard/wallet) and signing with @solana/web3.js, as browser
// wallets do. It holds the test owner's key (`window.__testWalletSecret`, set by the test
// before this bundle runs); the explorer's page code sees only a registered wallet. The test
// steers it through `window.__testWallet`: `reject` declines the next request, `hold` (a
// promise) delays signing until the test releases it.
import { registerWallet } from "@wallet-standard/wallet";
import { Keypair, VersionedTransaction } from "@solana/web3.js";

const CHAINS = ["solana:localnet", "solana:devnet"];
const keypair = Keypair.fromSecretKey(Uint8Array.from(window.__testWalletSecret));
const account = Object.freeze({
  address: keypair.publicKey.toBase58(),
  publicKey: keypair.publicKey.toBytes(),
  chains: CHAINS,
  features: ["solana:signTransaction"],
});
const control = (window.__testWallet = { reject: false, hold: null, requests: 0, signed: 0 });
const ICON =
  "data:image/svg+xml;base64," +
  btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#888"/></svg>');

class TestWallet {
  version = "1.0.0";
  name = "Test Wallet";
  icon = ICON;
  chains = CHAINS;
  #accounts = [];
  get accounts() {
    return this.#accounts;
  }
  get features() {
    return {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          this.#accounts = [account];
          return { accounts: this.#accounts };
        },
      },
      "standard:events": { version: "1.0.0", on: () => () => {} },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) => {
          control.requests += 1;
          if (control.hold) await control.hold;
          if (control.reject) {
            control.reject = false;
            throw new Error("User rejected the request.");
          }
          return inputs.map(({ transaction, account: signer }) => {
            if (signer.address !== account.address) throw new Error("unknown account");
            const tx = VersionedTransaction.deserialize(transaction);
            tx.sign([keypair]);
            control.signed += 1;
            return { signedTransaction: tx.serialize() };
          });
        },
      },
    };
  }
}

registerWallet(new TestWallet());
