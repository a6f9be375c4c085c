// Fair use through a real listening server: each caller's cost budget (per token, or per client
// address for anonymous callers) is taken by what it asks and restores over time; a burst is refused
// with 429, Retry-After and THROTTLED; every answer, cached or not, reports its cost.
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { apiTokens } from '../src/db/schema.js';
import { setTokenBudget } from '../src/domain/tokens/budget.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { estimateCost } from '../src/graphql/cost.js';
import { buildSchema } from '../src/graphql/schema.js';
import { createClientAddress } from '../src/http/client-address.js';
import { Metrics } from '../src/http/metrics.js';
import { serve, type Served, fastPathOutcomes } from './helpers/harness.js';
import { openTestDatabase } from './helpers/database.js';
import { openEnvDatabase, runNode, tempDir, testEnv } from './helpers/process.js';

// The response cache keeps answers only where the database has a version to key them on: SQLite, for now.
const QUERY = '{ connectors(first: 10) { edges { node { slug } } } }';
const BODY = JSON.stringify({ query: QUERY });
// The estimate the gateway computes for QUERY, computed here from the same schema.
const REQUESTED = estimateCost(buildSchema(), parse(QUERY), null);

interface Answer {
  status: number;
  retryAfter: string | null;
  cache: string | null;
  body: any;
}

const served: Served[] = [];
const databases: Db[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
  await Promise.all(databases.splice(0).map((db) => closeDatabase(db)));
});

/** A seeded gateway with fair use on, on a clock the test moves, served on loopback. */
async function gateway(budget: { maximumAvailable: number; restoreRate: number; trustedProxies?: string[] }, responseCache = true) {
  const db = await openTestDatabase({ seed: 'demo' });
  databases.push(db);
  let time = Date.parse('2026-11-30T12:00:00Z');
  const metrics = new Metrics();
  const app = await createApp({
    db,
    metrics,
    log: () => {},
    webhooks: false,
    now: () => new Date(time),
    responseCache: { enabled: responseCache },
    budget: { trustedProxies: [], ...budget },
  });
  const server = serve(app);
  served.push(server);
  const ask = async (headers: Record<string, string> = {}, body = BODY): Promise<Answer> => {
    const res = await server.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), cache: res.headers.get('x-cache'), body: await res.json() };
  };
  /** How the fast lane answered: cache_hit, executed, passed_on. */
  const outcomes = () => fastPathOutcomes(metrics);
  return { db, ask, outcomes, advance: (seconds: number) => (time += seconds * 1000) };
}

/** Objects QUERY's answer returns: the connection, and each edge with its node. */
const returned = (body: Answer['body']) => 1 + 2 * body.data.connectors.edges.length;

/** Sends QUERY until it is refused (at most `max` times); the answers, the refusal last. */
async function burst(ask: () => Promise<Answer>, max = 50): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < max; i++) {
    const answer = await ask();
    answers.push(answer);
    if (answer.status !== 200) break;
  }
  return answers;
}

