import ms from 'ms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { openPostgres, poolOf } from '../src/db/postgres.js';
import { checkToken, createToken, hashToken, parseDuration, revokeToken, rotateToken } from '../src/domain/tokens/tokens.js';
import { apiTokens } from '../src/db/schema.js';
import { openTestDatabase, TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';

const START = new Date('2026-11-30T12:00:00.000Z');
const LIST = '{ connectors(first: 2) { edges { node { slug } } } }';
const EXPIRED = (at: string) => ({
  status: 401,
  errors: [
    {
      message: `The API token expired at ${at}: ask for a new one (a rotated token works only for its grace period).`,
      extensions: { code: 'TOKEN_EXPIRED' },
    },
  ],
});

describe('token expiry', () => {
  let h: Harness;
  let clock: Date;
  beforeEach(async () => {
    clock = START;
    h = await createHarness({ now: () => clock });
  });
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  const later = (duration: string) => {
    clock = new Date(clock.getTime() + ms(duration as ms.StringValue));
  };

  it('gives every token 90 days unless told otherwise, and none only when asked for never', async () => {
    const usual = (await createToken(h.db, { name: 'usual', scopes: ['certify'] }, { actor: 'test', now: START })).row;
    expect(usual.expiresAt).toBe(new Date(START.getTime() + ms('90d')).toISOString());
    const short = (await createToken(h.db, { name: 'short', scopes: ['certify'], expiresInMs: ms('2h') }, { actor: 'test', now: START })).row;
    expect(short.expiresAt).toBe('2026-11-30T14:00:00.000Z');
    const forever = (await createToken(h.db, { name: 'forever', scopes: ['certify'], expiresInMs: null }, { actor: 'test', now: START })).row;
    expect(forever.expiresAt).toBeNull();
  });

  it('stores a token only as its SHA-256 hash', async () => {
    const { token } = await createToken(h.db, { name: 'kept', scopes: ['certify'] }, { actor: 'test', now: START });
    const stored = JSON.stringify(await h.db.select().from(apiTokens));
    expect([stored.includes(token), stored.includes(hashToken(token))]).toEqual([false, true]);
  });

  it('refuses a token once it expired, with TOKEN_EXPIRED and when, even for an answer the cache and the fast lane hold', async () => {
    // Made 59.5 minutes ago for an hour: it has 30 seconds left.
    const made = new Date(START.getTime() - ms('59.5m'));
    const { token, row } = await createToken(h.db, { name: 'reader', scopes: ['read:private'], expiresInMs: ms('1h') }, { actor: 'test', now: made });
    const first = await h.gql(LIST, {}, token);
    expect(first.status).toBe(200);
    // The same request again is answered from the response cache (the first answer was made while the
    // token's last use was written, so it was not kept), up to the expiry.
    const again = () =>
      h.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: LIST }),
      });
    const cached = async () => (await again()).headers.get('x-cache');
    const seen = [await cached(), await cached()];
    later('29s');
    seen.push(await cached());
    // Kept by the third ask on either engine (the token's first use is a write, which PostgreSQL's
    // feed may see after the first answer was kept, so the second may miss there).
    expect(seen[0]).toBe('miss');
    expect(seen[2]).toBe('hit');
    later('1s');
    const refused = await h.gql(LIST, {}, token);
    expect({ status: refused.status, errors: refused.errors!.map(({ message, extensions }) => ({ message, extensions: { code: extensions!.code } })) }).toEqual(
      EXPIRED(row.expiresAt!),
    );
    // yoga's own entry (no fast lane) and the registry route say the same.
    const viaYoga = await h.app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: LIST }),
    });
    expect(viaYoga.status).toBe(401);
    expect(((await viaYoga.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('TOKEN_EXPIRED');
    const registry = await h.get('/registries/v0/oss_registry.json', { authorization: `Bearer ${token}` });
    expect(registry.status).toBe(401);
    expect(await registry.json()).toEqual({ error: EXPIRED(row.expiresAt!).errors[0]!.message });
  });

  it('keeps UNAUTHENTICATED for unknown and revoked tokens, whether or not they have expired', async () => {
    const { token } = await createToken(h.db, { name: 'gone', scopes: ['certify'], expiresInMs: ms('1h') }, { actor: 'test', now: START });
    expect(await revokeToken(h.db, 'gone', { actor: 'test' })).toBe(true);
    for (const t of [token, 'crg_unknown', 'not-even-a-token']) {
      const res = await h.gql(LIST, {}, t);
      expect([res.status, res.errors![0]!.extensions!.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
    later('2h');
    expect((await h.gql(LIST, {}, token)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});

describe('token rotation', () => {
  let h: Harness;
  let clock: Date;
  beforeEach(async () => {
    clock = START;
    h = await createHarness({ now: () => clock });
  });
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('issues a new token for the same name, scopes and organization, and keeps the old one for the grace period only', async () => {
    const old = await createToken(h.db, { name: 'ci', scopes: ['certify', 'read:private'], organization: 'globex' }, { actor: 'test', now: START });
    clock = new Date(START.getTime() + ms('1d'));
    const rotated = (await rotateToken(h.db, 'ci', { graceMs: ms('24h'), expiresInMs: ms('30d') }, { actor: 'test', now: clock }))!;
    expect(rotated.token).not.toBe(old.token);
    expect(rotated.row).toMatchObject({
      id: old.row.id,
      name: 'ci',
      scopes: ['certify', 'read:private'],
      organization: 'globex',
      expiresAt: '2026-12-31T12:00:00.000Z',
      previousExpiresAt: '2026-12-02T12:00:00.000Z',
      rotatedAt: '2026-12-01T12:00:00.000Z',
    });
    const me = '{ connectors(first: 1) { edges { node { slug } } } }';
    for (const t of [old.token, rotated.token]) expect((await h.gql(me, {}, t)).status).toBe(200);
    clock = new Date('2026-12-02T11:59:59.999Z');
    expect((await h.gql(me, {}, old.token)).status).toBe(200);
    clock = new Date('2026-12-02T12:00:00.000Z');
    const refused = await h.gql(me, {}, old.token);
    expect([refused.status, refused.errors![0]!.extensions!.code, refused.errors![0]!.message]).toEqual([
      401,
      'TOKEN_EXPIRED',
      EXPIRED('2026-12-02T12:00:00.000Z').errors[0]!.message,
    ]);
    expect((await h.gql(me, {}, rotated.token)).status).toBe(200);
  });

  it('never lets the old token outlive its own expiry, ends it at once with no grace, and rotates no revoked token', async () => {
    const a = await createToken(h.db, { name: 'a', scopes: ['certify'], expiresInMs: ms('1h') }, { actor: 'test', now: START });
    expect((await rotateToken(h.db, 'a', { graceMs: ms('24h') }, { actor: 'test', now: START }))!.row.previousExpiresAt).toBe(a.row.expiresAt);
    const b = await createToken(h.db, { name: 'b', scopes: ['certify'] }, { actor: 'test', now: START });
    await rotateToken(h.db, 'b', { graceMs: 0 }, { actor: 'test', now: START });
    expect((await h.gql(LIST, {}, b.token)).errors![0]!.extensions!.code).toBe('TOKEN_EXPIRED');
    await revokeToken(h.db, 'b', { actor: 'test' });
    expect(await rotateToken(h.db, 'b', { graceMs: 0 }, { actor: 'test' })).toBeNull();
    expect(await rotateToken(h.db, 'nobody', { graceMs: 0 }, { actor: 'test' })).toBeNull();
  });

  it("keeps an organization's token, old and new, away from another organization's private connectors", async () => {
    const REGISTER = `mutation($input: RegisterCustomConnectorInput!) { registerCustomConnector(input: $input) { connector { slug } userErrors { code } } }`;
    const input = (slug: string, organization: string) => ({
      slug,
      name: slug,
      type: 'SOURCE',
      dockerRepository: `registry.example/${slug}`,
      dockerImageTag: '1.0.0',
      availableOn: ['CLOUD'],
      organization,
    });
    const admin = (await createToken(h.db, { name: 'root', scopes: ['admin'] }, { actor: 'test', now: START })).token;
    for (const [slug, org] of [
      ['source-acme-books', 'acme'],
      ['source-globex-ledger', 'globex'],
    ] as const) {
      expect((await h.gql(REGISTER, { input: input(slug, org) }, admin)).data!.registerCustomConnector.userErrors).toEqual([]);
    }
    const old = await createToken(h.db, { name: 'acme-ci', scopes: ['read:private'], organization: 'acme' }, { actor: 'test', now: START });
    const rotated = (await rotateToken(h.db, 'acme-ci', { graceMs: ms('1h') }, { actor: 'test', now: START }))!;
    const seen = '{ a: connector(slug: "source-acme-books") { slug } g: connector(slug: "source-globex-ledger") { slug } }';
    for (const t of [old.token, rotated.token]) {
      expect((await h.gql(seen, {}, t)).data).toEqual({ a: { slug: 'source-acme-books' }, g: null });
    }
  });
});

// Gateways share a database on PostgreSQL. (Two SQLite handles in one process cannot both write: one's
// BEGIN IMMEDIATE waits synchronously for the other, which holds the event loop it would need to finish.)
describe.skipIf(TEST_ENGINE !== 'postgres')('two gateways rotating one token at once', () => {
  it('serialize: both new tokens work, and the token both replaced is refused', async () => {
    const first = await openTestDatabase();
    // A second pool on the same database, as another gateway has.
    const second = openPostgres(poolOf(first).options.connectionString!);
    try {
      const original = await createToken(first, { name: 'shared', scopes: ['certify'] }, { actor: 'test', now: START });
      const rotations = await Promise.all([first, second].map((db) => rotateToken(db, 'shared', { graceMs: ms('1h') }, { actor: 'test', now: START })));
      const [a, b] = rotations.map((r) => r!.token);
      const later = new Date(START.getTime() + ms('1m'));
      const codes = async (token: string) => {
        const check = await checkToken(first, token, later);
        return check.row ? 'ok' : check.refusal.code;
      };
      expect([await codes(original.token), await codes(a!), await codes(b!)]).toEqual(['UNAUTHENTICATED', 'ok', 'ok']);
    } finally {
      await closeDatabase(second);
      await closeDatabase(first);
    }
  });
});

describe('durations', () => {
  it('reads ms syntax, never for a lifetime, and names the option and the rule when it cannot', () => {
    expect(parseDuration('90d', '--expires-in', 'lifetime')).toBe(ms('90d'));
    expect(parseDuration('never', '--expires-in', 'lifetime')).toBeNull();
    expect(parseDuration('0s', '--grace', 'grace')).toBe(0);
    expect(() => parseDuration('soon', '--expires-in', 'lifetime')).toThrow(
      '--expires-in: "soon" is not a duration; give a number and a unit (s, m, h, d, w, y), e.g. 90d or 12h, or never',
    );
    expect(() => parseDuration('90', '--expires-in', 'lifetime')).toThrow('--expires-in: "90" is not a duration');
    expect(() => parseDuration('10s', '--expires-in', 'lifetime')).toThrow('--expires-in: "10s" is out of range; it must be 1m to 5y, or never');
    expect(() => parseDuration('never', '--grace', 'grace')).toThrow('--grace: "never" is not a duration');
    expect(() => parseDuration('31d', '--grace', 'grace')).toThrow('--grace: "31d" is out of range; it must be 0s to 30d');
  });
});
