// Webhook secrets are sealed at rest with SECRETS_KEY, rotate with a window in which deliveries carry
// both signatures, and a server without the key (in production) or with the wrong one says so plainly.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { closeDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { migratePostgres } from '../src/db/migrate-pg.js';
import { transaction } from '../src/db/transaction.js';
import { webhooks } from '../src/db/schema.js';
import { createSecretBox, keyIdOf, parseSecretsKey, SealedSecretError } from '../src/domain/webhooks/secrets.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from '../src/domain/webhooks/webhooks.js';
import { createHarness, type Harness, serve } from './helpers/harness.js';
import { TEST_ENGINE } from './helpers/database.js';
import { openEnvDatabase, runNode, runNodeAsync, SERVER_ENTRY, startServer, tempDir, testEnv } from './helpers/process.js';

const REGISTER = `mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret webhook { id } userErrors { code field message } } }`;
const ROTATE = `mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { secret webhook { id secretRotationEndsAt } userErrors { code field message } } }`;
const CERTIFY = 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Certified for the secrets test."}) { userErrors { code } } }';
const ANNOUNCE =
  'mutation { announceBreakingChange(input: {connectorSlug: "source-faker", version: "9.0.0", upgradeDeadline: "2031-01-01", message: "For the secrets test."}) { userErrors { code } } }';
const WEBHOOK_OPTIONS = { retryBaseMs: 20, maxAttempts: 2, timeoutMs: 2000, allowPrivate: ['127.0.0.1/32'] };

/** The webhooks table as stored: every column of every row, as text. */
async function storedWebhooks(h: Pick<Harness, 'db'>): Promise<string> {
  return JSON.stringify(await h.db.select().from(webhooks).orderBy(webhooks.id));
}

