// A registry JSON file or URL is read as a stream (src/domain/registry/load.ts): it imports exactly what the
// whole document read with JSON.parse imports, a malformed document is refused with where it broke and
// nothing written, and a URL that cannot be read ends in one line naming it and the cause.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticEntry } from '../bench/synthetic.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { rawRows } from '../src/db/raw.js';
import { importConnectors, type ImportOptions } from '../src/domain/registry/import.js';
import { loadImportSource, loadRegistryJson, STREAM_CHUNK_BYTES } from '../src/domain/registry/load.js';
import { databaseEnv, fileDatabase, importCli, openFile, sqlColumn, watchDatabase, type RegistryDoc } from './helpers/import.js';
import { runNodeAsync, tempDir } from './helpers/process.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const NOW = () => new Date('2026-11-30T12:00:00.000Z');
const OPTIONS: ImportOptions = { now: NOW, maxUnavailableShare: 1 };
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Every row of every table, in rowid order (PostgreSQL has none: in the order of the rows' text, whose
 * first column is the id), without the columns that say when a row was written (and, for `ignore`,
 * others): two imports of the same entries give equal results.
 */
async function storedTables(db: Db, ignore: string[] = []): Promise<Record<string, unknown[]>> {
  const skip = new Set(['created_at', 'updated_at', 'finished_at', 'applied_at', 'recorded_at', ...ignore]);
  const postgres = db.$engine === 'postgres';
  const tables = await sqlColumn<string>(
    db,
    postgres
      ? sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`
      : sql`select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' order by name`,
  );
  // The outbox says when things happened (its payloads carry times), not what is stored.
  tables.splice(tables.indexOf('outbox'), 1);
  const stored: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await rawRows(db, sql`select * from ${sql.identifier(table)} t order by ${postgres ? sql`t::text` : sql`rowid`}`);
    stored[table] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !skip.has(column))));
  }
  return stored;
}

/** Imports a registry file into two new databases, once as a stream and once as a whole document held in memory. */
async function streamedAndWhole(path: string, given?: { streamed: Db; whole: Db }) {
  const dbs = given ?? { streamed: (await fileDatabase()).db, whole: (await fileDatabase()).db };
  const streamed = await importConnectors(dbs.streamed, await loadImportSource(path), OPTIONS);
  const whole = await importConnectors(dbs.whole, loadRegistryJson(readFileSync(path, 'utf8'), path, 'oss'), OPTIONS);
  return { streamed, whole, dbs };
}

/** A registry document a stream reads in many chunks: indented with tabs, other top-level keys around the lists, names in several scripts (multi-byte characters fall across chunk boundaries), an invalid entry and one without a readable definition ID. */
function awkwardRegistry(count: number): RegistryDoc & Record<string, unknown> {
  const names = ['Ünïcödé', 'データ', 'Ωmega 🚀', 'plain'];
  const entry = (i: number, type: 'source' | 'destination'): Record<string, unknown> => ({
    ...syntheticEntry(i, type),
    name: `${names[i % names.length]} ${type} ${i} “quoted” \\ \u0007`,
  });
  const sources = Array.from({ length: count }, (_, i) => entry(i, 'source'));
  const destinations = Array.from({ length: count }, (_, i) => entry(i, 'destination'));
  sources[6]!.dockerImageTag = '';
  destinations[9]!.destinationDefinitionId = 'not-a-uuid';
  return {
    generator: { version: 2, lists: ['destinations', 'sources'], note: '{"not": ["a list"]}' },
    destinations,
    sources,
    trailer: [1, 2.5e-3, null, true, false, 'x'],
  };
}

/** The same document with some entries changed and some gone, to import over the first. */
function edited(doc: RegistryDoc): RegistryDoc {
  const copy = structuredClone(doc) as RegistryDoc;
  copy.sources[3]!.dockerImageTag = '9.9.9';
  copy.sources[4]!.supportLevel = 'certified';
  copy.destinations[5]!.releases = { breakingChanges: { '3.0.0': { upgradeDeadline: '2026-12-01', message: 'Streams renamed.' } } };
  copy.destinations.splice(20, 2);
  return copy;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback HTTP server answering with `handler`; its base URL. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends a file in small pieces, each after a turn of the event loop, as a slow server would. */
function streamFile(path: string, piece = 16 * 1024): RequestListener {
  const bytes = readFileSync(path);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let at = 0;
    const next = () => {
      if (at >= bytes.length) return void res.end();
      res.write(bytes.subarray(at, (at += piece)));
      setImmediate(next);
    };
    next();
  };
}

