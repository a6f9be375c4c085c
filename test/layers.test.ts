// @engine-independent: reads the source files; no database.
// The layers of src/ and seed/, and the one direction imports may point: the map in a newcomer's head,
// checked. Imports are read with TypeScript's own parser (type-only ones count: they still couple the
// files), and the SQL check looks at the syntax tree, so comments and strings never trip it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/process.js';

type LayerName = 'db' | 'domain' | 'events' | 'context' | 'graphql' | 'http' | 'fast-lane' | 'config' | 'app' | 'production' | 'seed' | 'cli' | 'server';

interface Layer {
  name: LayerName;
  /** A folder (ending in /) or a file, relative to the repository root. */
  path: string;
  /** Other layers this one may import; its own is always allowed. */
  may: LayerName[];
  /** The one file other layers may import, when the layer has a single entry point. */
  entry?: string;
  why: string;
}

/** Lowest first. A file in no layer, or an import of one, is itself a violation: add the file here. */
const LAYERS: Layer[] = [
  { name: 'db', path: 'src/db/', may: [], why: 'tables, connection and migrations are the floor: they know no rule above them' },
  {
    name: 'domain',
    path: 'src/domain/',
    may: ['db'],
    why: 'rules and stores serve a resolver, the CLI, the seed and a test alike, so never GraphQL, HTTP or the app',
  },
  { name: 'events', path: 'src/events.ts', may: ['db', 'domain'], why: "the in-process bus carries the domain's news and knows nothing of transport" },
  {
    name: 'context',
    path: 'src/context.ts',
    may: ['db', 'domain', 'events'],
    why: 'what every resolver receives; the app builds it, so it names no HTTP code, not even a type',
  },
  {
    name: 'fast-lane',
    path: 'src/fast-lane/',
    entry: 'src/fast-lane/index.ts',
    may: ['db', 'domain', 'context'],
    why: 'speed behind one seam: it is handed the schema and everything above it needs, so it never imports graphql, http or the app',
  },
  {
    name: 'graphql',
    path: 'src/graphql/',
    may: ['db', 'domain', 'events', 'context', 'fast-lane'],
    why: 'the schema is thin resolvers over the domain; its fields declare what they read to the fast lane, through its entry point',
  },
  {
    name: 'http',
    path: 'src/http/',
    may: ['db', 'domain', 'events', 'context', 'graphql'],
    why: 'routes, metrics and caching around the schema; beside the fast lane, never through it',
  },
  {
    name: 'config',
    path: 'src/config.ts',
    may: ['db', 'graphql'],
    why: "the environment parsed once; it borrows the Limits type from the plugins that enforce the limits, and db/open's check of a DATABASE_URL",
  },
  {
    name: 'app',
    path: 'src/app.ts',
    may: ['db', 'domain', 'events', 'context', 'graphql', 'http', 'fast-lane', 'config'],
    why: 'assembles the gateway from the layers below and listens on nothing',
  },
  { name: 'production', path: 'src/production.ts', may: [], why: 'process settings server.ts loads first, so it must pull in none of the app' },
  { name: 'seed', path: 'seed/', may: ['db', 'domain'], why: 'fixtures go in through the domain functions, shared by the server, the CLI and the tests' },
  {
    name: 'cli',
    path: 'src/cli/',
    may: ['db', 'domain', 'config', 'seed', 'graphql'],
    why: 'commands over the database file (graphql only to print the schema); they never start the app or the server',
  },
  {
    name: 'server',
    path: 'src/server.ts',
    may: ['db', 'domain', 'events', 'context', 'graphql', 'http', 'fast-lane', 'config', 'app', 'production', 'seed'],
    why: 'the only file that listens: it wires everything and nothing imports it',
  },
];

/** Packages a layer must not import, whatever the table above allows. */
const FORBIDDEN_PACKAGES: { layers: LayerName[]; packages: RegExp; why: string }[] = [
  {
    layers: ['db', 'domain'],
    packages: /^(graphql|graphql-[\w-]+|@graphql-[\w-]+\/.*|@pothos\/.*|@escape\.tech\/graphql-.*|(node:)?https?)$/,
    why: 'no GraphQL and no HTTP in the data layers: expected failures are typed results, not GraphQL errors',
  },
];

/** Where no SQL may be written: those layers call a domain area's store (or db/) instead. */
const SQL_FREE = ['src/graphql/', 'src/http/', 'src/fast-lane/', 'src/app.ts'];