describe('sealed webhook secrets', () => {
  let receiver: Server;
  let url = '';
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('stores no secret in the clear, and deliveries verify with the secret shown at registration', async () => {
    const key = randomBytes(32);
    const h = await createHarness({ webhooks: WEBHOOK_OPTIONS, secretsKey: key });
    const admin = await h.token('root', ['admin']);
    const { secret, userErrors } = (await h.gql(REGISTER, { i: { url, events: ['CERTIFICATION'] } }, admin)).data!.registerWebhook;
    expect(userErrors).toEqual([]);
    const [row] = await h.db.select().from(webhooks);
    expect(await storedWebhooks(h)).not.toContain(secret);
    expect(await storedWebhooks(h)).not.toContain(secret.slice('whsec_'.length));
    expect(row!.secret).toMatch(new RegExp(`^v1:${keyIdOf(key)}:[\\w-]+:[\\w-]+:[\\w-]+$`));
    expect(createSecretBox(key).unseal(row!.secret)).toBe(secret);

    const before = received.length;
    await h.gql(CERTIFY, {}, admin);
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(before + 1);
    const delivery = received.at(-1)!;
    const signature = String(delivery.headers[SIGNATURE_HEADER]);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(secret, String(delivery.headers[TIMESTAMP_HEADER]), delivery.body, signature)).toBe(true);
  });

  it('signs with both secrets during a rotation and with the new one alone after its window', async () => {
    let clock = new Date('2026-11-30T12:00:00.000Z');
    const h = await createHarness({ webhooks: WEBHOOK_OPTIONS, now: () => clock });
    const admin = await h.token('root', ['admin']);
    const registered = (await h.gql(REGISTER, { i: { url, events: ['CERTIFICATION', 'BREAKING_CHANGE'] } }, admin)).data!.registerWebhook;
    const oldSecret: string = registered.secret;
    const id: string = registered.webhook.id;

    const rotated = (await h.gql(ROTATE, { i: { id, graceHours: 2 } }, admin)).data!.rotateWebhookSecret;
    const ends = new Date(clock.getTime() + 2 * 3_600_000).toISOString();
    expect(rotated).toEqual({ secret: expect.stringMatching(/^whsec_/), webhook: { id, secretRotationEndsAt: ends }, userErrors: [] });
    const newSecret: string = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    for (const s of [oldSecret, newSecret]) expect(await storedWebhooks(h)).not.toContain(s);

    const deliver = async (mutation: string) => {
      const before = received.length;
      await h.gql(mutation, {}, admin);
      await expect.poll(() => received.length, { timeout: 5000 }).toBe(before + 1);
      const d = received.at(-1)!;
      const at = clock.getTime();
      const check = (secret: string) => verify(secret, String(d.headers[TIMESTAMP_HEADER]), d.body, String(d.headers[SIGNATURE_HEADER]), 300, at);
      return { signatures: String(d.headers[SIGNATURE_HEADER]).split(','), newVerifies: check(newSecret), oldVerifies: check(oldSecret) };
    };

    // Within the window: two signatures, the new one first; a receiver with either secret accepts.
    expect(await deliver(CERTIFY)).toEqual({
      signatures: [expect.stringMatching(/^sha256=[0-9a-f]{64}$/), expect.stringMatching(/^sha256=[0-9a-f]{64}$/)],
      newVerifies: true,
      oldVerifies: true,
    });

    // After the window: the old secret no longer signs, and is gone from the row.
    clock = new Date(clock.getTime() + 3 * 3_600_000);
    expect(await deliver(ANNOUNCE)).toEqual({ signatures: [expect.stringMatching(/^sha256=[0-9a-f]{64}$/)], newVerifies: true, oldVerifies: false });
    expect(await h.db.select({ previousSecret: webhooks.previousSecret }).from(webhooks)).toEqual([{ previousSecret: null }]);
    expect((await h.gql('{ webhooks { secretRotationEndsAt } }', {}, admin)).data!.webhooks).toEqual([{ secretRotationEndsAt: null }]);
  });

  it('rotates for admins only, with userErrors for an unknown webhook and a bad window', async () => {
    const h = await createHarness({ webhooks: WEBHOOK_OPTIONS });
    const admin = await h.token('root', ['admin']);
    const { id } = (await h.gql(REGISTER, { i: { url, events: ['CERTIFICATION'] } }, admin)).data!.registerWebhook.webhook;
    const stored = await storedWebhooks(h);
    const certifier = await h.token('bot', ['certify']);
    expect((await h.gql(ROTATE, { i: { id } }, certifier)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const refusal = async (input: Record<string, unknown>) => (await h.gql(ROTATE, { i: input }, admin)).data!.rotateWebhookSecret;
    expect(await refusal({ id: '999' })).toEqual({
      secret: null,
      webhook: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['input', 'id'], message: 'id: no webhook 999' }],
    });
    expect(await refusal({ id, graceHours: -1 })).toEqual({
      secret: null,
      webhook: null,
      userErrors: [{ code: 'VALIDATION', field: ['input', 'graceHours'], message: 'graceHours: must be 0 or more' }],
    });
    expect(await refusal({ id, graceHours: 721 })).toEqual({
      secret: null,
      webhook: null,
      userErrors: [{ code: 'VALIDATION', field: ['input', 'graceHours'], message: 'graceHours: must be at most 720 (30 days)' }],
    });
    expect(await refusal({ id: 'abc' })).toEqual({
      secret: null,
      webhook: null,
      userErrors: [{ code: 'VALIDATION', field: ['input', 'id'], message: 'id: must be a webhook id (a positive whole number)' }],
    });
    expect(await storedWebhooks(h)).toBe(stored);
    // graceHours 0: the previous secret stops at once.
    expect(await refusal({ id, graceHours: 0 })).toMatchObject({ webhook: { id, secretRotationEndsAt: null }, userErrors: [] });
  });

  it('fails a delivery whose secret was sealed with another key, once, saying which keys', async () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const h = await createHarness({ webhooks: WEBHOOK_OPTIONS, secretsKey: keyA });
    const admin = await h.token('root', ['admin']);
    await h.gql(REGISTER, { i: { url, events: ['CERTIFICATION'] } }, admin);
    // Every gateway on a database sends its deliveries: the first one stops, so the gateway with key B is the one that tries.
    await h.app.stop();
    const other = await createApp({ db: h.db, secretsKey: keyB, log: () => {}, webhooks: { ...WEBHOOK_OPTIONS, maxAttempts: 5 } });
    const served = serve(other);
    const before = received.length;
    await served.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: CERTIFY }),
    });
    const deliveries = async () => (await h.gql('{ webhooks { deliveries { status attempts lastError } } }', {}, admin)).data!.webhooks[0].deliveries;
    await expect.poll(async () => (await deliveries())[0]?.status, { timeout: 5000 }).toBe('FAILED');
    expect(await deliveries()).toEqual([
      {
        status: 'FAILED',
        attempts: 1,
        lastError: `cannot unseal the signing secret: the secret was sealed with key ${keyIdOf(keyA)}, but SECRETS_KEY is key ${keyIdOf(keyB)}`,
      },
    ]);
    expect(received.length).toBe(before);
    await served.close();
  });

  it('refuses an altered sealed value and a key that is not 32 bytes of base64', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('whsec_example');
    const parts = sealed.split(':');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    const altered = [...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join(':');
    expect(() => box.unseal(altered)).toThrow(new SealedSecretError(`the secret does not open with key ${box.keyId}: it was altered`));
    expect(() => box.unseal('whsec_plain')).toThrow('the stored secret is not sealed in a known format (v1)');
    expect(() => parseSecretsKey(randomBytes(16).toString('base64'))).toThrow('it decodes to 16 bytes');
    expect(() => parseSecretsKey('not base64!')).toThrow('it has characters base64 does not use');
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
  });
});

