// Writes src/http/persisted-documents.json, the persisted operations (trusted documents) the gateway serves by
// id: every operation of the typed-client example, of GraphiQL's opening tabs and of the catalog page, as GraphQL
// Code Generator's client preset prints and hashes them (`persistedDocuments`: id "sha256:<hex of the printed
// text>" → text).
//
//   npm run persisted:generate            rewrite the manifest
//   npm run persisted:generate -- --check fail when the committed manifest differs from a fresh generation
//
// Each document set is its own codegen target: the example and GraphiQL both name an operation
// SupportedWithSla, which one client-preset output cannot hold; the manifest is keyed by hash, so it can.
// The preset skips anonymous operations (the catalog page sends two); they are added with the printer and
// hash it uses (src/http/persisted.ts, which also recognizes a persisted operation sent as text).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { Kind, parse } from 'graphql';
import { GRAPHIQL_TABS } from '../src/graphql/examples.js';
import { canonicalText, documentIdOf } from '../src/http/persisted.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MANIFEST = fileURLToPath(new URL('../src/http/persisted-documents.json', import.meta.url));

/** The operations the catalog page (src/http/public/catalog.html) sends: each string in it that is a GraphQL operation. */
export function catalogOperations(): string[] {
  const page = readFileSync(new URL('../src/http/public/catalog.html', import.meta.url), 'utf8');
  const strings = [...page.matchAll(/`([^`]*)`|'([^'\n]*)'/g)].map((m) => m[1] ?? m[2] ?? '');
  return strings.filter((text) => {
    try {
      return parse(text).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION);
    } catch {
      return false;
    }
  });
}

function isAnonymous(text: string): boolean {
  return parse(text).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && !d.name);
}

/** Where the operations come from: codegen document pointers (globs, or a document's text) per set. */
const SOURCES: Record<string, string[]> = {
  'typed-client': ['examples/typed-client/src/**/*.ts', '!examples/typed-client/src/gql/**'],
  graphiql: GRAPHIQL_TABS.map((tab) => tab.query),
  catalog: catalogOperations(),
};

/** The manifest's text, freshly generated from the committed schema.graphql and SOURCES. */
export async function generateManifest(): Promise<string> {
  const generates = Object.fromEntries(
    Object.entries(SOURCES).map(([name, documents]) => [`${name}/`, { documents, preset: 'client' as const, presetConfig: { persistedDocuments: true } }]),
  );
  const previous = process.cwd();
  process.chdir(ROOT);
  try {
    const files: { filename: string; content: string }[] = await generate(
      { schema: 'schema.graphql', silent: true, emitLegacyCommonJSImports: false, generates },
      false,
    );
    const merged: Record<string, string> = {};
    for (const file of files.filter((f) => f.filename.endsWith('persisted-documents.json'))) {
      Object.assign(merged, JSON.parse(file.content) as Record<string, string>);
    }
    for (const text of [...SOURCES.graphiql!, ...SOURCES.catalog!]) {
      const id = documentIdOf(text);
      if (merged[id] !== undefined) continue;
      if (!isAnonymous(text)) throw new Error(`the client preset printed this operation otherwise than src/http/persisted.ts does:\n${text}`);
      merged[id] = canonicalText(text);
    }
    const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
    return `${JSON.stringify(sorted, null, 2)}\n`;
  } finally {
    process.chdir(previous);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fresh = await generateManifest();
  if (process.argv.includes('--check')) {
    if (readFileSync(MANIFEST, 'utf8') !== fresh) {
      process.stderr.write('src/http/persisted-documents.json is stale: run npm run persisted:generate\n');
      process.exit(1);
    }
  } else {
    writeFileSync(MANIFEST, fresh);
    process.stdout.write(`wrote ${Object.keys(JSON.parse(fresh)).length} persisted operations to src/http/persisted-documents.json\n`);
  }
}
