// npm run db:migrate: applies committed migrations to DATABASE_PATH.
import { openConfiguredDatabase, runCli } from './open.js';

await runCli(() => {
  const db = openConfiguredDatabase();
  db.$client.close();
  process.stdout.write('Migrations applied.\n');
});
