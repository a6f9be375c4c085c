import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (Pothos and Yoga load it so); vite would pick the
    // .mjs build for our files, giving two graphql realms. Use the one Node uses.
    alias: [{ find: /^graphql$/, replacement: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when stale (the process tests run the compiled server and CLIs) and reports a missing browser once.
    globalSetup: ['test/helpers/global-build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