describe('the server and SECRETS_KEY', () => {
  it('will not start in production without SECRETS_KEY, in one line and without a stack', () => {
    const result = runNode([SERVER_ENTRY], { NODE_ENV: 'production', SECRETS_KEY: '', DATABASE_PATH: join(tempDir(), 'prod.db') });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'SECRETS_KEY is not set: in production it is required to seal webhook secrets (32 random bytes in base64: openssl rand -base64 32)\n',
    );
  });

  it('will not start with a malformed SECRETS_KEY, and does not print it', () => {
    const bad = 'c2hvcnQta2V5LXZhbHVl';
    const result = runNode([SERVER_ENTRY], { NODE_ENV: 'production', SECRETS_KEY: bad, DATABASE_PATH: join(tempDir(), 'prod.db') });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SECRETS_KEY: must be 32 random bytes in base64 (openssl rand -base64 32) (got a value of 20 characters)');
    expect(result.stderr).not.toContain(bad);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('seals secrets stored in the clear at start, so neither the file nor a backup holds them', async () => {
    const dir = tempDir();
    const databasePath = join(dir, 'registry.db');
    const key = randomBytes(32);
    const env = await testEnv({ DATABASE_PATH: databasePath, SECRETS_KEY: key.toString('base64') });
    const plain = `whsec_${randomBytes(24).toString('base64url')}`;
    if (env.DATABASE_URL) await migratePostgres(env.DATABASE_URL);
    const setup = openEnvDatabase(env);
    if (setup.$engine === 'sqlite') await migrateDatabase(setup);
    // A row as the server wrote it before secrets were sealed.
    await transaction(setup, (tx) =>
      tx.insert(webhooks).values({ url: 'https://hooks.example/x', secret: plain, events: ['certification'], createdBy: 'root' }),
    );
    await closeDatabase(setup);

    const server = await startServer(env);
    expect(server.output()).toContain('"message":"sealed webhook secrets stored in the clear","webhooks":1');
    expect(await server.stop()).toBe(0);

    const db = openEnvDatabase(env);
    const [stored] = await db.select({ secret: webhooks.secret }).from(webhooks);
    await closeDatabase(db);
    expect(createSecretBox(key).unseal(stored!.secret)).toBe(plain);
    if (TEST_ENGINE === 'sqlite') {
      // The file itself, its WAL and a backup of it: SQLite's secure_delete zeroed the plain value's space.
      const backupPath = join(dir, 'backup.db');
      const backup = runNode(['dist/src/cli/backup.js', backupPath], { DATABASE_PATH: databasePath });
      expect(backup.status).toBe(0);
      for (const file of [databasePath, `${databasePath}-wal`, backupPath]) {
        if (existsSync(file)) expect(readFileSync(file).includes(plain.slice('whsec_'.length)), file).toBe(false);
      }
    }

    // Restarted with another key, the server still starts, and says which rows it cannot open.
    const wrongKey = await startServer({ ...env, SECRETS_KEY: randomBytes(32).toString('base64') });
    expect(wrongKey.output()).toContain(
      '"message":"webhook secrets sealed with another key: their deliveries fail until SECRETS_KEY is that key again","webhooks":1',
    );
    expect(await wrongKey.stop()).toBe(0);
  });

  it.skipIf(TEST_ENGINE !== 'postgres')('will not start on PostgreSQL without SECRETS_KEY, which every gateway must share', async () => {
    const env = await testEnv({ DATABASE_PATH: join(tempDir(), 'shared.db'), SECRETS_KEY: '' });
    const result = runNode([SERVER_ENTRY], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'SECRETS_KEY is not set: on PostgreSQL every gateway must seal with the same key (32 random bytes in base64: openssl rand -base64 32)\n',
    );
  });

  // A development key lives in a file beside the SQLite file; PostgreSQL has no such place (see above).
  it.skipIf(TEST_ENGINE === 'postgres')('keeps a development key beside the database when SECRETS_KEY is unset outside production', async () => {
    const databasePath = join(tempDir(), 'dev.db');
    const keyFile = `${databasePath}.secrets-key`;
    const first = await startServer({ DATABASE_PATH: databasePath, SECRETS_KEY: '' });
    expect(first.output()).toContain(`SECRETS_KEY is not set: webhook secrets are sealed with a development key made now and kept in ${keyFile}`);
    expect(await first.stop()).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = parseSecretsKey(readFileSync(keyFile, 'utf8'));
    const second = await startServer({ DATABASE_PATH: databasePath, SECRETS_KEY: '' });
    expect(second.output()).toContain(`SECRETS_KEY is not set: webhook secrets are sealed with a development key kept in ${keyFile}`);
    expect(await second.stop()).toBe(0);
    expect(parseSecretsKey(readFileSync(keyFile, 'utf8'))).toEqual(key);
  });

  it('gives servers that start together on one database the same development key', async () => {
    const keyFile = join(tempDir(), 'together.db.secrets-key');
    // The compiled module, as the server runs it: each process makes or reads the key and prints it.
    const script = `import('./dist/src/domain/webhooks/secrets.js').then((m) => console.log(m.developmentKey(${JSON.stringify(keyFile)}).key.toString('base64')))`;
    const runs = await Promise.all(Array.from({ length: 6 }, () => runNodeAsync(['--input-type=module', '-e', script], {})));
    expect(runs.map((r) => [r.status, r.stderr])).toEqual(runs.map(() => [0, '']));
    const keys = new Set(runs.map((r) => r.stdout.trim()));
    expect([...keys]).toEqual([readFileSync(keyFile, 'utf8').trim()]);
    expect(readdirSync(dirname(keyFile))).toEqual(['together.db.secrets-key']);
  });
});
