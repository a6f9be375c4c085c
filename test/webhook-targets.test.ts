// Webhooks cannot reach inside: targets on loopback, private, link-local, metadata and other
// non-public addresses are refused at registration and again at delivery, unless allowed. Every
// connection these tests open goes to 127.0.0.1; the refused addresses are only classified.
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { ALLOW_PRIVATE_SETTING, checkTarget, classifyAddress, targetPolicy } from '../src/domain/webhooks/targets.js';
import { postWebhook } from '../src/http/webhook-transport.js';
import { createHarness, type Harness, serve } from './helpers/harness.js';

const FIX = `allow it with ${ALLOW_PRIVATE_SETTING}`;

describe('the address classifier', () => {
  // [address, ipaddr.js range (or cloudMetadata), public?, the IPv4 address it carries]
  const cases: [string, string, boolean, string?][] = [
    ['93.184.215.14', 'unicast', true],
    ['172.32.0.1', 'unicast', true], // just past 172.16.0.0/12
    ['2606:4700:4700::1111', 'unicast', true],
    ['127.0.0.1', 'loopback', false],
    ['127.8.9.10', 'loopback', false],
    ['::1', 'loopback', false],
    ['10.0.0.5', 'private', false],
    ['172.16.3.4', 'private', false],
    ['172.31.255.255', 'private', false],
    ['192.168.1.1', 'private', false],
    ['169.254.1.1', 'linkLocal', false],
    ['fe80::1', 'linkLocal', false],
    ['febf:ffff::1', 'linkLocal', false],
    ['100.64.0.1', 'carrierGradeNat', false],
    ['100.127.255.254', 'carrierGradeNat', false],
    ['224.0.0.1', 'multicast', false],
    ['ff02::1', 'multicast', false],
    ['0.0.0.0', 'unspecified', false],
    ['::', 'unspecified', false],
    ['255.255.255.255', 'broadcast', false],
    ['240.0.0.1', 'reserved', false],
    ['192.0.2.10', 'reserved', false],
    ['2001:db8::1', 'reserved', false],
    ['fc00::1', 'uniqueLocal', false],
    ['fd12:3456::1', 'uniqueLocal', false],
    ['169.254.169.254', 'cloudMetadata', false],
    ['fd00:ec2::254', 'cloudMetadata', false],
    ['168.63.129.16', 'cloudMetadata', false],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo', false],
    // IPv4-mapped IPv6, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are judged by the IPv4 address they carry.
    ['::ffff:127.0.0.1', 'loopback', false, '127.0.0.1'],
    ['::ffff:10.0.0.5', 'private', false, '10.0.0.5'],
    ['::ffff:169.254.169.254', 'cloudMetadata', false, '169.254.169.254'],
    ['::ffff:93.184.215.14', 'unicast', true, '93.184.215.14'],
    ['64:ff9b::a00:5', 'private', false, '10.0.0.5'],
    ['64:ff9b::5db8:d70e', 'unicast', true, '93.184.215.14'],
    ['2002:7f00:1::1', 'loopback', false, '127.0.0.1'],
    ['2002:c0a8:101::1', 'private', false, '192.168.1.1'],
  ];

  it.each(cases)('classifies %s as %s', (address, range, isPublic, embedded) => {
    const c = classifyAddress(address);
    expect({ range: c.range, public: c.public, embedded: c.embedded }).toEqual({ range, public: isPublic, embedded });
  });

  it('refuses a name when any of its addresses is not public, and names that address', async () => {
    const mixed = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const check = await checkTarget(new URL('https://hooks.example/x'), targetPolicy(), mixed);
    expect(check).toEqual({ ok: false, transient: false, reason: `hooks.example resolves to 10.1.2.3, a private address; ${FIX}` });
    const allowed = await checkTarget(new URL('https://hooks.example/x'), targetPolicy(['10.0.0.0/8']), mixed);
    expect(allowed).toMatchObject({ ok: true, target: { address: '93.184.215.14', family: 4 } });
  });

  it('calls a name that does not resolve a passing failure, not a refusal', async () => {
    // The resolver's answer is given here: a test asks no DNS server outside this machine.
    const nowhere = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example'), { code: 'ENOTFOUND' });
    };
    expect(await checkTarget(new URL('https://hooks.example/x'), targetPolicy(), nowhere)).toEqual({
      ok: false,
      transient: true,
      reason: 'hooks.example does not resolve (ENOTFOUND)',
    });
  });

  it('never lets the allow-list reach cloud metadata, by address or by name', async () => {
    const policy = targetPolicy(['169.254.0.0/16', 'fc00::/7', 'metadata.google.internal']);
    expect(await checkTarget(new URL('http://169.254.169.254/latest/meta-data/'), policy)).toEqual({
      ok: false,
      transient: false,
      reason: 'the address is 169.254.169.254, a cloud metadata address; never a webhook target',
    });
    expect(await checkTarget(new URL('http://[fd00:ec2::254]/'), policy)).toMatchObject({ ok: false, reason: expect.stringContaining('cloud metadata') });
    expect(await checkTarget(new URL('http://metadata.google.internal/computeMetadata/v1/'), policy)).toEqual({
      ok: false,
      transient: false,
      reason: 'metadata.google.internal is a cloud metadata host, never a webhook target',
    });
    // The rest of the allowed range is allowed.
    expect(await checkTarget(new URL('http://169.254.10.10/'), policy)).toMatchObject({ ok: true });
  });

  it('refuses an allow-list entry that is neither a range, an address nor a host name', () => {
    expect(() => targetPolicy(['10.0.0.0/33'])).toThrow(
      `${ALLOW_PRIVATE_SETTING}: "10.0.0.0/33" is neither a CIDR range (10.0.0.0/8), an address (127.0.0.1) nor a host name (hooks.internal)`,
    );
    expect(() => targetPolicy(['http://x'])).toThrow('"http://x" is neither');
  });
});