describe('fair use', () => {
  it.each([true, false])(
    'charges each answer, cached or run, what it returned, and refuses a burst with 429, Retry-After and THROTTLED (response cache %s)',
    async (cache) => {
      const budget = { maximumAvailable: 5 * REQUESTED, restoreRate: 7 };
      const { ask, outcomes } = await gateway(budget, cache);
      const kept = cache;
      const answers = await burst(() => ask());
      const refused = answers.pop()!;
      let available = budget.maximumAvailable;
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        available -= returned(answer.body);
        expect(answer.body.extensions.cost).toEqual({
          requestedQueryCost: REQUESTED,
          actualQueryCost: returned(answer.body),
          throttleStatus: { ...budget, currentlyAvailable: available },
        });
      }
      // The repeats were answered by the fast lane (from the response cache, or run as a known
      // operation), and were charged all the same.
      expect(answers.slice(1).map((a) => a.cache)).toEqual(answers.slice(1).map(() => (cache ? 'hit' : null)));
      // The first went to yoga, the refusal too (the lane leaves a caller over budget to it).
      expect(await outcomes()).toEqual({ passed_on: 2, [kept ? 'cache_hit' : 'executed']: answers.length - 1 });
      expect(available).toBeLessThan(REQUESTED);
      const retryAfter = Math.ceil((REQUESTED - available) / budget.restoreRate);
      expect(refused).toMatchObject({ status: 429, retryAfter: String(retryAfter) });
      expect(refused.body.errors).toEqual([
        {
          message: `Throttled: the query costs ${REQUESTED} points and ${available} of ${budget.maximumAvailable} are available now (${budget.restoreRate} restore each second). Retry in ${retryAfter} s.`,
          extensions: { code: 'THROTTLED', cost: REQUESTED, currentlyAvailable: available },
        },
      ]);
      expect(refused.body.extensions.cost).toEqual({
        requestedQueryCost: REQUESTED,
        actualQueryCost: null,
        throttleStatus: { ...budget, currentlyAvailable: available },
      });
    },
  );

  it('refuses a query it has not seen before the same way, before running it', async () => {
    const budget = { maximumAvailable: REQUESTED + 5, restoreRate: 1 };
    const { ask } = await gateway(budget, false);
    expect((await ask()).status).toBe(200);
    // Another text: its cost is estimated in the pipeline, not remembered.
    const other = await ask({}, JSON.stringify({ query: QUERY.replace('slug', 'slug name') }));
    expect(other.status).toBe(429);
    expect(other.body.errors[0].extensions.code).toBe('THROTTLED');
    expect(other.body.data).toBeUndefined();
  });

  it('restores the budget over time: after Retry-After seconds the refused query runs', async () => {
    const budget = { maximumAvailable: 2 * REQUESTED, restoreRate: 3 };
    const { ask, advance } = await gateway(budget);
    const refused = (await burst(() => ask())).pop()!;
    expect(refused.status).toBe(429);
    const before = refused.body.extensions.cost.throttleStatus.currentlyAvailable;
    advance(Number(refused.retryAfter) - 1);
    expect((await ask()).status).toBe(429);
    advance(1);
    const again = await ask();
    expect(again.status).toBe(200);
    const restored = Math.min(budget.maximumAvailable, before + Number(refused.retryAfter) * budget.restoreRate);
    expect(again.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(Math.floor(restored - returned(again.body)));
  });

  it("does not refuse one token for another token's burst", async () => {
    const { db, ask } = await gateway({ maximumAvailable: 3 * REQUESTED, restoreRate: 1 });
    const [a, b] = await Promise.all(['token-a', 'token-b'].map(async (name) => (await createToken(db, { name, scopes: ['read:private'] })).token));
    expect((await burst(() => ask({ authorization: `Bearer ${a}` }))).pop()!.status).toBe(429);
    const other = await ask({ authorization: `Bearer ${b}` });
    expect(other.status).toBe(200);
    expect(other.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(3 * REQUESTED - returned(other.body));
    // Nor anonymous callers for a token's.
    expect((await ask()).status).toBe(200);
  });

  it('keeps a budget per client address that a trusted proxy forwards', async () => {
    const { ask } = await gateway({ maximumAvailable: 3 * REQUESTED, restoreRate: 1, trustedProxies: ['127.0.0.0/8'] });
    const from = (address: string) => ({ 'x-forwarded-for': `${address}, 127.0.0.2` });
    expect((await burst(() => ask(from('203.0.113.5')))).pop()!.status).toBe(429);
    const other = await ask(from('203.0.113.6'));
    expect(other.status).toBe(200);
    expect(other.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(3 * REQUESTED - returned(other.body));
    expect((await ask(from('203.0.113.5'))).status).toBe(429);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const { ask } = await gateway({ maximumAvailable: 3 * REQUESTED, restoreRate: 1, trustedProxies: ['10.0.0.0/8'] });
    expect((await burst(() => ask({ 'x-forwarded-for': '203.0.113.5' }))).pop()!.status).toBe(429);
    // Another forwarded address from the same untrusted peer is the same caller: 127.0.0.1.
    expect((await ask({ 'x-forwarded-for': '203.0.113.6' })).status).toBe(429);
    expect((await ask()).status).toBe(429);
  });

  it("applies a token's own budget and restore rate", async () => {
    const { db, ask } = await gateway({ maximumAvailable: 100 * REQUESTED, restoreRate: 1000 });
    const { token, row } = await createToken(db, { name: 'small', scopes: ['read:private'] });
    expect(await setTokenBudget(db, row.name, { budget: REQUESTED + 2, restoreRate: 2 })).toBe(true);
    const first = await ask({ authorization: `Bearer ${token}` });
    expect(first.body.extensions.cost.throttleStatus).toEqual({
      maximumAvailable: REQUESTED + 2,
      restoreRate: 2,
      currentlyAvailable: REQUESTED + 2 - returned(first.body),
    });
    const second = await ask({ authorization: `Bearer ${token}` });
    expect(second.status).toBe(429);
    expect(second.retryAfter).toBe(String(Math.ceil((REQUESTED - (REQUESTED + 2 - returned(first.body))) / 2)));
  });

  it('refuses, as over the limit, a query that costs more than the whole budget', async () => {
    const { ask } = await gateway({ maximumAvailable: REQUESTED - 1, restoreRate: 1 });
    const answer = await ask();
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: REQUESTED, maximumAvailable: REQUESTED - 1 });
  });
});

