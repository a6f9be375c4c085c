import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, startServer, tempDir, type RunningServer } from './helpers/process.js';
import { subscribeSse } from './helpers/sse.js';

/** Opens a subscription on the server as a Server-Sent Events stream; checks it is one. */
async function subscribe(url: string, query: string, headers: Record<string, string> = {}) {
  const opened = await subscribeSse((path, init) => fetch(`${url}${path}`, init), query, headers);
  expect(opened.contentType).toContain('text/event-stream');
  return opened;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

describe('live updates over Server-Sent Events', () => {
  let server: RunningServer;
  const env = { DATABASE_PATH: join(tempDir(), 'live.db') };
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    server = await startServer(env);
    for (const [name, scopes, org] of [
      ['bot', 'certify,publish', ''],
      ['acme', 'read:private', 'acme'],
    ] as const) {
      const args = ['dist/src/cli/token.js', 'create', '--name', name, '--scopes', scopes, ...(org ? ['--organization', org] : [])];
      tokens[name] = runNode(args, env).stdout.trim().split('\n').at(-1)!;
    }
  });
  afterAll(async () => {
    await server.stop();
  });

  it('streams a certification and an announcement to subscribers as they happen', async () => {
    const [certs, changes] = await Promise.all([
      subscribe(server.url, 'subscription { certificationEvents { fromLevel toLevel actor connector { slug } } }'),
      subscribe(server.url, 'subscription { breakingChangeAnnounced { version upgradeDeadline connector { slug } } }'),
    ]);
    const post = (query: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.bot}` },
        body: JSON.stringify({ query }),
      }).then((r) => r.json());
    await post(
      'mutation { certifyConnector(input: {connectorSlug: "source-trello", reason: "Certified live, for the stream test."}) { userErrors { code } } }',
    );
    await post(
      'mutation { announceBreakingChange(input: {connectorSlug: "source-trello", version: "9.9.9", upgradeDeadline: "2031-01-01", message: "Announced live, for the stream test."}) { userErrors { code } } }',
    );
    await until(() => certs.received.length > 0 && changes.received.length > 0);
    certs.close();
    changes.close();
    expect(certs.received).toEqual([
      { data: { certificationEvents: { fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', actor: 'bot', connector: { slug: 'source-trello' } } } },
    ]);
    expect(changes.received).toEqual([
      { data: { breakingChangeAnnounced: { version: '9.9.9', upgradeDeadline: '2031-01-01', connector: { slug: 'source-trello' } } } },
    ]);
  });

  it("does not tell other callers about a private connector's changes", async () => {
    const [anonymous, owner] = await Promise.all([
      subscribe(server.url, 'subscription { breakingChangeAnnounced { version connector { slug } } }'),
      subscribe(server.url, 'subscription { breakingChangeAnnounced { version connector { slug } } }', { authorization: `Bearer ${tokens.acme}` }),
    ]);
    const admin = runNode(['dist/src/cli/token.js', 'create', '--name', 'root', '--scopes', 'admin'], env).stdout.trim().split('\n').at(-1)!;
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query:
          'mutation { announceBreakingChange(input: {connectorSlug: "source-acme-billing", version: "1.0.0", upgradeDeadline: "2031-01-01", message: "A private change of acme."}) { userErrors { code } } }',
      }),
    });
    await until(() => owner.received.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    anonymous.close();
    owner.close();
    expect(owner.received).toEqual([{ data: { breakingChangeAnnounced: { version: '1.0.0', connector: { slug: 'source-acme-billing' } } } }]);
    expect(anonymous.received).toEqual([]);
  });
});
