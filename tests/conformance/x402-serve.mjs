// A resource server built with the reference middleware (@x402/express + @x402/svm
// ExactSvmScheme, unmodified) that uses OUR facilitator (a vendor's /supported, /verify,
// /settle) over HTTP. It prints "listening <port>" and serves until killed.
// usage: node x402-serve.mjs <facilitator url> <payTo wallet> <mint> <price atoms>
import express from "express";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { ExactSvmScheme } from "@x402/svm/exact/server";
import { SOLANA_DEVNET_CAIP2 } from "@x402/svm";

const [facilitatorUrl, payTo, mint, price] = process.argv.slice(2);
const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl });
const server = new x402ResourceServer(facilitator).register(SOLANA_DEVNET_CAIP2, new ExactSvmScheme());
const app = express();
app.use(
  paymentMiddleware(
    {
      "GET /weather": {
        accepts: {
          scheme: "exact",
          network: SOLANA_DEVNET_CAIP2,
          payTo,
          price: { asset: mint, amount: price },
        },
        description: "Today's weather",
        mimeType: "application/json",
      },
    },
    server,
  ),
);
app.get("/weather", (_req, res) => res.json({ report: { weather: "sunny", temperature: 21 } }));
const listener = app.listen(0, "127.0.0.1", () => console.log(`listening ${listener.address().port}`));
