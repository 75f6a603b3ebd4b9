// The Solana Actions spec's own shapes as validators, and its SDK's headers: JSON schemas
// generated from the type declarations of @solana/actions-spec (pinned) by
// ts-json-schema-generator, checked with ajv. A response that passes is what the spec's
// TypeScript types accept.
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { createGenerator } from "ts-json-schema-generator";

const SPEC = fileURLToPath(new URL("./node_modules/@solana/actions-spec/index.d.ts", import.meta.url));
const ajv = new Ajv({ allErrors: true, strict: false });
const cache = new Map();

/** A validator of the spec's type `name` (ActionsJson, ActionGetResponse, ...): returns null
 * when `value` conforms, else the errors in words. */
export function shape(name) {
  if (!cache.has(name)) {
    const schema = createGenerator({ path: SPEC, type: name, skipTypeCheck: true, expose: "all" }).createSchema(name);
    cache.set(name, ajv.compile(schema));
  }
  const validate = cache.get(name);
  return (value) => (validate(value) ? null : ajv.errorsText(validate.errors));
}

/** The headers every Actions route and actions.json must carry, as the spec's SDK
 * (@solana/actions, pinned) defines them. */
export { ACTIONS_CORS_HEADERS, BLOCKCHAIN_IDS } from "@solana/actions";
