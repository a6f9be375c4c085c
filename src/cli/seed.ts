// npm run seed: the support policy and the demo connectors, into a DATABASE_PATH that has no connectors.
import { closeDatabase } from '../db/client.js';
import { countDemoData } from '../domain/registry/demo.js';
import { seedDatabase } from '../../seed/index.js';
import { openConfiguredDatabase, runCli } from './open.js';

await runCli(async () => {
  // Opening writes the support policy into a new database; the demo connectors are this command's work.
  const db = await openConfiguredDatabase();
  try {
    const { demoSkipped } = await seedDatabase(db, 'demo');
    if (demoSkipped) {
      process.stdout.write(`Nothing seeded: ${demoSkipped}. Demo connectors go only into a registry with no connectors that never had an import.\n`);
      return;
    }
    const demo = await countDemoData(db);
    process.stdout.write(
      `Seeded ${demo.connectors} demo connectors with ${demo.breakingChanges} breaking changes, beside the support policy. ` +
        'They are marked as demo data: the first real registry import removes them (unless it is run with --keep-demo).\n',
    );
  } finally {
    await closeDatabase(db);
  }
});