const importUrl = (database: string, url: string) => runNodeAsync(['dist/src/cli/registry-import.js', url, '--quiet'], databaseEnv(database));

describe('a registry file read as a stream', () => {
  itWithRealData('imports the real 2025-01-29 OSS registry as the whole document does', async () => {
    expect(statSync(REAL.oss2025).size).toBeGreaterThan(10 * STREAM_CHUNK_BYTES);
    const { streamed, whole, dbs } = await streamedAndWhole(REAL.oss2025);
    expect(streamed.added).toBe(559);
    expect(streamed.report).toEqual(whole.report);
    expect(await storedTables(dbs.streamed)).toEqual(await storedTables(dbs.whole));
  });

  it('imports a document of many chunks, multi-byte names, other keys and invalid entries as the whole document does, and then its edited version', async () => {
    const dir = tempDir('import-stream-');
    const first = join(dir, 'oss_registry.json');
    const doc = awkwardRegistry(400);
    writeFileSync(first, JSON.stringify(doc, null, '\t'));
    expect(statSync(first).size).toBeGreaterThan(10 * STREAM_CHUNK_BYTES);

    const once = await streamedAndWhole(first);
    expect(once.streamed.report.counts).toMatchObject({ entries: 800, added: 798, refused: 2 });
    expect(once.streamed.report.refused).toEqual([
      { entry: 'sources[6] (Ωmega 🚀 source 6 “quoted” \\ \u0007)', path: 'sources[6].dockerImageTag', rule: 'must not be empty' },
      {
        entry: 'destinations[9] (データ destination 9 “quoted” \\ \u0007)',
        path: 'destinations[9].destinationDefinitionId',
        rule: 'must be a UUID (8-4-4-4-12 hex digits)',
      },
    ]);
    expect(once.streamed.report).toEqual(once.whole.report);
    expect(await storedTables(once.dbs.streamed)).toEqual(await storedTables(once.dbs.whole));

    // Over what it wrote: the plan reads the entries of stored connectors again from the file.
    const second = join(dir, 'oss_registry.edited.json');
    writeFileSync(second, JSON.stringify(edited(doc)));
    const twice = await streamedAndWhole(second, once.dbs);
    expect(twice.streamed.report.counts).toMatchObject({ changed: 3, unchanged: 793, levelChanges: 1 });
    expect(twice.streamed.report).toEqual(twice.whole.report);
    expect(await storedTables(twice.dbs.streamed)).toEqual(await storedTables(twice.dbs.whole));
  });

  it('refuses an entry whose definition ID an earlier entry has, as the whole-document import did', async () => {
    const dir = tempDir('import-stream-');
    const path = join(dir, 'oss_registry.json');
    const copy = { ...syntheticEntry(1, 'source'), name: 'Copy', dockerRepository: 'airbyte/source-copy' };
    writeFileSync(path, JSON.stringify({ sources: [syntheticEntry(1, 'source'), syntheticEntry(2, 'source'), copy], destinations: [] }));
    const loaded = await loadImportSource(path);
    expect(loaded.items.length).toBe(2);
    expect(loaded.problems).toEqual([
      { file: path, entry: 'sources[2] (Copy)', path: 'definitionId', message: 'repeats the definition ID of sources[0] (Synthetic source 1)' },
    ]);
  });

  it('writes nothing when the file changed between reading and writing', async () => {
    const dir = tempDir('import-stream-');
    const path = join(dir, 'oss_registry.json');
    writeFileSync(path, JSON.stringify(awkwardRegistry(50)));
    const { path: database, db } = await fileDatabase();
    const loaded = await loadImportSource(path);
    writeFileSync(path, JSON.stringify(edited(awkwardRegistry(50))));
    const watch = await watchDatabase(database);
    await expect(importConnectors(db, loaded, OPTIONS)).rejects.toThrow(
      `${path} changed after it was read (its size or modification time differs); import it again`,
    );
    await watch.expectUnchanged();
    await watch.close();
  });
});

