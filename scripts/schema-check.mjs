#!/usr/bin/env node
// The schema-change policy (docs/schema-policy.md), checked in CI: every breaking change between the
// last released schema and schema.graphql is listed in CHANGELOG.md's Unreleased section, and every
// deprecation says when it was made and when the element goes, at least 90 days apart.
//
//   node scripts/schema-check.mjs [--schema schema.graphql] [--released schema/released.graphql]
//                                 [--changelog CHANGELOG.md]
//
// Exit 0 when the policy holds, 1 with one line per problem when it does not, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
} from 'graphql';

export const MIN_DEPRECATION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The schema coordinate a breaking change is about (`Type.field`, `Enum.VALUE`, `Type`), read from
 * graphql-js's description of it.
 */
export function coordinateOf(change) {
  const d = change.description;
  const patterns = [
    [/^A required arg \w+ on (\w+\.\w+) was added/, (m) => m[1]],
    [/^A required field (\w+) on input type (\w+) was added/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+) was removed from (?:enum|union) type (\w+)/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+\.\w+)\b/, (m) => m[1]],
    [/^(\w+)\b/, (m) => m[1]],
  ];
  for (const [pattern, pick] of patterns) {
    const m = pattern.exec(d);
    if (m) return pick(m);
  }
  return d;
}

/** The entries (bullets with their continuation lines) of CHANGELOG's `## Unreleased` section. */
export function unreleasedEntries(changelog) {
  const lines = changelog.split('\n');
  const start = lines.findIndex((line) => /^## Unreleased\b/.test(line));
  if (start < 0) return [];
  const entries = [];
  for (const line of lines.slice(start + 1)) {
    if (/^## /.test(line)) break;
    if (/^\s*- /.test(line)) entries.push(line);
    else if (/^\s+\S/.test(line) && entries.length) entries[entries.length - 1] += `\n${line}`;
  }
  return entries;
}

/**
 * Whether the Unreleased section lists a breaking change: an entry that says "breaking" names the
 * coordinate in backticks, whole (`Connector.createdAt`) or by its last part (`createdAt`) when the
 * entry covers that name on every type.
 */
export function isListed(coordinate, entries) {
  const names = [coordinate, coordinate.split('.').at(-1)];
  return entries.some((entry) => /breaking/i.test(entry) && names.some((name) => entry.includes(`\`${name}\``)));
}

// `… Deprecated: 2026-11-30. Removal: 2027-03-01.` (anything before; the two dates as written).
const REASON = /Deprecated: (\d{4}-\d{2}-\d{2})\. Removal: (\d{4}-\d{2}-\d{2})\.$/;

/** Every deprecated field, argument, input field and enum value, with its coordinate and reason. */
export function deprecations(schema) {
  const found = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) found.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
        for (const arg of field.args ?? []) {
          if (arg.deprecationReason != null) found.push({ coordinate: `${type.name}.${field.name}(${arg.name}:)`, reason: arg.deprecationReason });
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (value.deprecationReason != null) found.push({ coordinate: `${type.name}.${value.name}`, reason: value.deprecationReason });
      }
    }
  }
  return found;
}

/** The problems with a deprecation's reason: its format and the 90 days between its two dates. */
export function deprecationProblem({ coordinate, reason }) {
  const m = REASON.exec(reason);
  if (!m) return `${coordinate} is deprecated with reason ${JSON.stringify(reason)}, which does not end "Deprecated: YYYY-MM-DD. Removal: YYYY-MM-DD."`;
  const [deprecated, removal] = [Date.parse(`${m[1]}T00:00:00Z`), Date.parse(`${m[2]}T00:00:00Z`)];
  if (Number.isNaN(deprecated) || Number.isNaN(removal)) return `${coordinate}: ${m[1]} or ${m[2]} is not a date`;
  const days = Math.round((removal - deprecated) / DAY_MS);
  if (days < MIN_DEPRECATION_DAYS) {
    return `${coordinate} is to be removed ${days} days after its deprecation (${m[1]} → ${m[2]}); the policy is at least ${MIN_DEPRECATION_DAYS} days`;
  }
  return null;
}

/** Checks the policy; returns the problems (empty when it holds) and notes to print either way. */
export function checkSchemaPolicy({ schema, released, changelog }) {
  const [before, after] = [buildSchema(released), buildSchema(schema)];
  const entries = unreleasedEntries(changelog);
  const problems = [];
  const notes = [];
  const breaking = findBreakingChanges(before, after);
  for (const change of breaking) {
    const coordinate = coordinateOf(change);
    if (!isListed(coordinate, entries)) {
      problems.push(
        `breaking change not listed in CHANGELOG.md's Unreleased section: ${change.description} (name \`${coordinate}\` in an entry that says "Breaking")`,
      );
    }
  }
  for (const change of findDangerousChanges(before, after)) notes.push(`dangerous (not breaking): ${change.description}`);
  const deprecated = deprecations(after);
  for (const one of deprecated) {
    const problem = deprecationProblem(one);
    if (problem) problems.push(problem);
  }
  notes.push(`${breaking.length} breaking change(s) since the released schema, ${deprecated.length} deprecation(s)`);
  return { problems, notes };
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        schema: { type: 'string', default: 'schema.graphql' },
        released: { type: 'string', default: 'schema/released.graphql' },
        changelog: { type: 'string', default: 'CHANGELOG.md' },
      },
    }));
  } catch (error) {
    process.stderr.write(`schema-check: ${error.message}\n`);
    process.exit(2);
  }
  const read = (path) => readFileSync(path, 'utf8');
  const { problems, notes } = checkSchemaPolicy({ schema: read(values.schema), released: read(values.released), changelog: read(values.changelog) });
  for (const note of notes) process.stdout.write(`schema-check: ${note}\n`);
  for (const problem of problems) process.stderr.write(`schema-check: ${problem}\n`);
  process.exit(problems.length ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
