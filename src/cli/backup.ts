// npm run db:backup -- FILE: an online, consistent copy of DATABASE_PATH, safe while the server runs.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { runCli } from './open.js';

const program = new Command('db:backup')
  .description("Copy the database with SQLite's online backup API: readers and writers carry on meanwhile.")
  .argument('<file>', 'where to write the backup (must not exist)')
  .action((file: string) =>
    runCli(async () => {
      if (existsSync(file)) throw new Error(`${file} already exists; choose a new file`);
      const config = loadConfig();
      if (!existsSync(config.databasePath)) throw new Error(`${config.databasePath}: no database there`);
      const db = openDatabase(config.databasePath, { busyTimeoutMs: config.dbBusyTimeoutMs });
      try {
        const started = performance.now();
        const result = await db.$client.backup(file);
        const check = new Database(file, { readonly: true });
        const integrity = check.pragma('integrity_check', { simple: true });
        const connectors = check.prepare('select count(*) from connectors').pluck().get();
        check.close();
        if (integrity !== 'ok') throw new Error(`the backup failed its integrity check: ${String(integrity)}`);
        process.stdout.write(
          `Backed up ${config.databasePath} to ${file}: ${result.totalPages} pages, ${connectors} connectors, integrity ok, ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
        );
      } finally {
        db.$client.close();
      }
    }),
  );

await program.parseAsync();
