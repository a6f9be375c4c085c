// npm run db:migrate: applies committed migrations to the configured database (DATABASE_URL or DATABASE_PATH),
// under PostgreSQL's advisory lock there: a deployment step before the gateways start, or beside them.
import { closeDatabase } from '../db/client.js';
import { openConfiguredDatabase, runCli } from './open.js';

await runCli(async () => {
  const db = await openConfiguredDatabase();
  await closeDatabase(db);
  process.stdout.write('Migrations applied.\n');
});
