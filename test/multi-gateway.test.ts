// Two real gateway processes on one PostgreSQL database, asked over HTTP as a load balancer would: what one
// writes the other serves within a second, events and webhooks cross between them, races have one winner,
// and a gateway killed outright loses nothing it acknowledged.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_ENGINE, testCluster } from './helpers/database.js';
import { describeWithPostgres } from './helpers/postgres.js';
import { ROOT, runNodeAsync, SERVER_ENTRY } from './helpers/process.js';
import { subscribeSse } from './helpers/sse.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
const describeHere = TEST_ENGINE === 'postgres' ? describeWithPostgres : describeWithPostgres.skip;

interface Gateway {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Gateway>();

async function startGateway(name: string, env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SECRETS_KEY: KEY, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway ${name} did not start in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`gateway ${name} exited before listening:\n${out}`));
    });
  });
  const gateway: Gateway = {
    name,
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      running.delete(gateway);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  running.add(gateway);
  return gateway;
}

async function gql(gateway: Gateway, query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string }[] };
}

/** Polls `check` every 25 ms for at most `ms`; how long it took, or throws naming `what`. */
async function within(ms: number, what: string, check: () => boolean | Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start <= ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

const CERTIFY = `mutation ($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) { connector { slug supportLevel revision } event { id } replayed userErrors { code message } }
}`;
const LEVEL = 'query ($slug: String!) { connector(slug: $slug) { supportLevel revision } }';
const ANNOUNCE = `mutation ($input: AnnounceBreakingChangeInput!) {
  announceBreakingChange(input: $input) { breakingChange { version } userErrors { code message } }
}`;
const REASON = 'Vendor-maintained now, with tests and an on-call rotation.';

describeHere('two gateways on one PostgreSQL database', () => {
  let url: string;
  let env: Record<string, string>;
  let a: Gateway;
  let b: Gateway;
  let token: string;
  let admin: pg.Client;

  beforeAll(async () => {
    url = await (await testCluster()).createDatabase();
    env = { DATABASE_URL: url, SEED: 'demo', WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '100' };
    // Both start at once: one migrates and seeds, the other waits for its locks and finds it done.
    [a, b] = await Promise.all([startGateway('A', env), startGateway('B', env)]);
    const created = await runNodeAsync(['dist/src/cli/token.js', 'create', '--name', 'bot', '--scopes', 'certify,publish,admin'], env);
    expect(created.status, created.stderr).toBe(0);
    token = created.stdout.trim().split('\n').at(-1)!;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    for (const g of [...running]) await g.stop('SIGKILL');
  });

  it('a certification on A is served by B within a second', async () => {
    const before = await gql(b, LEVEL, { slug: 'source-faker' });
    expect(before.data.connector.supportLevel).toBe('COMMUNITY');
    const done = await gql(a, CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, token);
    expect(done.data.certifyConnector.userErrors).toEqual([]);
    await within(1000, 'B serves the certification', async () => (await gql(b, LEVEL, { slug: 'source-faker' })).data.connector.supportLevel === 'CERTIFIED');
  });

  it("an SSE subscriber on B hears A's event within a second, and one it missed while B's listener was cut off", async () => {
    const events = await subscribeSse(
      (path, init) => fetch(`${b.url}${path}`, init),
      'subscription { breakingChangeAnnounced { version connector { slug } } }',
    );
    expect(events.contentType).toContain('text/event-stream');
    await new Promise((r) => setTimeout(r, 200));
    const first = await gql(
      a,
      ANNOUNCE,
      { input: { connectorSlug: 'source-faker', version: '90.0.0', upgradeDeadline: '2027-09-01', message: 'The first announcement of this test.' } },
      token,
    );
    expect(first.data.announceBreakingChange.userErrors).toEqual([]);
    await within(1000, 'B hears the first announcement', () => events.received.length === 1);
    const killed = await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name like '%(outbox feed)'",
    );
    expect(killed.rowCount).toBe(2);
    const second = await gql(
      a,
      ANNOUNCE,
      { input: { connectorSlug: 'source-faker', version: '91.0.0', upgradeDeadline: '2027-09-01', message: 'The second announcement of this test.' } },
      token,
    );
    expect(second.data.announceBreakingChange.userErrors).toEqual([]);
    await within(6000, 'B hears the announcement made while it could not listen', () => events.received.length === 2);
    expect(events.received.map((e) => e.data.breakingChangeAnnounced.version)).toEqual(['90.0.0', '91.0.0']);
    events.close();
  });

  it('concurrent certifications of one connector on A and B: exactly one wins', async () => {
    const slug = 'source-asana';
    const { revision } = (await gql(a, LEVEL, { slug })).data.connector;
    const tries = Array.from({ length: 6 }, (_, i) =>
      gql(i % 2 ? b : a, CERTIFY, { input: { connectorSlug: slug, reason: REASON, expectedRevision: revision } }, token),
    );
    const results = (await Promise.all(tries)).map((r) => r.data.certifyConnector);
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(
      results.filter((r) => r.userErrors.length > 0).every((r) => ['STALE_REVISION', 'INVALID_TRANSITION', 'CONFLICT'].includes(r.userErrors[0].code)),
    ).toBe(true);
    const events = await admin.query(
      "select count(*)::int as n from certification_events e join connectors c on c.id = e.connector_id where c.slug = 'source-asana'",
    );
    expect(events.rows[0].n).toBe(1);
  });

  it('an idempotency key used on A and replayed on B is replayed, not applied twice', async () => {
    const input = { connectorSlug: 'source-pokeapi', reason: REASON, idempotencyKey: 'deploy-77:certify' };
    const first = (await gql(a, CERTIFY, { input }, token)).data.certifyConnector;
    expect(first).toMatchObject({ replayed: false, userErrors: [] });
    const again = (await gql(b, CERTIFY, { input }, token)).data.certifyConnector;
    expect(again).toEqual({ ...first, replayed: true });
    const events = await admin.query(
      "select count(*)::int as n from certification_events e join connectors c on c.id = e.connector_id where c.slug = 'source-pokeapi'",
    );
    expect(events.rows[0].n).toBe(1);
  });
});

