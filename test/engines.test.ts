// @engine-independent: reads test files and vitest's configuration; the database it asks for must be refused.
// The PostgreSQL run leaves out the files marked engine-independent (test/helpers/engines.ts), and only them;
// a marked file cannot pick the suite's engine, statically (TEST_ENGINE, the harness) or at run time (the helpers refuse).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';
import { openTestDatabase, suiteEngine } from './helpers/database.js';
import { engineIndependentFiles, isEngineIndependent, refuseInEngineIndependent, testFiles } from './helpers/engines.js';
import { fileDatabase } from './helpers/import.js';
import { postgresMissing } from './helpers/postgres.js';
import { ROOT, startServer, tempDir, testEnv } from './helpers/process.js';

const marked = engineIndependentFiles(ROOT);

describe('test files the PostgreSQL run leaves out', () => {
  it('are the marked ones: the postgres project excludes each of them and no other test file', () => {
    const projects = (config.test?.projects ?? []) as { test: { name: string; exclude?: string[] } }[];
    const postgres = projects.find((p) => p.test.name === 'postgres');
    if (postgresMissing) return expect(postgres).toBeUndefined();
    const all = new Set(testFiles(ROOT));
    const excluded = (postgres?.test.exclude ?? []).filter((pattern) => all.has(pattern));
    expect(excluded.sort()).toEqual(marked);
    expect(marked).toContain('test/engines.test.ts');
  });

  it('never import TEST_ENGINE nor the harness (which runs on the suite engine)', () => {
    for (const file of marked) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      expect(source, file).not.toMatch(/import \{[^}]*\bTEST_ENGINE\b[^}]*\} from/);
      expect(source, file).not.toMatch(/from '\.\/helpers\/(harness|gateways)\.js'/);
    }
  });

  it('know the marker only at the start of a line and with a reason', () => {
    expect(isEngineIndependent('// @engine-independent: no database.\nimport x;')).toBe(true);
    expect(isEngineIndependent('import x;\n// @engine-independent: no database.\n')).toBe(true);
    expect(isEngineIndependent('// @engine-independent:\n')).toBe(false);
    expect(isEngineIndependent('const s = "// @engine-independent: x";')).toBe(false);
    const dir = tempDir();
    const file = join(dir, 'marked.test.ts');
    writeFileSync(file, '// @engine-independent: a fixture.\n');
    expect(() => refuseInEngineIndependent(file, 'opens a database')).toThrow(/marked\.test\.ts is marked .*opens a database/);
    writeFileSync(file, '// a fixture without the marker\n');
    expect(() => refuseInEngineIndependent(file, 'opens a database')).not.toThrow();
  });

  it('fail when they ask the helpers for a database or a process on the suite engine', async () => {
    // This file is marked: every door to the suite engine must refuse it.
    expect(() => suiteEngine('opens a database')).toThrow(/engine-independent/);
    await expect(openTestDatabase()).rejects.toThrow(/engines\.test\.ts is marked .*opens a database/);
    await expect(fileDatabase()).rejects.toThrow(/engine-independent/);
    await expect(testEnv({ DATABASE_PATH: join(tempDir(), 'x.db') })).rejects.toThrow(/starts a process/);
    await expect(startServer({ DATABASE_PATH: join(tempDir(), 'x.db') })).rejects.toThrow(/engine-independent/);
    // Naming the engine is allowed: the file then does the same on either run.
    const named = await testEnv({ DATABASE_PATH: 'x.db' }, 'sqlite');
    expect(named).toEqual({ DATABASE_PATH: 'x.db' });
  });
});
