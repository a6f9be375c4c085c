// npm run db:backup -- FILE: an online, consistent copy of DATABASE_PATH, safe while the server runs.
import { closeDatabase } from '../db/client.js';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { runCli } from './open.js';

const program = new Command('db:backup')
  .description("Copy the database with SQLite's online backup API: readers and writers carry on meanwhile.")
  .argument('<file>', 'where to write the backup (must not exist; its folder is created when missing)')
  .action((file: string) =>
    runCli(async () => {
      const config = loadConfig();
      // SQLite's online backup copies a file; PostgreSQL has its own tools (docs/features.md, Backups).
      if (config.databaseUrl) throw new Error('db:backup copies a SQLite file; DATABASE_URL names PostgreSQL: back it up with pg_dump (or pg_basebackup)');
      if (existsSync(file)) throw new Error(`${file} already exists; choose a new file`);
      const source = resolve(config.databasePath);
      // Opening would create an empty file; a backup of nothing is a mistake worth saying.
      if (!existsSync(source)) throw new Error(`${source}: no database there (DATABASE_PATH)`);
      const target = resolve(file);
      // No separate "database:" line (as the other commands print): every line this command writes names it.
      const db = openDatabase(source, { busyTimeoutMs: config.dbBusyTimeoutMs });
      try {
        const started = performance.now();
        mkdirSync(dirname(target), { recursive: true });
        const result = await db.$client.backup(target).catch((error: Error) => {
          throw new Error(`backing up ${source} to ${target}: ${error.message}`);
        });
        const check = new Database(target, { readonly: true });
        const integrity = check.pragma('integrity_check', { simple: true });
        const connectors = check.prepare('select count(*) from connectors').pluck().get();
        check.close();
        if (integrity !== 'ok') throw new Error(`the backup of ${source} in ${target} failed its integrity check: ${String(integrity)}`);
        process.stdout.write(
          `Backed up ${source} to ${target}: ${result.totalPages} pages, ${connectors} connectors, integrity ok, ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
        );
      } finally {
        await closeDatabase(db);
      }
    }),
  );

await program.parseAsync();
