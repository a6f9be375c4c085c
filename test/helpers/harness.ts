// A fresh database migrated from migrations/ and seeded through the real code, and a yoga app over it.
import { createApp, type App, type LogLine } from '../../src/app.js';
import type { Limits } from '../../src/graphql/limits.js';
import { openDatabase, type Db } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createToken, type TokenScope } from '../../src/domain/tokens/tokens.js';
import { seedIfEmpty } from '../../seed/index.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export interface Harness {
  db: Db;
  app: App;
  /** SQL statements sent since the last reset. */
  statements: string[];
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  token(name: string, scopes: TokenScope[]): string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

export function createHarness(
  options: {
    seed?: boolean;
    connectors?: boolean;
    now?: () => Date;
    limits?: Partial<Limits>;
    log?: (line: LogLine) => void;
    webhooks?: { retryBaseMs: number; maxAttempts: number; timeoutMs: number };
  } = {},
): Harness {
  const statements: string[] = [];
  const db = openDatabase(':memory:', { onQuery: (sql) => statements.push(sql) });
  migrateDatabase(db);
  if (options.seed ?? true) seedIfEmpty(db, { connectors: options.connectors ?? true });
  const app = createApp({ db, now: options.now, limits: options.limits, log: options.log ?? (() => {}), webhooks: options.webhooks });
  statements.length = 0;
  return {
    db,
    app,
    statements,
    async gql(query, variables, token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await app.fetch('http://yoga/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GraphQLResponse;
      return { ...body, status: response.status } as never;
    },
    async get(path, headers = {}) {
      return app.fetch(`http://yoga${path}`, { headers });
    },
    token(name, scopes) {
      return createToken(db, { name, scopes }).token;
    },
  };
}

/** Every row of every table, for asserting that nothing changed. */
export function snapshot(db: Db): Record<string, unknown[]> {
  const tables = db.$client
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' and name != 'api_tokens' order by name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((t) => [t, db.$client.prepare(`select * from "${t}" order by rowid`).all()]));
}