describe('token:create --budget', () => {
  it('gives a new token its own budget and restore rate, and refuses a bad one before writing', async () => {
    const env = await testEnv({ DATABASE_PATH: join(tempDir('fair-use-'), 'registry.db') });
    const create = (...args: string[]) => runNode(['dist/src/cli/token.js', 'create', '--scopes', 'certify', ...args], env);
    const made = create('--name', 'budgeted', '--budget', '500', '--restore-rate', '5');
    expect(made.stderr).not.toContain('error');
    expect(made.status).toBe(0);
    const bad = create('--name', 'bad', '--budget', '0');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--budget: must be at least 1 point');
    expect(create('--name', 'half', '--restore-rate', '5').stderr).toContain('--restore-rate needs --budget');
    const db = openEnvDatabase(env);
    const rows = await db
      .select({ name: apiTokens.name, budget: apiTokens.costBudget, restoreRate: apiTokens.costRestoreRate })
      .from(apiTokens)
      .orderBy(apiTokens.id);
    await closeDatabase(db);
    expect(rows).toEqual([{ name: 'budgeted', budget: 500, restoreRate: 5 }]);
  });
});

describe('the client address', () => {
  it('believes X-Forwarded-For only as far as the hops are trusted proxies', () => {
    const address = createClientAddress(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(address('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(address('::ffff:127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    // A caller's own entry to the left of an untrusted hop is not believed.
    expect(address('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    expect(address('192.0.2.7', '203.0.113.9')).toBe('192.0.2.7');
    expect(address('::1', 'not-an-address')).toBe('::1');
    expect(createClientAddress([])('127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
    expect(() => createClientAddress(['10.0.0.0/33'])).toThrow(/"10.0.0.0\/33" is not an IP address or CIDR range/);
  });

  it('gives a peer the same normalized address on every request, however it was asked before', () => {
    const address = createClientAddress(['10.0.0.0/8']);
    for (let i = 0; i < 2; i++) {
      expect(address('::ffff:192.0.2.7', undefined)).toBe('192.0.2.7');
      expect(address('not-an-address', undefined)).toBe('not-an-address');
      // A peer asked on its own first, then as a trusted proxy forwarding a client: the client is believed.
      expect(address('10.1.2.3', undefined)).toBe('10.1.2.3');
      expect(address('10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
      expect(address('::ffff:10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    }
  });
});
