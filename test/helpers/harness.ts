// A fresh database migrated from migrations/ and seeded through the real code (a copy of one seeded so,
// test/helpers/database.ts), and the app over it,
// asked through a loopback HTTP server on app.nodeListener: the listener `npm start` serves, fast lane
// included. (`h.app.fetch` is yoga alone, for the tests that compare the two on purpose.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type LogLine, type WebhookOptions } from '../../src/app.js';
import type { Limits } from '../../src/graphql/limits.js';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../src/db/client.js';
import * as tables from '../../src/db/schema.js';
import { createToken, type TokenScope } from '../../src/domain/tokens/tokens.js';
import { openTestDatabase } from './database.js';
import type { Metrics } from '../../src/http/metrics.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

/** An app served on 127.0.0.1 (an ephemeral port), listening from the first request on. */
export interface Served {
  /** A real HTTP request to `path` (with its query string) on the app's Node listener. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops listening and drops open connections; the harness works again afterwards on a new port. */
  close(): Promise<void>;
}

export interface Harness extends Served {
  db: Db;
  app: App;
  /** SQL statements sent since the last reset. */
  statements: string[];
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  token(name: string, scopes: TokenScope[]): Promise<string>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

/** Serves `app.nodeListener` on loopback; neither the server nor its connections keep the test worker alive. */
export function serve(app: Pick<App, 'nodeListener'>): Served {
  let server: Server | undefined;
  let origin: Promise<string> | undefined;
  const listen = () =>
    (origin ??= new Promise<string>((resolve, reject) => {
      const s = (server = createServer(app.nodeListener));
      s.on('connection', (socket) => socket.unref());
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
      s.unref();
    }));
  return {
    async fetch(path, init) {
      if (!path.startsWith('/')) throw new Error(`serve().fetch takes a path, not ${JSON.stringify(path)}`);
      return fetch(`${await listen()}${path}`, init);
    },
    async close() {
      const s = server;
      if (!s) return;
      server = origin = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

export async function createHarness(
  options: {
    seed?: boolean;
    connectors?: boolean;
    now?: () => Date;
    limits?: Partial<Limits>;
    log?: (line: LogLine) => void;
    webhooks?: Partial<WebhookOptions>;
    secretsKey?: Buffer;
    streams?: { maxPending?: number; pendingMs?: number };
  } = {},
): Promise<Harness> {
  const statements: string[] = [];
  const seed = (options.seed ?? true) ? ((options.connectors ?? true) ? 'demo' : 'none') : undefined;
  const db = await openTestDatabase({ onQuery: (sql) => statements.push(sql), seed });
  const app = await createApp({
    db,
    now: options.now,
    limits: options.limits,
    log: options.log ?? (() => {}),
    webhooks: options.webhooks,
    secretsKey: options.secretsKey,
    streams: options.streams,
  });
  const served = serve(app);
  statements.length = 0;
  return {
    db,
    app,
    statements,
    fetch: served.fetch,
    close: served.close,
    async gql(query, variables, token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await served.fetch('/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GraphQLResponse;
      return { ...body, status: response.status } as never;
    },
    async get(path, headers = {}) {
      return served.fetch(path, { headers });
    },
    async token(name, scopes) {
      return (await createToken(db, { name, scopes })).token;
    },
  };
}

/**
 * Every row of every table, in key order, for asserting that nothing changed. Tokens are made by the tests,
 * the audit log records refusals and failures too (test/audit-log.test.ts checks its rows), and on PostgreSQL
 * every transaction appends to the outbox, one that writes nothing else included.
 */
export async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const all = (Object.values(tables) as unknown[]).filter(
    (t): t is SQLiteTable => is(t, SQLiteTable) && !['api_tokens', 'audit_log', 'outbox'].includes(getTableConfig(t).name),
  );
  const out: Record<string, unknown[]> = {};
  for (const table of all.sort((a, b) => getTableConfig(a).name.localeCompare(getTableConfig(b).name))) {
    const config = getTableConfig(table);
    const keys = config.primaryKeys[0]?.columns ?? config.columns.filter((c) => c.primary);
    out[config.name] = await db
      .select()
      .from(table)
      .orderBy(...(keys.length ? keys : config.columns));
  }
  return out;
}

/** How the fast lane has answered so far, by outcome (cache_hit, executed, passed_on), from the app's metrics. */
export async function fastPathOutcomes(metrics: Metrics): Promise<Record<string, number>> {
  return Object.fromEntries((await metrics.fastPath.get()).values.map((v) => [v.labels.result, v.value]));
}