describeHere('webhooks with two gateways', () => {
  let receiver: Server;
  let hooks: string;
  const requests: { id: string; ok: boolean }[] = [];
  let hold = true;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      const id = String(req.headers['x-registry-delivery'] ?? req.headers['x-webhook-delivery'] ?? '');
      req.resume();
      // The first request is held unanswered: its sender is killed mid-delivery.
      if (hold) {
        hold = false;
        requests.push({ id, ok: false });
        return;
      }
      requests.push({ id, ok: true });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    for (const g of [...running]) await g.stop('SIGKILL');
  });

  it('one delivery per event, finished by the survivor when the sender dies mid-delivery', async () => {
    const url = await (await testCluster()).createDatabase();
    const env = { DATABASE_URL: url, SEED: 'demo', WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '100' };
    const [a, b] = await Promise.all([startGateway('A', env), startGateway('B', env)]);
    const created = await runNodeAsync(['dist/src/cli/token.js', 'create', '--name', 'ops', '--scopes', 'certify,admin'], env);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const registered = await gql(
      a,
      'mutation ($input: RegisterWebhookInput!) { registerWebhook(input: $input) { webhook { id } userErrors { message } } }',
      { input: { url: hooks, events: ['CERTIFICATION'] } },
      token,
    );
    expect(registered.data.registerWebhook.userErrors).toEqual([]);
    const done = await gql(b, CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, token);
    expect(done.data.certifyConnector.userErrors).toEqual([]);
    await within(5000, 'a gateway starts the delivery', () => requests.length === 1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ lease_owner: string }>('select lease_owner from webhook_deliveries');
      expect(rows).toHaveLength(1);
      const sender = [a, b].find((g) => rows[0]!.lease_owner.includes(`pid ${g.child.pid}`))!;
      expect(sender).toBeDefined();
      await sender.stop('SIGKILL');
      await within(15_000, 'the survivor delivers it', () => requests.some((r) => r.ok));
      // The receiver answered; the survivor records it right after.
      await within(
        5000,
        'the delivery is recorded',
        async () => (await admin.query("select 1 from webhook_deliveries where status = 'delivered'")).rowCount === 1,
      );
      const after = await admin.query<{ status: string; n: number }>('select status, count(*)::int as n from webhook_deliveries group by status');
      expect(after.rows).toEqual([{ status: 'delivered', n: 1 }]);
      expect(requests.filter((r) => r.ok)).toHaveLength(1);
      expect(new Set(requests.map((r) => r.id)).size).toBe(1);
    } finally {
      await admin.end();
    }
  }, 40_000);
});

describeHere('a gateway killed under concurrent writes', () => {
  it('loses no write it acknowledged', async () => {
    const url = await (await testCluster()).createDatabase();
    const env = { DATABASE_URL: url, SEED: 'demo' };
    const [a, b] = await Promise.all([startGateway('A', env), startGateway('B', env)]);
    const created = await runNodeAsync(['dist/src/cli/token.js', 'create', '--name', 'pub', '--scopes', 'publish'], env);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const acknowledged: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 200; i++) {
        const version = `${100 + w}.${i}.0`;
        const answer = await gql(
          a,
          ANNOUNCE,
          { input: { connectorSlug: 'source-faker', version, upgradeDeadline: '2027-09-01', message: 'An announcement written under load.' } },
          token,
        ).catch(() => null);
        if (!answer) return;
        if (answer.data?.announceBreakingChange?.userErrors?.length === 0) acknowledged.push(version);
      }
    });
    await within(20_000, 'some writes are acknowledged', () => acknowledged.length >= 20);
    await a.stop('SIGKILL');
    await Promise.all(writers);
    const served = await gql(b, 'query { connector(slug: "source-faker") { breakingChanges { version } } }');
    const versions = new Set((served.data.connector.breakingChanges as { version: string }[]).map((c) => c.version));
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    expect(acknowledged.filter((v) => !versions.has(v))).toEqual([]);
    await b.stop();
  }, 60_000);
});
