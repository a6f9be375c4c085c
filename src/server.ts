// The only file that listens: config, open the database, migrate, seed if empty, serve, shut down cleanly.
import { declaredProduction } from './production.js';
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { Metrics } from './http/metrics.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { closeDatabase, type Db } from './db/client.js';
import { openConfiguredDatabase, redactUrl, StartupError } from './db/open.js';
import { analyze } from './db/statistics.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox, developmentKey, parseSecretsKey } from './domain/webhooks/secrets.js';
import { sealPlainSecrets } from './domain/webhooks/webhooks.js';
import { seedDatabase } from '../seed/index.js';

function log(message: string, fields: Record<string, unknown> = {}, level: 'info' | 'warn' = 'info'): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}

/**
 * The key that seals webhook secrets: SECRETS_KEY; in production nothing else will do. A development
 * server without it keeps a key of its own in a file beside the database (git ignores it), so sealed
 * secrets survive restarts.
 */
function secretsKey(config: Config): Buffer {
  if (config.secretsKey) return parseSecretsKey(config.secretsKey);
  if (declaredProduction || config.databaseUrl) {
    const why = config.databaseUrl ? 'on PostgreSQL every gateway must seal with the same key' : 'in production it is required to seal webhook secrets';
    process.stderr.write(`SECRETS_KEY is not set: ${why} (32 random bytes in base64: openssl rand -base64 32)\n`);
    process.exit(2);
  }
  if (config.databasePath === ':memory:') {
    log('SECRETS_KEY is not set: webhook secrets are sealed with a key that lives as long as this in-memory database', {}, 'warn');
    return randomBytes(32);
  }
  const keyFile = `${config.databasePath}.secrets-key`;
  const { key, created } = developmentKey(keyFile);
  log(
    `SECRETS_KEY is not set: webhook secrets are sealed with a development key ${created ? 'made now and ' : ''}kept in ${keyFile}; set SECRETS_KEY in production`,
    { keyFile },
    'warn',
  );
  return key;
}

/** The configured database, migrated; a problem stops start-up with one line (exit 2). */
async function openDb(config: Config): Promise<Db> {
  try {
    return await openConfiguredDatabase({
      databasePath: config.databasePath,
      databaseUrl: config.databaseUrl,
      poolSize: config.databasePoolSize,
      replicaUrls: config.databaseReplicaUrls,
      synchronous: config.dbSynchronous,
      busyTimeoutMs: config.dbBusyTimeoutMs,
      onIdleError: (error) => log('a PostgreSQL connection failed while idle; the pool opens another', { error: error.message }, 'warn'),
    });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(2);
  }
}

/** Where the data is, as the listening log line says it (passwords hidden). */
function databaseWhere(config: Config): Record<string, unknown> {
  if (!config.databaseUrl) return { databasePath: config.databasePath };
  const replicas = config.databaseReplicaUrls.map(redactUrl);
  return { databaseUrl: redactUrl(config.databaseUrl), ...(replicas.length ? { replicaUrls: replicas } : {}) };
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const db = await openDb(config);
  const key = secretsKey(config);
  const where = databaseWhere(config);
  // Rows from before secrets were sealed are sealed now; rows sealed with another key are left, and said.
  const secrets = await sealPlainSecrets(db, createSecretBox(key));
  if (secrets.sealed) log('sealed webhook secrets stored in the clear', { webhooks: secrets.sealed });
  if (secrets.otherKey) {
    log('webhook secrets sealed with another key: their deliveries fail until SECRETS_KEY is that key again', { webhooks: secrets.otherKey }, 'warn');
  }
  // SEED=demo: the policy and the demo connectors into a registry that has none and never had an import;
  // SEED=none: the policy only (reference data, not demo), an empty registry.
  const seeded = await seedDatabase(db, config.seed);
  if (seeded.policy || seeded.demoConnectors) {
    log('seeded an empty database', { ...where, seed: config.seed, demoConnectors: seeded.demoConnectors });
  }
  // Let SQLite gather the statistics its query planner needs (it analyzes only what needs it);
  // PostgreSQL's autovacuum does this on its own.
  if (db.$engine === 'sqlite') analyze(db.$client, 'stale');
  const yoga = await createApp({
    db,
    graphiql: config.graphiql,
    limits: config.limits,
    responseCache: config.responseCache,
    httpCache: config.httpCache,
    persistedOperations: config.persistedOperations,
    logLevel: config.logLevel,
    webhooks: config.webhooks,
    secretsKey: key,
    budget: config.budget,
    metrics: new Metrics({ processMetrics: true }),
  });
  const server = createServer(yoga.nodeListener);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log('listening', { url: `http://${config.host}:${port}/graphql`, engine: db.$engine, ...where });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('shutting down', { signal });
    server.close(() => {
      void closeDatabase(db).finally(() => {
        log('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
    // Requests still running after 10 s are cut off rather than holding the process forever.
    setTimeout(() => {
      server.closeAllConnections();
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
