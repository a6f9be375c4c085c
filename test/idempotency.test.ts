import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/client.js';
import { breakingChanges, certificationEvents, connectors } from '../src/db/schema.js';
import { closeHarness, type Gateway, secondGateway } from './helpers/gateways.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

const CERTIFY = `mutation($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) { connector { slug supportLevel revision } event { id actor } replayed userErrors { code field message } }
}`;
const ANNOUNCE = `mutation($input: AnnounceBreakingChangeInput!) {
  announceBreakingChange(input: $input) { breakingChange { version } connector { revision } replayed userErrors { code message } }
}`;
const REASON = 'Passed acceptance tests for 90 days.';
const NOW = () => new Date('2026-11-24T12:00:00Z');

const eventsBy = async (db: Db, actor: string) => (await db.select({ n: count() }).from(certificationEvents).where(eq(certificationEvents.actor, actor)))[0]!.n;

describe('idempotency keys', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await createHarness({ now: NOW });
    token = await h.token('ci', ['certify', 'publish']);
  });
  afterEach(() => closeHarness(h));

  it('returns the first result to a retry with the same key, and writes once', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'run-1842:certify' };
    const first = await h.gql(CERTIFY, { input }, token);
    expect(first.data!.certifyConnector).toMatchObject({ connector: { supportLevel: 'CERTIFIED', revision: 2 }, replayed: false, userErrors: [] });
    const after = await snapshot(h.db);
    const retry = await h.gql(CERTIFY, { input }, token);
    // Without the key this would be INVALID_TRANSITION (already certified); with it, the first answer.
    expect(retry.data!.certifyConnector).toEqual({ ...first.data!.certifyConnector, replayed: true });
    expect(await snapshot(h.db)).toEqual(after);
    expect(await eventsBy(h.db, 'ci')).toBe(1);
  });

  it('refuses the same key for a different request as a CONFLICT, writing nothing', async () => {
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'k1' } }, token);
    const before = await snapshot(h.db);
    const other = await h.gql(CERTIFY, { input: { connectorSlug: 'source-asana', reason: REASON, idempotencyKey: 'k1' } }, token);
    expect(other.data!.certifyConnector.userErrors).toEqual([
      {
        code: 'CONFLICT',
        field: ['input', 'idempotencyKey'],
        message: 'idempotencyKey: "k1" was already used for a different request (certifyConnector); use a new key for a new request',
      },
    ]);
    const announce = await h.gql(
      ANNOUNCE,
      {
        input: { connectorSlug: 'source-faker', version: '9.0.0', upgradeDeadline: '2027-06-01', message: 'A change worth announcing.', idempotencyKey: 'k1' },
      },
      token,
    );
    expect(announce.data!.announceBreakingChange.userErrors[0].code).toBe('CONFLICT');
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('keeps keys per token: another token may use the same key', async () => {
    const other = await h.token('other-ci', ['certify']);
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'shared' } }, token);
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-asana', reason: REASON, idempotencyKey: 'shared' } }, other);
    expect(res.data!.certifyConnector).toMatchObject({ connector: { slug: 'source-asana', supportLevel: 'CERTIFIED' }, replayed: false });
  });

  it('replays announcements and refusals too', async () => {
    const input = {
      connectorSlug: 'source-postgres',
      version: '4.0.0',
      upgradeDeadline: '2026-12-01',
      message: 'Too soon for a certified connector.',
      idempotencyKey: 'a-1',
    };
    const first = await h.gql(ANNOUNCE, { input }, token);
    expect(first.data!.announceBreakingChange.userErrors[0].code).toBe('VALIDATION');
    const again = await h.gql(ANNOUNCE, { input }, token);
    expect(again.data!.announceBreakingChange).toEqual({ ...first.data!.announceBreakingChange, replayed: true });
    const ok = { ...input, upgradeDeadline: '2027-01-10', idempotencyKey: 'a-2' };
    const written = await h.gql(ANNOUNCE, { input: ok }, token);
    const replay = await h.gql(ANNOUNCE, { input: ok }, token);
    expect(written.data!.announceBreakingChange).toMatchObject({ breakingChange: { version: '4.0.0' }, connector: { revision: 2 }, replayed: false });
    expect(replay.data!.announceBreakingChange).toMatchObject({ breakingChange: { version: '4.0.0' }, replayed: true });
    const announced = await h.db
      .select({ n: count() })
      .from(breakingChanges)
      .innerJoin(connectors, eq(connectors.id, breakingChanges.connectorId))
      .where(eq(connectors.slug, 'source-postgres'));
    expect(announced[0]!.n).toBe(1);
  });

  it('validates the key', async () => {
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'has spaces' } }, token);
    expect(res.data!.certifyConnector.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'idempotencyKey'], message: 'idempotencyKey: must be letters, digits, and _ . : -' },
    ]);
  });
});

describe('idempotency keys across gateways (two connections to one database)', () => {
  let h: Harness;
  let other: Gateway;
  let token: string;
  beforeEach(async () => {
    h = await createHarness({ now: NOW });
    token = await h.token('ci', ['certify', 'publish']);
    other = await secondGateway(h.db, NOW);
  });
  afterEach(async () => {
    await other.close();
    await closeHarness(h);
  });

  it('replays on the second gateway a key first used on the first, without writing again', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'cross-1' };
    const first = await h.gql(CERTIFY, { input }, token);
    expect(first.data!.certifyConnector).toMatchObject({ connector: { supportLevel: 'CERTIFIED', revision: 2 }, replayed: false, userErrors: [] });
    const after = await snapshot(h.db);
    const retry = await other.gql(CERTIFY, { input }, token);
    expect(retry.data!.certifyConnector).toEqual({ ...first.data!.certifyConnector, replayed: true });
    expect(await snapshot(h.db)).toEqual(after);
    expect(await eventsBy(other.db, 'ci')).toBe(1);
  });

  it('applies a key sent to both gateways at once exactly once: one answer is the change, the other its replay', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'cross-2' };
    const answers = await Promise.all([h.gql(CERTIFY, { input }, token), other.gql(CERTIFY, { input }, token)]);
    const payloads = answers.map((a) => a.data!.certifyConnector);
    expect(payloads.map((p) => p.replayed).sort()).toEqual([false, true]);
    const applied = payloads.find((p) => !p.replayed);
    expect(applied).toMatchObject({ connector: { supportLevel: 'CERTIFIED', revision: 2 }, userErrors: [] });
    expect(payloads.find((p) => p.replayed)).toEqual({ ...applied, replayed: true });
    expect(await eventsBy(h.db, 'ci')).toBe(1);
  });
});
