import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from '../src/domain/webhooks/webhooks.js';
import { createHarness } from './helpers/harness.js';

// The receivers listen on loopback, which webhooks may reach only when allowed.
const LOOPBACK = ['127.0.0.1/32'];

describe('signed webhooks', () => {
  let receiver: Server;
  let url = '';
  const received: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
  let failuresLeft = 1;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const answered = failuresLeft-- > 0 ? 503 : 204;
        received.push({ headers: req.headers, body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('delivers a certification with a verifiable signature, retries after a failure, and records every attempt', async () => {
    const h = await createHarness({ webhooks: { retryBaseMs: 50, maxAttempts: 4, timeoutMs: 2000, allowPrivate: LOOPBACK } });
    const admin = await h.token('root', ['admin']);
    const reg = await h.gql(
      `mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret webhook { id url events } userErrors { code } } }`,
      { i: { url, events: ['CERTIFICATION'] } },
      admin,
    );
    const { secret, webhook } = reg.data!.registerWebhook;
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url, events: ['CERTIFICATION'] });

    await h.gql(
      'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Certified for the webhook test."}) { userErrors { code } } }',
      {},
      admin,
    );
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(2);

    const [failed, delivered] = received;
    expect([failed!.answered, delivered!.answered]).toEqual([503, 204]);
    for (const r of received) {
      expect(r.headers[EVENT_HEADER]).toBe('certification');
      expect(verify(secret, String(r.headers[TIMESTAMP_HEADER]), r.body, String(r.headers[SIGNATURE_HEADER]))).toBe(true);
      // A body or timestamp changed in transit no longer verifies.
      expect(verify(secret, String(r.headers[TIMESTAMP_HEADER]), r.body.replace('faker', 'fakir'), String(r.headers[SIGNATURE_HEADER]))).toBe(false);
      expect(verify('whsec_wrong', String(r.headers[TIMESTAMP_HEADER]), r.body, String(r.headers[SIGNATURE_HEADER]))).toBe(false);
    }
    expect(failed!.headers[DELIVERY_HEADER]).toBe(delivered!.headers[DELIVERY_HEADER]);
    expect(JSON.parse(delivered!.body)).toMatchObject({
      event: 'certification',
      data: {
        connector: { slug: 'source-faker', name: 'Sample Data' },
        fromLevel: 'community',
        toLevel: 'certified',
        actor: 'root',
        reason: 'Certified for the webhook test.',
      },
    });

    // The sender records an attempt once its answer is in: the receiver may have answered before that.
    const listing = async () => (await h.gql('{ webhooks { url deliveries { event status attempts lastStatusCode deliveredAt } } }', {}, admin)).data!.webhooks;
    await expect
      .poll(listing)
      .toEqual([
        { url, deliveries: [{ event: 'CERTIFICATION', status: 'DELIVERED', attempts: 2, lastStatusCode: 204, deliveredAt: expect.stringMatching(/^\d{4}-/) }] },
      ]);
    // A webhook that did not ask for breaking changes gets none.
    await h.gql(
      'mutation { announceBreakingChange(input: {connectorSlug: "source-faker", version: "9.0.0", upgradeDeadline: "2031-01-01", message: "Not for this webhook."}) { userErrors { code } } }',
      {},
      admin,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(2);
  });

  it('gives up after the last attempt and says so', async () => {
    const h = await createHarness({ webhooks: { retryBaseMs: 20, maxAttempts: 2, timeoutMs: 500, allowPrivate: LOOPBACK } });
    const admin = await h.token('root', ['admin']);
    // A loopback port nobody listens on (opened and closed again).
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await h.gql(
      `mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret } }`,
      { i: { url: `http://127.0.0.1:${port}/nowhere`, events: ['BREAKING_CHANGE'] } },
      admin,
    );
    await h.gql(
      'mutation { announceBreakingChange(input: {connectorSlug: "source-faker", version: "9.0.0", upgradeDeadline: "2031-01-01", message: "Nobody is listening."}) { userErrors { code } } }',
      {},
      admin,
    );
    const status = async () => (await h.gql('{ webhooks { deliveries { status attempts lastError } } }', {}, admin)).data!.webhooks[0].deliveries[0];
    await expect.poll(async () => (await status())?.status, { timeout: 5000 }).toBe('FAILED');
    expect(await status()).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
  });

  it('is for admins only, and checks the URL', async () => {
    const h = await createHarness();
    const certifier = await h.token('bot', ['certify']);
    const refused = await h.gql(`mutation { registerWebhook(input: {url: "http://127.0.0.1:1/x", events: [CERTIFICATION]}) { secret } }`, {}, certifier);
    expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await h.gql('{ webhooks { url } }', {}, certifier)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const admin = await h.token('root', ['admin']);
    const bad = await h.gql(
      `mutation { registerWebhook(input: {url: "file:///etc/passwd", events: [CERTIFICATION]}) { secret userErrors { code field message } } }`,
      {},
      admin,
    );
    expect(bad.data!.registerWebhook).toEqual({
      secret: null,
      userErrors: [{ code: 'VALIDATION', field: ['input', 'url'], message: 'url: must be an http(s) URL' }],
    });
  });
});