/** What counts as SQL, matched on the syntax tree. */
const SQL_SHAPES: { name: string; why: string; matches(node: ts.Node): boolean }[] = [
  { name: '$client', why: 'the raw better-sqlite3 connection', matches: (n) => ts.isIdentifier(n) && n.text === '$client' },
  { name: 'sql`…`', why: "drizzle's SQL template", matches: (n) => ts.isTaggedTemplateExpression(n) && ts.isIdentifier(n.tag) && n.tag.text === 'sql' },
  {
    name: 'sql.raw / sql.placeholder',
    why: "drizzle's raw SQL and prepared-statement placeholders",
    matches: (n) =>
      ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'sql' && ['raw', 'placeholder'].includes(n.name.text),
  },
  { name: '.prepare(', why: 'a prepared statement', matches: (n) => ts.isCallExpression(n) && calleeName(n) === 'prepare' },
  {
    name: 'db.select/insert/update/delete(',
    why: "drizzle's query builder on the database",
    matches: (n) =>
      ts.isCallExpression(n) &&
      ['select', 'insert', 'update', 'delete'].includes(calleeName(n) ?? '') &&
      endsInDb((n.expression as ts.PropertyAccessExpression).expression),
  },
  {
    name: 'db.query.',
    why: "drizzle's relational queries",
    matches: (n) => ts.isPropertyAccessExpression(n) && n.name.text === 'query' && endsInDb(n.expression),
  },
];

function calleeName(call: ts.CallExpression): string | undefined {
  return ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : undefined;
}

/** `db`, `ctx.db`, `this.db`: an expression that names the database. */
function endsInDb(node: ts.Expression): boolean {
  return (ts.isIdentifier(node) && node.text === 'db') || (ts.isPropertyAccessExpression(node) && node.name.text === 'db');
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'seed'))].map((f) => relative(ROOT, f).split('\\').join('/')).sort();

function layerOf(file: string): Layer | undefined {
  return LAYERS.find((l) => (l.path.endsWith('/') ? file.startsWith(l.path) : file === l.path));
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/** Every module specifier in a file: imports and re-exports (type-only included), import(), import types. */
function importsOf(source: ts.SourceFile): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  const add = (literal: ts.Node | undefined) => {
    if (literal && ts.isStringLiteralLike(literal)) found.push({ specifier: literal.text, line: lineOf(source, literal) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative specifier as the file it names (NodeNext: `./x.js` is `./x.ts`), or undefined. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(ROOT, dirname(from), specifier);
  const swapped = base.replace(/\.([cm]?)js(x?)$/, '.$1ts$2');
  const candidates = [swapped, base, `${base}.ts`, join(base, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit && relative(ROOT, hit).split('\\').join('/');
}

describe('the layers', () => {
  it('every module imports only from its own layer or the ones its rule allows', () => {
    expect(FILES).toContain('src/app.ts');
    const violations: string[] = [];
    for (const file of FILES) {
      const layer = layerOf(file);
      if (!layer) {
        violations.push(`${file} (in no layer: add it to LAYERS)`);
        continue;
      }
      const source = parse(file);
      for (const { specifier, line } of importsOf(source)) {
        const from = `${file}:${line}`;
        if (!specifier.startsWith('.')) {
          const rule = FORBIDDEN_PACKAGES.find((r) => r.layers.includes(layer.name) && r.packages.test(specifier));
          if (rule) violations.push(`${from} → ${specifier} (${layer.name} never imports it: ${rule.why})`);
          continue;
        }
        const target = resolveRelative(file, specifier);
        if (!target) {
          violations.push(`${from} → ${specifier} (does not resolve to a file)`);
          continue;
        }
        const to = layerOf(target);
        if (!to) violations.push(`${from} → ${target} (in no layer: add it to LAYERS)`);
        else if (to.name !== layer.name && !layer.may.includes(to.name)) {
          const allowed = layer.may.length ? layer.may.join(', ') : 'nothing';
          violations.push(`${from} → ${target} (${layer.name} may import ${allowed}, not ${to.name}: ${layer.why})`);
        } else if (to.name !== layer.name && to.entry && target !== to.entry) {
          violations.push(`${from} → ${target} (${to.name} is known only through ${to.entry})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('no SQL outside a domain area or db/: the graphql, http and fast-lane layers and app.ts call a store', () => {
    const checked = FILES.filter((f) => SQL_FREE.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p)));
    expect(checked).toContain('src/app.ts');
    const violations: string[] = [];
    for (const file of checked) {
      const source = parse(file);
      const visit = (node: ts.Node) => {
        for (const shape of SQL_SHAPES) if (shape.matches(node)) violations.push(`${file}:${lineOf(source, node)} ${shape.name} (${shape.why})`);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(violations).toEqual([]);
  });
});
