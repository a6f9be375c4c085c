import { beforeEach, describe, expect, it } from 'vitest';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

const CERTIFY = `mutation($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) { connector { slug supportLevel revision } event { id actor } replayed userErrors { code field message } }
}`;
const ANNOUNCE = `mutation($input: AnnounceBreakingChangeInput!) {
  announceBreakingChange(input: $input) { breakingChange { version } connector { revision } replayed userErrors { code message } }
}`;
const REASON = 'Passed acceptance tests for 90 days.';

describe('idempotency keys', () => {
  let h: Harness;
  let token: string;
  beforeEach(() => {
    h = createHarness({ now: () => new Date('2026-11-24T12:00:00Z') });
    token = h.token('ci', ['certify', 'publish']);
  });

  it('returns the first result to a retry with the same key, and writes once', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'run-1842:certify' };
    const first = await h.gql(CERTIFY, { input }, token);
    expect(first.data!.certifyConnector).toMatchObject({ connector: { supportLevel: 'CERTIFIED', revision: 2 }, replayed: false, userErrors: [] });
    const after = snapshot(h.db);
    const retry = await h.gql(CERTIFY, { input }, token);
    // Without the key this would be INVALID_TRANSITION (already certified); with it, the first answer.
    expect(retry.data!.certifyConnector).toEqual({ ...first.data!.certifyConnector, replayed: true });
    expect(snapshot(h.db)).toEqual(after);
    expect(h.db.$client.prepare("select count(*) from certification_events where actor = 'ci'").pluck().get()).toBe(1);
  });

  it('refuses the same key for a different request as a CONFLICT, writing nothing', async () => {
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'k1' } }, token);
    const before = snapshot(h.db);
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
    expect(snapshot(h.db)).toEqual(before);
  });

  it('keeps keys per token: another token may use the same key', async () => {
    const other = h.token('other-ci', ['certify']);
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
    expect(
      h.db.$client.prepare("select count(*) from breaking_changes b join connectors c on c.id = b.connector_id where c.slug = 'source-postgres'").pluck().get(),
    ).toBe(1);
  });

  it('validates the key', async () => {
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'has spaces' } }, token);
    expect(res.data!.certifyConnector.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'idempotencyKey'], message: 'idempotencyKey: must be letters, digits, and _ . : -' },
    ]);
  });
});
