// Several clients write through two real server processes sharing one SQLite file while the servers
// are killed with SIGKILL at random moments and restarted. Afterwards every acknowledged write must be
// there exactly once, no client may have seen SQLITE_BUSY, and the file must pass integrity_check.
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { seedIfEmpty } from '../seed/index.js';
import { TEST_ENGINE } from './helpers/database.js';
import { startServer, tempDir, type RunningServer } from './helpers/process.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// SQLite's durability: WAL on a file, SQLITE_BUSY and integrity_check after SIGKILL (PostgreSQL's are its own).
describe.skipIf(TEST_ENGINE === 'postgres')('durability under SIGKILL with concurrent writers', () => {
  it('keeps every acknowledged write exactly once, never shows SQLITE_BUSY, and stays intact', async () => {
    const dir = tempDir('registry-crash-');
    const dbPath = join(dir, 'registry.db');
    const setup = openDatabase(dbPath);
    migrateDatabase(setup);
    await seedIfEmpty(setup);
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push((await createToken(setup, { name: `writer-${i}`, scopes: ['certify', 'publish'] })).token);
    setup.$client.close();

    const ports = [await freePort(), await freePort()];
    const env = (port: number) => ({ DATABASE_PATH: dbPath, PORT: String(port), DB_BUSY_TIMEOUT_MS: '10000' });
    const servers: (RunningServer | null)[] = await Promise.all(ports.map((p) => startServer(env(p))));
    const logs: string[] = [];

    const community = SEED_CONNECTORS.filter((c) => c.supportLevel === 'community').map((c) => c.slug);
    const acknowledged = { certified: new Set<string>(), announced: new Set<string>() };
    const problems: string[] = [];
    let stop = false;
    let requests = 0;
    let retries = 0;

    /** Sends one mutation until some server answers it, retrying with the same idempotency key. */
    async function send(client: number, query: string, input: Record<string, unknown>): Promise<any> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const port = ports[(client + attempt) % ports.length];
        try {
          requests++;
          const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client]}` },
            body: JSON.stringify({ query, variables: { input } }),
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          if (/SQLITE_BUSY|database is locked/i.test(text)) problems.push(`client ${client} saw: ${text}`);
          const body = JSON.parse(text);
          if (body.errors) {
            problems.push(`client ${client} got errors: ${text}`);
            return null;
          }
          return body.data;
        } catch {
          // The server died mid-request (or is restarting): the write may or may not have happened,
          // which is what the idempotency key is for. Try again.
          retries++;
          await sleep(50);
        }
      }
      problems.push(`client ${client} gave up`);
      return null;
    }

    async function client(i: number) {
      const mine = community.filter((_, n) => n % 4 === i);
      let seq = 0;
      while (!stop && seq < 2000) {
        seq++;
        await sleep(5); // pace the load so it spans every kill
        const slug = mine[seq % (mine.length + 1)];
        if (slug && !acknowledged.certified.has(slug)) {
          const data = await send(
            i,
            `mutation($input: CertifyConnectorInput!) { certifyConnector(input: $input) { connector { supportLevel } userErrors { code } } }`,
            {
              connectorSlug: slug,
              reason: `Certified by writer ${i} in the crash test.`,
              idempotencyKey: `certify:${slug}`,
            },
          );
          const payload = data?.certifyConnector;
          if (payload && payload.userErrors.length === 0) acknowledged.certified.add(slug);
          else if (payload) problems.push(`certify ${slug}: ${JSON.stringify(payload.userErrors)}`);
        } else {
          const version = `${i + 1}.${seq}.0`;
          const data = await send(
            i,
            `mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { code message } } }`,
            {
              connectorSlug: 'destination-duckdb',
              version,
              upgradeDeadline: '2031-01-01',
              message: `Crash-test change ${version}.`,
              idempotencyKey: `announce:${version}`,
            },
          );
          const payload = data?.announceBreakingChange;
          if (payload && payload.userErrors.length === 0) acknowledged.announced.add(version);
          else if (payload) problems.push(`announce ${version}: ${JSON.stringify(payload.userErrors)}`);
        }
      }
    }

    async function chaos() {
      for (let kill = 0; kill < 5; kill++) {
        await sleep(400 + Math.floor(Math.random() * 800));
        const victim = kill % 2;
        const server = servers[victim]!;
        logs.push(server.output());
        await server.stop('SIGKILL');
        servers[victim] = null;
        await sleep(Math.floor(Math.random() * 200));
        servers[victim] = await startServer(env(ports[victim]!));
      }
      await sleep(500);
      stop = true;
    }

    await Promise.all([chaos(), ...[0, 1, 2, 3].map(client)]);
    for (const s of servers) {
      if (s) {
        logs.push(s.output());
        expect(await s.stop('SIGTERM')).toBe(0);
      }
    }

    expect(problems).toEqual([]);
    // The kills did land on live traffic: some requests failed and were retried with their keys.
    expect(retries).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toMatch(/SQLITE_BUSY|database is locked/i);
    expect(acknowledged.certified.size).toBe(community.length);
    expect(acknowledged.announced.size).toBeGreaterThan(20);

    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const events = db
      .prepare("select c.slug, count(*) n from certification_events e join connectors c on c.id = e.connector_id where e.source = 'mutation' group by c.slug")
      .all() as { slug: string; n: number }[];
    expect(new Map(events.map((e) => [e.slug, e.n]))).toEqual(new Map([...acknowledged.certified].map((s) => [s, 1])));
    const levels = db
      .prepare(`select slug from connectors where support_level = 'certified' and slug in (${community.map(() => '?').join(',')})`)
      .pluck()
      .all(...community);
    expect(new Set(levels)).toEqual(acknowledged.certified);
    const versions = db
      .prepare(
        "select b.version, count(*) n from breaking_changes b join connectors c on c.id = b.connector_id where c.slug = 'destination-duckdb' and b.upgrade_deadline = '2031-01-01' group by b.version",
      )
      .all() as { version: string; n: number }[];
    // Acknowledged announcements are all there once; an unacknowledged one may be there (it committed
    // just before a kill), but never twice.
    for (const v of acknowledged.announced) expect(versions.find((r) => r.version === v)?.n, v).toBe(1);
    expect(versions.every((r) => r.n === 1)).toBe(true);
    db.close();
    console.log(
      `crash test: ${requests} requests (${retries} retried), ${acknowledged.certified.size} certifications, ${acknowledged.announced.size} announcements, 5 SIGKILLs`,
    );
  }, 90_000);
});
