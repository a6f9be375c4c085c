// SECURITY.md's threat model and the README's security table name error codes; the code emits them.
// A code listed that nothing emits fails, and so does an authentication or limit code emitted but not
// listed in SECURITY.md. The tests a row names exist.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/process.js';

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(name) ? [p] : [];
  });
}

/** How a code is given in this code base: `code: 'X'`, `code ||= 'X'`, limit plugins' `tag('X')`, the HTTP checks' `jsonError(…, 403, 'X', …)`. */
const EMITTED = [/\bcode\s*(?:\|\|=|=|:)\s*'([A-Z][A-Z0-9_]+)'/g, /\btag\('([A-Z][A-Z0-9_]+)'\)/g, /\bjsonError\([^,]+,\s*\d{3},\s*'([A-Z][A-Z0-9_]+)'/g];

function codesIn(paths: string[]): Set<string> {
  const codes = new Set<string>();
  for (const path of paths) {
    const text = readFileSync(path, 'utf8');
    for (const pattern of EMITTED) for (const m of text.matchAll(pattern)) codes.add(m[1]!);
  }
  return codes;
}

/** Codes the gateway's own source emits, and those graphql-yoga's pipeline adds (GRAPHQL_VALIDATION_FAILED, BAD_REQUEST). */
const ours = codesIn(files(join(ROOT, 'src'), /\.ts$/));
const emitted = new Set([...ours, ...codesIn(files(join(ROOT, 'node_modules/graphql-yoga/esm'), /\.js$/))]);

/** Refusals of who is asking or how much: these must be in SECURITY.md. */
const GUARD =
  /^(UNAUTHENTICATED|FORBIDDEN|TOKEN_[A-Z_]+|THROTTLED|CSRF_[A-Z_]+|UNSUPPORTED_MEDIA_TYPE|[A-Z_]+_LIMIT_EXCEEDED|[A-Z_]+_TOO_LARGE|[A-Z_]+_LIMITED)$/;

/** The rows of the first Markdown table after `heading`. */
function tableRows(path: string, heading: string): string[][] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const start = text.indexOf(heading);
  expect(start, `${path} has "${heading}"`).toBeGreaterThan(-1);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const table = lines.slice(
    first,
    lines.findIndex((l, i) => i > first && !l.startsWith('|')),
  );
  return table.slice(2).map((l) => l.split('|').slice(1, -1));
}

const CODE = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{5,})`/g;
const codesOf = (cells: string[]) => [...cells.join(' ').matchAll(CODE)].map((m) => m[1]!);

/** Test files other branches of the same release bring; listed until they land. */
const LANDING_ELSEWHERE = new Set(['test/webhook-targets.test.ts', 'test/webhook-secrets.test.ts', 'test/clients.test.ts', 'test/fair-use.test.ts']);

describe('SECURITY.md', () => {
  const rows = tableRows('SECURITY.md', '## Threat model');

  it('lists only codes the gateway emits', () => {
    const listed = rows.flatMap((r) => codesOf([r[3]!]));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((c) => !emitted.has(c))).toEqual([]);
  });

  it('lists every authentication and limit code the gateway emits', () => {
    const listed = new Set(rows.flatMap((r) => codesOf([r[3]!])));
    const guards = [...ours].filter((c) => GUARD.test(c)).sort();
    expect(guards).toContain('TOKEN_EXPIRED');
    expect(guards.filter((c) => !listed.has(c))).toEqual([]);
  });

  it('names a test for every threat, and the tests exist', () => {
    for (const row of rows) {
      const tests = [...row[4]!.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1]!);
      expect(tests, row[1]).not.toEqual([]);
      for (const t of tests) expect(existsSync(join(ROOT, t)) || LANDING_ELSEWHERE.has(t), t).toBe(true);
    }
  });
});

describe("README's security table", () => {
  it('lists only codes the gateway emits', () => {
    const listed = tableRows('README.md', '## Security in brief').flatMap((r) => codesOf([r[1]!]));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((c) => !emitted.has(c))).toEqual([]);
  });
});