describe('WEBHOOK_ALLOW_PRIVATE', () => {
  it('reads ranges, addresses and host names, and refuses anything else by name at start-up', () => {
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: ' 127.0.0.1/32, ::1/128 ,localhost,10.1.2.3' }).webhooks.allowPrivate).toEqual([
      '127.0.0.1/32',
      '::1/128',
      'localhost',
      '10.1.2.3',
    ]);
    expect(loadConfig({}).webhooks.allowPrivate).toEqual([]);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32,10.0.0.0/33' })).toThrow(
      new ConfigError(
        'Invalid configuration:\n  WEBHOOK_ALLOW_PRIVATE: "10.0.0.0/33" is neither a CIDR range (10.0.0.0/8), an address (127.0.0.1) nor a host name (hooks.internal) (got "127.0.0.1/32,10.0.0.0/33")',
      ),
    );
  });
});

const REGISTER = `mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret webhook { url } userErrors { code field message } } }`;

async function register(h: Harness, admin: string, url: string) {
  return (await h.gql(REGISTER, { i: { url, events: ['CERTIFICATION'] } }, admin)).data!.registerWebhook;
}

function refused(message: string) {
  return { secret: null, webhook: null, userErrors: [{ code: 'VALIDATION', field: ['input', 'url'], message: `url: ${message}` }] };
}

describe('registering a webhook', () => {
  it('refuses literal loopback, private, link-local, metadata and mapped addresses, and writes nothing', async () => {
    const h = await createHarness();
    const admin = await h.token('root', ['admin']);
    expect(await register(h, admin, 'http://10.0.0.5/hook')).toEqual(refused(`the address is 10.0.0.5, a private address; ${FIX}`));
    expect(await register(h, admin, 'http://127.0.0.1:8080/hook')).toEqual(refused(`the address is 127.0.0.1, a loopback address; ${FIX}`));
    // The URL parser reads 2130706433 as 127.0.0.1: the check sees the address, however it was written.
    expect(await register(h, admin, 'http://2130706433/hook')).toEqual(refused(`the address is 127.0.0.1, a loopback address; ${FIX}`));
    expect(await register(h, admin, 'http://[::1]/hook')).toEqual(refused(`the address is ::1, a loopback address; ${FIX}`));
    expect(await register(h, admin, 'http://[::ffff:127.0.0.1]/hook')).toEqual(
      refused(`the address is ::ffff:7f00:1, which carries 127.0.0.1, a loopback address; ${FIX}`),
    );
    expect(await register(h, admin, 'http://[fe80::1]/hook')).toEqual(refused(`the address is fe80::1, a link-local address; ${FIX}`));
    expect(await register(h, admin, 'http://169.254.169.254/latest/meta-data/')).toEqual(
      refused('the address is 169.254.169.254, a cloud metadata address; never a webhook target'),
    );
    expect(await register(h, admin, 'http://100.64.1.1/hook')).toEqual(refused(`the address is 100.64.1.1, a carrier-grade NAT address; ${FIX}`));
    expect((await h.gql('{ webhooks { url } }', {}, admin)).data!.webhooks).toEqual([]);
  });

  it('refuses localhost by what it resolves to unless loopback is allowed, by range or by name', async () => {
    const [first] = await lookup('localhost', { all: true, verbatim: true });
    const h = await createHarness();
    const admin = await h.token('root', ['admin']);
    expect(await register(h, admin, 'http://localhost:9/hook')).toEqual(refused(`localhost resolves to ${first!.address}, a loopback address; ${FIX}`));

    const byRange = await createHarness({ webhooks: { allowPrivate: ['127.0.0.0/8', '::1/128'] } });
    const rootByRange = await byRange.token('root', ['admin']);
    expect(await register(byRange, rootByRange, 'http://localhost:9/hook')).toMatchObject({ webhook: { url: 'http://localhost:9/hook' }, userErrors: [] });
    // The allow-list opens what it names, no more.
    expect(await register(byRange, rootByRange, 'http://10.0.0.5/hook')).toEqual(refused(`the address is 10.0.0.5, a private address; ${FIX}`));

    const byName = await createHarness({ webhooks: { allowPrivate: ['localhost'] } });
    expect(await register(byName, await byName.token('root', ['admin']), 'http://LOCALHOST:9/hook')).toMatchObject({ userErrors: [] });
  });
});

