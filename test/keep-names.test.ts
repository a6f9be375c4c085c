// The server runs under tsx, whose transform gives every function bound to a name an
// Object.defineProperty call where the function is made. Made once per request on the fast path,
// such calls cost the detail query about 7% of its throughput at 50 connections (see README, Speed).
// This runs the real server with those calls counted and checks that a read answered on the fast
// path (compiled by graphql-jit or run on graphql-js) makes none.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAIL, HEADLINE } from '../bench/scenarios.js';
import { DETAIL_QUERY, HEADLINE_QUERY, MATRIX_QUERY } from '../src/graphql/examples.js';
import { startServer, tempDir, type RunningServer } from './helpers/process.js';

const COUNTER = fileURLToPath(new URL('./fixtures/count-function-names.mjs', import.meta.url));

const READS: { query: string; variables?: Record<string, unknown> }[] = [
  { query: HEADLINE },
  { query: HEADLINE_QUERY },
  { query: DETAIL },
  {
    query: 'query($slug: String!) { connector(slug: $slug) { name breakingChanges { version } supportState } }',
    variables: { slug: 'destination-duckdb' },
  },
  { query: '{ connectors(first: 2, orderBy: {field: NAME, direction: DESC}) { edges { cursor node { slug tags } } pageInfo { endCursor hasNextPage } } }' },
  // The GraphiQL tabs: a detail with a defaulted variable, the support table.
  { query: DETAIL_QUERY },
  { query: MATRIX_QUERY },
  // Planned by plugin-drizzle on every request: a list with a relation field, the breaking changes, a node.
  { query: '{ connectors(first: 5, filter: {search: "post"}) { totalCount edges { node { slug supportState } } } }' },
  { query: '{ breakingChanges(first: 5) { totalCount edges { node { version connector { slug } } } } }' },
  { query: 'query($id: ID!) { node(id: $id) { id ... on Connector { slug breakingChanges { version } } } }', variables: { id: Buffer.from('Connector:1').toString('base64') } },
];

describe('functions made per request on the fast path, as the server runs (under tsx)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ DATABASE_PATH: join(tempDir(), 'registry.db'), RESPONSE_CACHE: 'false' }, ['--import', COUNTER]);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop();
  });

  const post = async (read: (typeof READS)[number]) => {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(read) });
    const body = (await res.json()) as { errors?: unknown };
    expect(res.status).toBe(200);
    expect(body.errors).toBeUndefined();
  };
  const named = async (): Promise<number> => {
    const before = server.output().length;
    server.child.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      const match = /functions named: (\d+)\n/.exec(server.output().slice(before));
      if (match) return Number(match[1]);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the server did not report its count');
  };
  const executed = async (): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/registry_fast_path_total\{result="executed"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('names no function while answering known reads, compiled or not', async () => {
    // The first of each goes through yoga (which makes functions) and teaches the fast path.
    for (const read of READS) for (let i = 0; i < 2; i++) await post(read);
    // /metrics goes through yoga: it is read outside the counted stretch.
    const executedBefore = await executed();
    const namedBefore = await named();
    expect(namedBefore).toBeGreaterThan(0); // the counter is in place: loading the code named many
    for (let i = 0; i < 10; i++) for (const read of READS) await post(read);
    const namedAfter = await named();
    expect(await executed()).toBe(executedBefore + 10 * READS.length);
    expect(namedAfter).toBe(namedBefore);
  });
});
