/** @module The README example, type-checked with the tests. */
import {
  createAuthBus,
  parseWWWAuthenticate,
  readOAuthChallenge,
  selectOAuthChallenge,
} from "../src/index.js";

const header = 'DPoP algs="ES256", Bearer error="insufficient_scope", scope="files.read files.write"';
const challenge = selectOAuthChallenge(parseWWWAuthenticate(header)); // the Bearer one
const { error, scope } = readOAuthChallenge(challenge ?? { scheme: "bearer", params: {} });
console.log(error, scope); // "insufficient_scope" ["files.read", "files.write"]

const bus = createAuthBus();
bus.on("challenge", (event) => console.log(event.serverName, event.status, event.oauth?.error));
bus.on("handler.failed", ({ event, error: failure }) =>
  console.warn(`${event} handler failed: ${failure.message}`),
);
