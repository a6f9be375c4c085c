// npm run registry:export -- --registry oss|cloud --out FILE
import { closeDatabase } from '../db/client.js';
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { exportRegistry } from '../domain/registry/export.js';
import type { RegistryKey } from '../db/schema.js';
import { openConfiguredDatabase, runCli } from './open.js';

const program = new Command('registry:export')
  .description("Write the registry in Airbyte's format (oss_registry.json / cloud_registry.json).")
  .addOption(new Option('--registry <registry>', 'which registry').choices(['oss', 'cloud']).makeOptionMandatory())
  .requiredOption('--out <file>', 'where to write it ("-" for standard output)')
  .action((opts: { registry: RegistryKey; out: string }) =>
    runCli(async () => {
      const db = await openConfiguredDatabase();
      try {
        const doc = await exportRegistry(db, opts.registry);
        const text = `${JSON.stringify(doc, null, 2)}\n`;
        if (opts.out === '-') process.stdout.write(text);
        else {
          writeFileSync(opts.out, text);
          process.stderr.write(`Wrote ${doc.sources.length} sources and ${doc.destinations.length} destinations to ${opts.out}\n`);
        }
      } finally {
        await closeDatabase(db);
      }
    }),
  );

await program.parseAsync();
