// Fedify 1.5 (draft-cavage signatures, as Mastodon), on the machine's Node 20.
import { Temporal } from "@js-temporal/polyfill";
import * as fedify from "@fedify/fedify";

import { startPeer } from "./fedify_peer_core.mjs";

await startPeer(fedify, fedify, Temporal);