describe('a malformed registry file', () => {
  describeWithRealData('cut from the real 2025-01-29 OSS registry', () => {
    const text = readFileSync(REAL.oss2025, 'utf8');
    const doc = JSON.parse(text) as RegistryDoc;
    // The file lists its 49 destinations, then its 510 sources; where sources[300] begins, in characters and in bytes.
    const at = text.indexOf(`{"sourceDefinitionId":"${doc.sources[300]!.sourceDefinitionId}"`);
    const start = Buffer.byteLength(text.slice(0, at));
    /** The real file with `edit` made from the start of sources[300]. */
    function broken(edit: (rest: string) => string): string {
      const path = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(path, text.slice(0, at) + edit(text.slice(at)));
      return path;
    }

    it('is refused with the entry and the bytes where it broke, and nothing is written, through the domain and the CLI', async () => {
      const path = broken((rest) => rest.replace('","name"', '" "name"'));
      const loaded = await loadImportSource(path);
      expect(loaded.items.length).toBe(0);
      expect(loaded.unreadable).toEqual(['(file)']);
      expect(loaded.problems).toEqual([
        {
          file: path,
          entry: '(file)',
          path: '',
          message: expect.stringMatching(new RegExp(`^not valid JSON in sources\\[300\\] \\(bytes ${start} to \\d+\\): `)),
        },
      ]);
      expect(loaded.contentHash).toBe(sha256(readFileSync(path)));

      const { path: database, db } = await fileDatabase();
      await importConnectors(db, await loadImportSource(REAL.oss2025), OPTIONS);
      await closeDatabase(db);
      const watch = await watchDatabase(database);
      const cli = importCli(database, [path]);
      await watch.expectUnchanged();
      await watch.close();
      expect(cli.status).toBe(1);
      expect(cli.stdout).toContain(`  refused (file):\n      (entry): not valid JSON in sources[300] (bytes ${start} to `);
      expect(cli.stderr.trim().split('\n').at(-1)).toMatch(
        /^error: refused: 1 of the 1 entry is invalid\. It would have: .*Nothing was written; --skip-invalid/,
      );
    });

    it('says where a broken token, a stray value between entries, a cut-off file, a repeated list, a byte-order mark or nothing at all stops the reading', async () => {
      const problem = async (path: string) => (await loadImportSource(path)).problems.map((p) => p.message);
      const token = broken((rest) => rest.replace('"name"', '"name":tru,"x"'));
      expect(await problem(token)).toEqual([expect.stringMatching(new RegExp(`^not valid JSON in sources\\[300\\] \\(from byte ${start}\\): `))]);
      // A number where a comma belongs: the entry after it is where the grammar breaks.
      const stray = broken((rest) => `7 ${rest}`);
      expect(await problem(stray)).toEqual([`not valid JSON at byte ${start + 2}, after sources[300]: Unexpected LEFT_BRACE ("{") in state COMMA`]);
      const cut = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(cut, Buffer.from(text).subarray(0, start + 100));
      expect(await problem(cut)).toEqual([expect.stringMatching(new RegExp(`^not valid JSON in sources\\[300\\] \\(from byte ${start}\\): `))]);

      const lists = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(lists, '{"sources": [], "destinations": [], "sources": []}');
      expect((await loadImportSource(lists)).problems).toEqual([
        { file: lists, entry: '(file)', path: 'sources', message: 'sources is given twice; a registry file lists it once' },
      ]);

      const bom = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(bom, `\uFEFF${text}`);
      expect(await problem(bom)).toEqual(['not valid JSON: the file begins with a byte-order mark or is not UTF-8']);

      const empty = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(empty, '  \n');
      expect((await loadImportSource(empty)).problems[0]!.message).toBe('not valid JSON: the file is empty');
    });
  });

  it('says what the document lacks as the whole-document path does', async () => {
    for (const body of ['[]', '{"sources": {}}', '{"sources": [], "destinations": 3}', '"text"']) {
      const path = join(tempDir('import-stream-'), 'oss_registry.json');
      writeFileSync(path, body);
      expect((await loadImportSource(path)).problems, body).toEqual(loadRegistryJson(body, path, 'oss').problems);
    }
  });
});

