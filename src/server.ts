// The only file that listens: config, open the database, migrate, seed if empty, serve, shut down cleanly.
import './production.js';
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { Metrics } from './http/metrics.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { analyze } from './db/statistics.js';
import { seedDatabase } from '../seed/index.js';

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message, ...fields })}\n`);
}

function main(): void {
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
  const db = openDatabase(config.databasePath, {
    synchronous: config.dbSynchronous,
    busyTimeoutMs: config.dbBusyTimeoutMs,
  });
  migrateDatabase(db);
  // SEED=demo: the policy and the demo connectors into a registry that has none and never had an import;
  // SEED=none: the policy only (reference data, not demo), an empty registry.
  const seeded = seedDatabase(db, config.seed);
  if (seeded.policy || seeded.demoConnectors) {
    log('seeded an empty database', { databasePath: config.databasePath, seed: config.seed, demoConnectors: seeded.demoConnectors });
  }
  // Let SQLite gather the statistics its query planner needs (it analyzes only what needs it).
  analyze(db.$client, 'stale');
  const yoga = createApp({
    db,
    graphiql: config.graphiql,
    limits: config.limits,
    responseCache: config.responseCache,
    httpCache: config.httpCache,
    persistedOperations: config.persistedOperations,
    logLevel: config.logLevel,
    webhooks: config.webhooks,
    metrics: new Metrics({ processMetrics: true }),
  });
  const server = createServer(yoga.nodeListener);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log('listening', { url: `http://${config.host}:${port}/graphql`, databasePath: config.databasePath });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('shutting down', { signal });
    server.close(() => {
      db.$client.close();
      log('stopped');
      process.exit(0);
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

main();
