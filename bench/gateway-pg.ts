// The gateway as the PostgreSQL bench runs it: the compiled server (as `npm start` serves it) with
// DATABASE_URL, checked to have connected to that database. G, G+cache and the balanced G×N use it.
import { join } from 'node:path';
import pg from 'pg';
import { GATEWAY, start, stop } from './harness.js';

export async function post(port: number, body: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  return res.text();
}

/** Client connections to `url`'s database from anything but the bench's own (application_name bench-…); autovacuum workers are not clients. */
async function foreignConnections(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-check' });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int n from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid() and coalesce(application_name, '') not like 'bench-%'",
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/** Whether G runs on PostgreSQL in this build; once it does not, the other scenarios skip it without asking again. */
let gatewayOnPostgres: boolean | undefined;

/**
 * Starts the gateway on `url` as the SQLite bench starts it, with DATABASE_URL; null (and one line on stderr)
 * when it does not start, or starts without connecting to PostgreSQL (a build that ignores DATABASE_URL).
 * DATABASE_PATH points into the run's folder so that such a build writes no SQLite file anywhere else.
 */
export async function startGateway(url: string, dir: string, port: number, cache: boolean, body: string) {
  if (gatewayOnPostgres === false) return null;
  const env = {
    DATABASE_URL: url,
    DATABASE_PATH: join(dir, 'gateway-sqlite-unused', 'registry.db'),
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED: 'false',
    GRAPHIQL: 'false',
    LOG_LEVEL: 'warn',
    COST_BUDGET: '0',
    RESPONSE_CACHE: String(cache),
  };
  let child: Awaited<ReturnType<typeof start>>;
  try {
    child = await start([GATEWAY], env, port, { quiet: true });
  } catch (error) {
    gatewayOnPostgres = false;
    process.stderr.write(`G on PostgreSQL skipped: the gateway did not start with DATABASE_URL (${(error as Error).message.split('\n')[0]})\n`);
    return null;
  }
  // The scenario's own query: it reads the database, so a gateway on PostgreSQL holds a connection right after.
  await post(port, body);
  if ((await foreignConnections(url)) === 0) {
    await stop(child);
    gatewayOnPostgres = false;
    process.stderr.write('G on PostgreSQL skipped: the gateway started but opened no connection to PostgreSQL (this build ignores DATABASE_URL)\n');
    return null;
  }
  gatewayOnPostgres = true;
  return child;
}