describe('delivering to a webhook', () => {
  let receiver: Server;
  let port = 0;
  const received: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push({ url: req.url!, headers: req.headers });
      req.resume();
      if (req.url === '/moved') res.writeHead(302, { location: `http://127.0.0.1:${port}/landing` }).end();
      else res.writeHead(204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  const CERTIFY = 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Certified for the target test."}) { userErrors { code } } }';
  const DELIVERIES = '{ webhooks { url deliveries { status attempts lastStatusCode lastError } } }';

  it('refuses at delivery a name that now resolves to loopback, when loopback is no longer allowed, and does not retry', async () => {
    const key = Buffer.alloc(32, 7);
    // Registered while loopback was allowed...
    const before = await createHarness({ webhooks: { allowPrivate: ['127.0.0.0/8', '::1/128'] }, secretsKey: key });
    const admin = await before.token('root', ['admin']);
    const url = `http://localhost:${port}/refused`;
    expect(await register(before, admin, url)).toMatchObject({ userErrors: [] });
    // ...and delivered by a server restarted without the allow-list.
    await before.app.stop();
    const after = await createApp({ db: before.db, secretsKey: key, log: () => {}, webhooks: { retryBaseMs: 20, maxAttempts: 5, timeoutMs: 500 } });
    const served = serve(after);
    const res = await served.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: CERTIFY }),
    });
    expect(((await res.json()) as any).data.certifyConnector.userErrors).toEqual([]);
    const [first] = await lookup('localhost', { all: true, verbatim: true });
    const deliveries = async () => (await before.gql(DELIVERIES, {}, admin)).data!.webhooks[0].deliveries;
    await expect.poll(async () => (await deliveries())[0]?.status, { timeout: 5000 }).toBe('FAILED');
    expect(await deliveries()).toEqual([
      { status: 'FAILED', attempts: 1, lastStatusCode: null, lastError: `refused: localhost resolves to ${first!.address}, a loopback address; ${FIX}` },
    ]);
    expect(received.filter((r) => r.url === '/refused')).toEqual([]);
    await served.close();
  });

  it('does not follow a redirect: the 302 is the answer, and a failure', async () => {
    const h = await createHarness({ webhooks: { retryBaseMs: 20, maxAttempts: 1, timeoutMs: 1000, allowPrivate: ['127.0.0.1/32'] } });
    const admin = await h.token('root', ['admin']);
    expect(await register(h, admin, `http://127.0.0.1:${port}/moved`)).toMatchObject({ userErrors: [] });
    await h.gql(CERTIFY, {}, admin);
    const deliveries = async () => (await h.gql(DELIVERIES, {}, admin)).data!.webhooks[0].deliveries;
    await expect.poll(async () => (await deliveries())[0]?.status, { timeout: 5000 }).toBe('FAILED');
    expect(await deliveries()).toEqual([{ status: 'FAILED', attempts: 1, lastStatusCode: 302, lastError: 'HTTP 302' }]);
    expect(received.filter((r) => r.url === '/moved')).toHaveLength(1);
    expect(received.filter((r) => r.url === '/landing')).toEqual([]);
  });

  it('connects to the checked address without asking DNS again, and keeps the host name in the Host header', async () => {
    // A .invalid name never resolves (RFC 6761): the request arrives only if the checked address is used.
    const url = new URL(`http://hooks.invalid:${port}/pinned`);
    const status = await postWebhook({ target: { url, address: '127.0.0.1', family: 4 }, headers: { 'x-test': 'pinned' }, body: '{}', timeoutMs: 2000 });
    expect(status).toBe(204);
    const got = received.find((r) => r.url === '/pinned');
    expect(got?.headers).toMatchObject({ host: `hooks.invalid:${port}`, 'x-test': 'pinned', 'content-length': '2' });
  });
});
