// npm run registry:import -- <path-or-URL> [--registry oss|cloud] [--skip-invalid]
import { Command, Option } from 'commander';
import { importConnectors } from '../domain/registry/import.js';
import { ImportError, loadImportSource } from '../domain/registry/load.js';
import type { RegistryKey } from '../db/schema.js';
import { openConfiguredDatabase, runCli } from './open.js';

const program = new Command('registry:import')
  .description('Load an Airbyte registry JSON file (path or URL) or a folder of metadata.yaml files into the registry.')
  .argument('<source>', 'oss_registry.json / cloud_registry.json (path or http(s) URL), a metadata.yaml, or a folder of them')
  .addOption(
    new Option('--registry <registry>', 'which registry a JSON file is (default: cloud if the file name says so, else oss)').choices(['oss', 'cloud']),
  )
  .option('--skip-invalid', 'import the valid entries and report the invalid ones, instead of importing nothing', false)
  .option('--quiet', 'print only the summary', false)
  .action((source: string, opts: { registry?: RegistryKey; skipInvalid: boolean; quiet: boolean }) =>
    runCli(async () => {
      const started = performance.now();
      const loaded = await loadImportSource(source, { registry: opts.registry });
      if (loaded.problems.length && !opts.skipInvalid) throw new ImportError(loaded.problems);
      const db = openConfiguredDatabase();
      try {
        const summary = importConnectors(db, loaded, {
          onProgress: opts.quiet ? undefined : (done, total) => process.stderr.write(`\r  ${done}/${total} connectors`),
        });
        if (!opts.quiet && loaded.items.length) process.stderr.write('\n');
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        const lines = [
          `Imported ${source} (${loaded.registries.length ? `${loaded.registries[0]} registry` : 'metadata.yaml'}) in ${seconds} s:`,
          `  added ${summary.added}, updated ${summary.updated}, unchanged ${summary.unchanged}, ` +
            `level changes ${summary.levelChanges.length}, now unavailable ${summary.disabled.length}, skipped ${summary.skipped.length}`,
          ...summary.levelChanges.map((c) => `  level: ${c.slug} ${c.from} → ${c.to}`),
          ...summary.disabled.map((slug) => `  no longer listed, marked unavailable: ${slug}`),
          ...summary.skipped.map((s) => `  skipped ${s.entry}: ${s.path || '(entry)'}: ${s.message}`),
          ...summary.notes.map((n) => `  ${n}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        db.$client.close();
      }
    }),
  );

await program.parseAsync();
