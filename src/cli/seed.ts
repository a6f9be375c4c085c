// npm run seed: loads the policy and curated connectors into an empty DATABASE_PATH.
import { seedIfEmpty } from '../../seed/index.js';
import { openConfiguredDatabase, runCli } from './open.js';

await runCli(() => {
  const db = openConfiguredDatabase();
  try {
    process.stdout.write(seedIfEmpty(db) ? 'Seeded.\n' : 'The database already has data; nothing seeded.\n');
  } finally {
    db.$client.close();
  }
});
