import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { engineIndependentFiles } from './test/helpers/engines.js';
import { postgresMissing } from './test/helpers/postgres-bin.js';

// The suite runs twice: on SQLite (the default engine), then on PostgreSQL (TEST_ENGINE=postgres). Each run
// has one throwaway cluster, started by its global setup, which also serves the SQLite run's tests that
// compare engines; a test worker never starts one (a worker can be killed before it could stop it).
// Without PostgreSQL on the machine the second run is left out, and the global setup says so in one line
// (under CI it fails instead).
const withPostgres = !postgresMissing;
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (Pothos and Yoga load it so); vite would pick the
    // .mjs build for our files, giving two graphql realms. Use the one Node uses.
    alias: [{ find: /^graphql$/, replacement: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when stale (the process tests run the compiled server and CLIs) and reports a missing browser once.
    globalSetup: ['test/helpers/global-build.ts', ...(withPostgres ? ['test/helpers/global-postgres.ts'] : [])],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for what eventually shows (a browser's page, a sender's record); a loaded machine
    // needs more than its default second. It returns as soon as the value is there.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // vitest's default (one worker fewer than the cores) is a single worker on a 2-core machine, and a file
    // spends much of its time waiting on PostgreSQL, child processes and sockets: one worker more than the
    // cores keeps them busy. VITEST_MAX_WORKERS=n overrides it (the projects inherit this, not --maxWorkers).
    maxWorkers: availableParallelism() + 1,
    provide: { postgres: null },
    projects: [
      { extends: true, test: { name: 'sqlite' } },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                env: { TEST_ENGINE: 'postgres' },
                // A file marked `// @engine-independent: <why>` does the same on either engine: SQLite's run has it.
                exclude: [...configDefaults.exclude, ...engineIndependentFiles(root)],
              },
            },
          ]
        : []),
    ],
  },
});