describe('a registry URL', () => {
  itWithRealData('imports the real 2025-01-29 OSS registry streamed by a loopback server as its file imports', async () => {
    const base = await serve(streamFile(REAL.oss2025));
    const url = `${base}/oss_registry.json`;
    const fromUrl = (await fileDatabase()).db;
    const fromFile = (await fileDatabase()).db;
    const viaUrl = await importConnectors(fromUrl, await loadImportSource(url), OPTIONS);
    const viaFile = await importConnectors(fromFile, await loadImportSource(REAL.oss2025), OPTIONS);
    expect(viaUrl.report.contentHash).toBe(sha256(readFileSync(REAL.oss2025)));
    expect({ ...viaUrl.report, source: REAL.oss2025 }).toEqual(viaFile.report);
    // The rows say where they came from; everything else is the same.
    expect(await sqlColumn(fromUrl, sql`select distinct imported_from from registry_entries`)).toEqual([url]);
    expect(await storedTables(fromUrl, ['imported_from', 'source', 'actor', 'target'])).toEqual(
      await storedTables(fromFile, ['imported_from', 'source', 'actor', 'target']),
    );

    // The compiled CLI, from the same server, writes what it writes from the file.
    const { path: a } = await fileDatabase();
    const { path: b } = await fileDatabase();
    const cli = await importUrl(a, url);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^Imported ${url} \\(oss registry, 559 entries\\) in [\\d.]+ s as import 1:\n  added 559, `));
    expect((await runNodeAsync(['dist/src/cli/registry-import.js', REAL.oss2025, '--quiet'], databaseEnv(b))).status).toBe(0);
    const [ua, ub] = [openFile(a), openFile(b)];
    expect(await storedTables(ua, ['imported_from', 'source', 'imported_at', 'started_at', 'target', 'at'])).toEqual(
      await storedTables(ub, ['imported_from', 'source', 'imported_at', 'started_at', 'target', 'at']),
    );
    await closeDatabase(ua);
    await closeDatabase(ub);
  });

  it('that cannot be read ends the command in one line naming the URL and the cause, before any database is opened', async () => {
    const refused = `http://127.0.0.1:${await closedPort()}/oss_registry.json`;
    const base = await serve((req, res) => {
      if (req.url === '/missing.json') return void res.writeHead(404).end('no such registry');
      if (req.url === '/broken.json') return void res.writeHead(500).end('boom');
      // A body that stops halfway: headers, some bytes, then the connection is dropped.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('{"sources": [');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const cases: [string, RegExp][] = [
      [refused, /^connection refused \(ECONNREFUSED\)$/],
      [`${base}/missing.json`, /^it answered HTTP 404 Not Found$/],
      [`${base}/broken.json`, /^it answered HTTP 500 Internal Server Error$/],
      [`${base}/halfway.json`, /^the body broke off after 13 bytes: .+$/],
    ];
    for (const [url, cause] of cases) {
      const database = join(tempDir('import-stream-'), 'registry.db');
      const run = await importUrl(database, url);
      expect(run.status, url).toBe(1);
      expect(run.stdout, url).toBe('');
      const lines = run.stderr.split('\n');
      expect(lines, url).toHaveLength(2);
      expect(lines[0], url).toMatch(/^error: cannot import /);
      expect(lines[0]!.slice(`error: cannot import ${url}: `.length), url).toMatch(cause);
      expect(existsSync(database), url).toBe(false);
    }
  });

  it('that does not answer in time is given up with the time it was given', async () => {
    const base = await serve(() => {});
    await expect(loadImportSource(`${base}/oss_registry.json`, { timeoutMs: 300 })).rejects.toThrow(
      `cannot import ${base}/oss_registry.json: no answer within 0.3 s`,
    );
  });
});
