import { join } from 'node:path';
import { userInfo } from 'node:os';
import ms from 'ms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_FAILURES_THRESHOLD } from '../src/domain/audit/auth-failures.js';
import { appendAudit } from '../src/domain/audit/store.js';
import { createToken, hashToken, revokeToken, rotateToken } from '../src/domain/tokens/tokens.js';
import { closeHarness } from './helpers/gateways.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';
import { FIXTURE, importPath } from './helpers/import.js';
import { openTestDatabase } from './helpers/database.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { rawRows, rawRun } from '../src/db/raw.js';
import { apiTokens, importLog } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { eq, sql, type SQL } from 'drizzle-orm';
import { runNodeAsync, tempDir } from './helpers/process.js';

const START = new Date('2026-11-30T12:00:00.000Z');
const CERTIFY = `mutation($input: CertifyConnectorInput!) { certifyConnector(input: $input) { connector { slug } userErrors { code field } } }`;
const REGISTER_WEBHOOK = `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { webhook { id } secret userErrors { code } } }`;
const REGISTER_CUSTOM = `mutation($input: RegisterCustomConnectorInput!) { registerCustomConnector(input: $input) { connector { slug } userErrors { code } } }`;
const AUDIT = `query($filter: AuditLogFilter, $first: Int!, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id at actor action target clientAddress outcome code detail importId } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REASON = 'Passed acceptance tests for 90 days.';

type Row = Record<string, unknown>;
/** Every audit row as stored (column names), its detail parsed: JSON text on SQLite, jsonb on PostgreSQL. */
const auditRowsOf = async (db: Db): Promise<Row[]> =>
  (await rawRows<Row>(db, sql`select * from audit_log order by id`)).map((r) => ({
    ...r,
    detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
  }));
const rows = (h: Harness) => auditRowsOf(h.db);
const tokensOf = (h: Harness) => h.db.select().from(apiTokens).orderBy(apiTokens.id);

describe('the audit log', () => {
  let h: Harness;
  let clock: Date;
  let admin: string;
  beforeEach(async () => {
    clock = START;
    h = await createHarness({ now: () => clock });
    admin = (await createToken(h.db, { name: 'root', scopes: ['admin'] }, { actor: 'test', now: START })).token;
  });
  afterEach(() => closeHarness(h));

  it('refuses UPDATE and DELETE on its rows, whoever asks', async () => {
    await appendAudit(h.db, { actor: 'someone', action: 'token.create', outcome: 'succeeded' });
    const refusal = (query: SQL) =>
      transaction(h.db, (tx) => rawRun(tx, query)).then(
        () => 'allowed',
        (e: Error) => String(e.cause instanceof Error ? e.cause.message : e.message),
      );
    expect(await refusal(sql`update audit_log set actor = 'someone else'`)).toContain('audit_log is append-only: rows cannot be updated');
    expect(await refusal(sql`delete from audit_log`)).toContain('audit_log is append-only: rows cannot be deleted');
    expect((await rows(h)).map((r) => r.actor)).toEqual(['test', 'someone']);
  });

  it('records creating, rotating and revoking a token with who and when, and never the token', async () => {
    const made = await createToken(h.db, { name: 'ci', scopes: ['certify'], organization: 'acme', expiresInMs: ms('30d') }, { actor: 'cli:alice', now: START });
    const rotated = (await rotateToken(h.db, 'ci', { graceMs: ms('1h') }, { actor: 'cli:alice', now: new Date('2026-12-01T00:00:00.000Z') }))!;
    await revokeToken(h.db, 'ci', { actor: 'cli:bob', now: new Date('2026-12-02T00:00:00.000Z') });
    const written = (await rows(h)).slice(1);
    expect(written.map(({ id: _, ...r }) => r)).toEqual([
      {
        at: START.toISOString(),
        actor: 'cli:alice',
        action: 'token.create',
        target: 'ci',
        client_address: null,
        outcome: 'succeeded',
        code: null,
        detail: { scopes: ['certify'], organization: 'acme', expiresAt: made.row.expiresAt },
        import_id: null,
      },
      {
        at: '2026-12-01T00:00:00.000Z',
        actor: 'cli:alice',
        action: 'token.rotate',
        target: 'ci',
        client_address: null,
        outcome: 'succeeded',
        code: null,
        detail: { expiresAt: rotated.row.expiresAt, previousExpiresAt: '2026-12-01T01:00:00.000Z' },
        import_id: null,
      },
      {
        at: '2026-12-02T00:00:00.000Z',
        actor: 'cli:bob',
        action: 'token.revoke',
        target: 'ci',
        client_address: null,
        outcome: 'succeeded',
        code: null,
        detail: {},
        import_id: null,
      },
    ]);
    const text = JSON.stringify(await rows(h));
    for (const secret of [made.token, rotated.token, hashToken(made.token), hashToken(rotated.token)]) expect(text).not.toContain(secret);
  });

  it('records a privileged mutation that succeeded, with its target, client address and input', async () => {
    const certifier = (await createToken(h.db, { name: 'certifier', scopes: ['certify'] }, { actor: 'test', now: START })).token;
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, certifier);
    expect(res.data!.certifyConnector.userErrors).toEqual([]);
    expect((await rows(h)).at(-1)).toEqual({
      id: expect.any(Number),
      at: START.toISOString(),
      actor: 'certifier',
      action: 'certifyConnector',
      target: 'connector:source-faker',
      client_address: '127.0.0.1',
      outcome: 'succeeded',
      code: null,
      detail: { input: { connectorSlug: 'source-faker', reason: REASON } },
      import_id: null,
    });
  });

  it('records a refused mutation, and the refused request writes nothing else', async () => {
    const reader = (await createToken(h.db, { name: 'reader', scopes: ['read:private'] }, { actor: 'test', now: START })).token;
    // Read once first, so the token's last use is already written.
    await h.gql('{ connectors(first: 1) { edges { node { slug } } } }', {}, reader);
    const before = { tables: await snapshot(h.db), tokens: await tokensOf(h), audit: (await rows(h)).length };
    const forbidden = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, reader);
    expect(forbidden.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const anonymous = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } });
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect({ tables: await snapshot(h.db), tokens: await tokensOf(h) }).toEqual({
      tables: before.tables,
      tokens: before.tokens,
    });
    expect((await rows(h)).slice(before.audit).map((r) => [r.actor, r.action, r.target, r.outcome, r.code, r.client_address])).toEqual([
      ['reader', 'certifyConnector', 'source-faker', 'refused', 'FORBIDDEN', '127.0.0.1'],
      [null, 'certifyConnector', 'source-faker', 'refused', 'UNAUTHENTICATED', '127.0.0.1'],
    ]);
  });

  it('records a mutation that failed with the code of its userError', async () => {
    const certifier = (await createToken(h.db, { name: 'certifier', scopes: ['certify'] }, { actor: 'test', now: START })).token;
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: 'short' } }, certifier);
    expect(res.data!.certifyConnector.userErrors).toEqual([{ code: 'VALIDATION', field: ['input', 'reason'] }]);
    const last = (await rows(h)).at(-1)!;
    expect([last.action, last.outcome, last.code, (last.detail as { userErrors: unknown }).userErrors]).toEqual([
      'certifyConnector',
      'failed',
      'VALIDATION',
      [{ code: 'VALIDATION', field: ['input', 'reason'] }],
    ]);
  });

  it('records webhook registration without its secret or the credentials of its URL, and custom connector registration', async () => {
    const hook = await h.gql(REGISTER_WEBHOOK, { input: { url: 'https://user:pass@hooks.example.com/in?sig=abc', events: ['CERTIFICATION'] } }, admin);
    const p = hook.data!.registerWebhook;
    const webhookRow = (await rows(h)).at(-1)!;
    expect([webhookRow.actor, webhookRow.action, webhookRow.outcome]).toEqual(['root', 'registerWebhook', p.userErrors.length ? 'failed' : 'succeeded']);
    if (p.webhook) expect(webhookRow.target).toBe(`webhook:${p.webhook.id}`);
    expect((webhookRow.detail as { input: unknown }).input).toEqual({ url: 'https://hooks.example.com/in', events: ['certification'] });
    const text = JSON.stringify(await rows(h));
    for (const secret of ['pass', 'sig=abc', ...(p.secret ? [p.secret] : [])]) expect(text).not.toContain(secret);

    const input = {
      slug: 'source-acme-books',
      name: 'Acme Books',
      type: 'SOURCE',
      dockerRepository: 'registry.example/books',
      dockerImageTag: '1.0.0',
      availableOn: ['CLOUD'],
      organization: 'acme',
    };
    expect((await h.gql(REGISTER_CUSTOM, { input }, admin)).data!.registerCustomConnector.userErrors).toEqual([]);
    const custom = (await rows(h)).at(-1)!;
    expect([custom.actor, custom.action, custom.target, custom.outcome]).toEqual([
      'root',
      'registerCustomConnector',
      'connector:source-acme-books',
      'succeeded',
    ]);
  });

  it(`writes one row per client address and minute from the ${AUTH_FAILURES_THRESHOLD}th refused token on`, async () => {
    const expired = (
      await createToken(h.db, { name: 'old', scopes: ['certify'], expiresInMs: ms('1m') }, { actor: 'test', now: new Date(START.getTime() - ms('1h')) })
    ).token;
    const query = '{ connectors(first: 1) { edges { node { slug } } } }';
    const bursts = async () => (await rows(h)).filter((r) => r.action === 'auth.failures');
    for (let i = 1; i < AUTH_FAILURES_THRESHOLD; i++) await h.gql(query, {}, 'crg_guess');
    expect(await bursts()).toEqual([]);
    await h.gql(query, {}, expired);
    await h.gql(query, {}, 'crg_guess');
    expect((await bursts()).map(({ id: _, ...r }) => r)).toEqual([
      {
        at: START.toISOString(),
        actor: null,
        action: 'auth.failures',
        target: null,
        client_address: '127.0.0.1',
        outcome: 'refused',
        code: 'TOKEN_EXPIRED',
        detail: {
          failures: AUTH_FAILURES_THRESHOLD,
          codes: { UNAUTHENTICATED: AUTH_FAILURES_THRESHOLD - 1, TOKEN_EXPIRED: 1 },
          windowStart: START.toISOString(),
        },
        import_id: null,
      },
    ]);
    // The next minute counts afresh; the registry route's refusals count too.
    clock = new Date(START.getTime() + ms('1m'));
    for (let i = 0; i < AUTH_FAILURES_THRESHOLD; i++)
      expect((await h.get('/registries/v0/oss_registry.json', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await bursts()).map((r) => [r.at, r.code])).toEqual([
      [START.toISOString(), 'TOKEN_EXPIRED'],
      [clock.toISOString(), 'UNAUTHENTICATED'],
    ]);
  });

  it('records a registry import linked to its import_log row, and a refused one', async () => {
    const db = await openTestDatabase({ seed: 'none' });
    const summary = await importPath(db, FIXTURE.base, { actor: 'alice', auditActor: 'cli:alice' });
    const refused = await importPath(db, FIXTURE.empty, { actor: 'alice', auditActor: 'cli:alice' }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    const written = (await auditRowsOf(db)).map((r) => ({
      actor: r.actor,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      code: r.code,
      import_id: r.import_id,
    }));
    expect(written).toEqual([
      { actor: 'cli:alice', action: 'registry.import', target: FIXTURE.base, outcome: 'succeeded', code: null, import_id: summary.importId },
      { actor: 'cli:alice', action: 'registry.import', target: FIXTURE.empty, outcome: 'refused', code: 'IMPORT_REFUSED', import_id: null },
    ]);
    expect((await db.select({ actor: importLog.actor }).from(importLog).where(eq(importLog.id, summary.importId!)))[0]!.actor).toBe('alice');
    await closeDatabase(db);
  });
});

describe('the auditLog query', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ now: () => START });
  });
  afterEach(() => closeHarness(h));

  it('answers admin tokens only: UNAUTHENTICATED without a token, FORBIDDEN without the admin scope', async () => {
    const certifier = await h.token('certifier', ['certify']);
    const anonymous = await h.gql(AUDIT, { first: 5 });
    const forbidden = await h.gql(AUDIT, { first: 5 }, certifier);
    expect([anonymous.status, anonymous.errors![0]!.extensions!.code, forbidden.status, forbidden.errors![0]!.extensions!.code]).toEqual([
      401,
      'UNAUTHENTICATED',
      403,
      'FORBIDDEN',
    ]);
  });

  it('is never writable through the API: no mutation is named for it', async () => {
    const admin = await h.token('root', ['admin']);
    const fields = await h.gql<{ __type: { fields: { name: string; description: string }[] } }>(
      '{ __type(name: "Mutation") { fields { name description } } }',
      {},
      admin,
    );
    expect(fields.data!.__type.fields.filter((f) => /audit/i.test(f.name))).toEqual([]);
  });

  it('filters by action, actor, outcome and time, newest first, page by page', async () => {
    const admin = (await createToken(h.db, { name: 'root', scopes: ['admin'] }, { actor: 'test', now: START })).token;
    const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
    await appendAudit(h.db, { actor: 'cli:alice', action: 'token.create', target: 'a', outcome: 'succeeded', at: at(1) });
    await appendAudit(h.db, { actor: 'cli:alice', action: 'token.revoke', target: 'a', outcome: 'failed', code: 'NOT_FOUND', at: at(2) });
    await appendAudit(h.db, { actor: 'cli:bob', action: 'token.create', target: 'b', outcome: 'succeeded', at: at(3) });
    await appendAudit(h.db, {
      actor: 'ci',
      action: 'certifyConnector',
      target: 'connector:x',
      clientAddress: '10.0.0.7',
      outcome: 'refused',
      code: 'FORBIDDEN',
      at: at(4),
    });
    const targets = async (filter: Record<string, unknown> | null, first = 10) =>
      ((await h.gql(AUDIT, { filter, first }, admin)).data!.auditLog.edges as { node: { target: string } }[]).map((e) => e.node.target);
    expect(await targets({ action: 'token.create' })).toEqual(['b', 'a', 'root']);
    expect(await targets({ actor: 'cli:alice' })).toEqual(['a', 'a']);
    expect(await targets({ outcome: 'REFUSED' })).toEqual(['connector:x']);
    expect(await targets({ since: at(2).toISOString(), until: at(3).toISOString() })).toEqual(['b', 'a']);
    const page = (await h.gql(AUDIT, { filter: { actor: 'cli:alice' }, first: 1 }, admin)).data!.auditLog;
    expect([page.totalCount, page.pageInfo.hasNextPage, page.edges[0].node]).toEqual([
      2,
      true,
      {
        id: expect.any(String),
        at: at(2).toISOString(),
        actor: 'cli:alice',
        action: 'token.revoke',
        target: 'a',
        clientAddress: null,
        outcome: 'FAILED',
        code: 'NOT_FOUND',
        detail: {},
        importId: null,
      },
    ]);
    const next = (await h.gql(AUDIT, { filter: { actor: 'cli:alice' }, first: 1, after: page.pageInfo.endCursor }, admin)).data!.auditLog;
    expect([next.edges.map((e: { node: { action: string } }) => e.node.action), next.pageInfo.hasNextPage]).toEqual([['token.create'], false]);
  });
});

describe('the command line', () => {
  it('audits token:create, rotate and revoke as the user running them, and exports the log as JSON lines', async () => {
    const env = { DATABASE_PATH: join(tempDir(), 'registry.db') };
    const token = (args: string[]) => runNodeAsync(['dist/src/cli/token.js', ...args], env);
    const bad = await token(['create', '--name', 'ci', '--scopes', 'certify', '--expires-in', 'soon']);
    expect([bad.status, bad.stderr.trim().split('\n').at(-1)]).toEqual([
      1,
      `error: option '--expires-in <duration>' argument 'soon' is invalid. "soon" is not a duration; give a number and a unit (s, m, h, d, w, y), e.g. 90d or 12h, or never`,
    ]);
    const made = await token(['create', '--name', 'ci', '--scopes', 'certify', '--expires-in', 'never']);
    expect(made.stdout).toContain('Created token "ci" with scopes certify, never expires.');
    expect((await token(['rotate', '--name', 'ci', '--grace', '1h', '--expires-in', '30d'])).stdout).toMatch(
      /^Rotated token "ci": the old one works until \S+; the new one expires \S+\./,
    );
    const listed = await token(['list']);
    expect(listed.stdout).toMatch(/^ci\tcertify\t-\tactive, expires \S+ \(the token it replaced works until \S+\)\tcreated /);
    expect((await token(['revoke', '--name', 'ci'])).status).toBe(0);
    expect((await token(['revoke', '--name', 'ci'])).status).toBe(1);

    const exported = await runNodeAsync(['bin/registry.js', 'audit', '--json-lines', '--since', '2000-01-01'], env);
    expect(exported.status, exported.stderr).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const actor = `cli:${userInfo().username}`;
    expect(lines.map((l) => [l.actor, l.action, l.target, l.outcome, l.code])).toEqual([
      [actor, 'token.create', 'ci', 'succeeded', null],
      [actor, 'token.rotate', 'ci', 'succeeded', null],
      [actor, 'token.revoke', 'ci', 'succeeded', null],
      [actor, 'token.revoke', 'ci', 'failed', 'NOT_FOUND'],
    ]);
    const none = await runNodeAsync(['bin/registry.js', 'audit', '--json-lines', '--since', '2999-01-01'], env);
    expect([none.status, none.stdout]).toEqual([0, '']);
    const wrong = await runNodeAsync(['bin/registry.js', 'audit', '--since', 'yesterday'], env);
    expect(wrong.stderr).toContain("option '--since <time>' argument 'yesterday' is invalid. must be an ISO-8601 date or time");
  });
});
