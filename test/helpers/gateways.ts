// A second gateway on the database a harness uses: another connection (pool) to the same PostgreSQL
// database, or another pair of connections to the same SQLite file, with its own app served on loopback.
// Tests of races between gateways send one request to each at once.
import { createApp } from '../../src/app.js';
import { closeDatabase, type Db, openDatabase } from '../../src/db/client.js';
import { openPostgres, poolOf } from '../../src/db/postgres.js';
import { type GraphQLResponse, serve } from './harness.js';

/** Another handle on the database `db` is open on: its own connections, as another gateway has. */
export function secondHandle(db: Db): Db {
  if (db.$engine === 'postgres') return openPostgres(poolOf(db).options.connectionString!, { poolSize: 4 });
  return openDatabase(db.$client.name, { synchronous: 'OFF' });
}

export interface Gateway {
  db: Db;
  gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** A second gateway: an app over secondHandle(db), answering over HTTP. */
export async function secondGateway(db: Db, now?: () => Date): Promise<Gateway> {
  const other = secondHandle(db);
  const app = await createApp({ db: other, now, log: () => {}, webhooks: false });
  const served = serve(app);
  return {
    db: other,
    async gql(query, variables, token) {
      const response = await served.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await response.json()) as GraphQLResponse), status: response.status } as never;
    },
    async close() {
      await served.close();
      await closeDatabase(other);
    },
  };
}

/** Stops a harness's server and closes its database (a PostgreSQL pool holds connections until then). */
export async function closeHarness(h: { db: Db; close(): Promise<void> }): Promise<void> {
  await h.close();
  await closeDatabase(h.db);
}
