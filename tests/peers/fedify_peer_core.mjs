// A Mastodon-like account ("alice") served by Fedify on 127.0.0.1, for blogcms's
// federation tests. Fedify verifies every signature it receives (our Accept and Create are
// checked against the blog's key, fetched from the blog) and signs all it sends.
//
// Shared by both Fedify versions the tests run: tests/peers/fedify_peer.mjs (Fedify 1.5,
// draft-cavage signatures) and tests/peers/fedify2/fedify_peer.mjs (Fedify 2, RFC 9421
// first). Each passes in its own modules. Prints {"port": N} once listening. A small
// control API (/_control/...) lets the test drive alice: follow, reply, edit, delete, and
// read what reached her inbox.
import http from "node:http";

export async function startPeer(fedify, vocab, Temporal) {
  const { createFederation, generateCryptoKeyPair, MemoryKvStore } = fedify;
  const {
    Accept, Create, Delete, Endpoints, Follow, Note, Person, PUBLIC_COLLECTION, Reject,
    Tombstone, Undo, Update,
  } = vocab;
  const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });
  const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const inbox = [];
  const remember = async (ctx, activity) => {
    inbox.push(await activity.toJsonLd({ format: "compact" }));
  };

  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (identifier !== "alice") return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: "Alice Fedify",
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((key) => key.multikey),
      });
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => (identifier === "alice" ? [keyPair] : []));

  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Accept, remember)
    .on(Reject, remember)
    .on(Create, remember)
    .on(Update, remember)
    .on(Delete, remember);

  let counter = 0;
  const sender = { identifier: "alice" };

  async function control(ctx, action, args) {
    const me = ctx.getActorUri("alice");
    const blog = args.blog ? await ctx.lookupObject(args.blog) : null;
    if (args.blog && blog == null) throw new Error(`cannot look up ${args.blog}`);
    const noteId = (n) => new URL(`/users/alice/notes/${n}`, me);
    switch (action) {
      case "follow": {
        const follow = new Follow({ id: new URL(`#follow-${++counter}`, me), actor: me, object: blog.id });
        await ctx.sendActivity(sender, blog, follow);
        return { id: follow.id.href };
      }
      case "unfollow": {
        const follow = new Follow({ id: new URL(args.follow), actor: me, object: blog.id });
        await ctx.sendActivity(sender, blog, new Undo({ id: new URL(`#undo-${++counter}`, me), actor: me, object: follow }));
        return {};
      }
      case "reply":
      case "edit": {
        const note = new Note({
          id: args.noteId ? new URL(args.noteId) : noteId(args.note),
          attribution: me,
          content: args.content,
          replyTarget: new URL(args.inReplyTo),
          to: PUBLIC_COLLECTION,
          ccs: [blog.id],
          published: Temporal.Now.instant(),
        });
        const Kind = action === "reply" ? Create : Update;
        const activity = new Kind({
          id: new URL(`/users/alice/activities/${++counter}`, me),
          actor: me,
          object: note,
          to: PUBLIC_COLLECTION,
          ccs: [blog.id],
        });
        await ctx.sendActivity(sender, blog, activity);
        return { id: note.id.href };
      }
      case "delete": {
        const activity = new Delete({
          id: new URL(`/users/alice/activities/${++counter}`, me),
          actor: me,
          object: new Tombstone({ id: new URL(args.noteId) }),
          to: PUBLIC_COLLECTION,
        });
        await ctx.sendActivity(sender, blog, activity);
        return {};
      }
      default:
        throw new Error(`unknown action ${action}`);
    }
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, `http://${req.headers.host}`);
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      if (url.pathname === "/_control/inbox") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(inbox));
        return;
      }
      if (url.pathname.startsWith("/_control/")) {
        const ctx = federation.createContext(new URL(`http://${req.headers.host}/`), undefined);
        const result = await control(ctx, url.pathname.slice(10), JSON.parse(body.toString() || "{}"));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(result));
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const request = new Request(url, {
        method: req.method,
        headers,
        body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
      });
      const response = await federation.fetch(request, { contextData: undefined });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(error?.stack ?? error));
    }
  });

  server.listen(0, "127.0.0.1", () => {
    console.log(JSON.stringify({ port: server.address().port }));
  });
}
