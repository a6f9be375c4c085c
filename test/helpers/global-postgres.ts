// Vitest global setup of the suite's PostgreSQL run (TEST_ENGINE=postgres): one throwaway cluster for every
// worker, its template migrated once and copied once more per seed mode and seeded; each test file copies
// databases from them (test/helpers/database.ts).
import type { TestProject } from 'vitest/node';
import { shareCluster, startCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { dir: string; port: number; password: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster();
  await cluster.prepareTemplates();
  project.provide('postgres', shareCluster(cluster));
  return () => cluster.stop();
}
