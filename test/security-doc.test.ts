// @engine-independent: checks SECURITY.md against the error codes; no database.
// SECURITY.md's threat model names error codes: a code listed that the gateway cannot answer with fails,
// and so does an authentication or limit code declared but not listed. The tests a row names exist.
// (The README's table is checked against the declaration by test/error-codes.test.ts.)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USER_ERROR_CODES } from '../src/domain/errors.js';
import { ERROR_CODES } from '../src/graphql/error-codes.js';
import { ROOT } from './helpers/process.js';

/**
 * The codes a caller can meet: the declared request-error codes (test/error-codes.test.ts provokes each
 * through a real server, and fails on a literal code outside the declaration) and the userError codes.
 */
const emitted = new Set<string>([...Object.keys(ERROR_CODES), ...USER_ERROR_CODES]);

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
const LANDING_ELSEWHERE = new Set(['test/clients.test.ts']);

describe('SECURITY.md', () => {
  const rows = tableRows('SECURITY.md', '## Threat model');

  it('lists only codes the gateway emits', () => {
    const listed = rows.flatMap((r) => codesOf([r[3]!]));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((c) => !emitted.has(c))).toEqual([]);
  });

  it('lists every authentication and limit code the gateway emits', () => {
    const listed = new Set(rows.flatMap((r) => codesOf([r[3]!])));
    const guards = [...emitted].filter((c) => GUARD.test(c)).sort();
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
