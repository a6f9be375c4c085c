import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { connectors } from '../src/db/schema.js';
import type { Db } from '../src/db/client.js';
import { connectorSeedSchema, MANAGED_COLUMNS } from '../src/domain/connectors/input.js';
import { insertConnector } from '../src/domain/connectors/store.js';
import { CONNECTOR_COLUMNS, REGISTRY_FIELDS } from '../src/domain/registry/format.js';
import { createHarness } from './helpers/harness.js';

const REAL_OSS = fileURLToPath(new URL('../../shared/airbyte-registry/oss-registry-2025-01-29/oss_registry.json', import.meta.url));

const TABLE = getTableColumns(connectors);

/** The value at a dotted path of an entry, as format.ts reads it. */
function fieldAt(entry: Record<string, any>, path: readonly string[]): unknown {
  return path.reduce<any>((value, key) => (value && typeof value === 'object' ? value[key] : undefined), entry);
}

describe('the connector columns and the registry', () => {
  it('declares every column of the table as copied from a registry field, derived by a rule, or internal', () => {
    // A column added to the table without a line in CONNECTOR_COLUMNS (src/domain/registry/format.ts)
    // would be neither imported nor exported: this fails instead.
    expect(Object.keys(CONNECTOR_COLUMNS).sort()).toEqual(Object.keys(TABLE).sort());
  });

  it('copies only fields that the real 2025 OSS registry carries', () => {
    const doc = JSON.parse(readFileSync(REAL_OSS, 'utf8'));
    const entries = [...doc.sources, ...doc.destinations];
    const missing = REGISTRY_FIELDS.filter(({ path }) => !entries.some((e) => fieldAt(e, path) != null)).map(({ path }) => path.join('.'));
    expect(missing).toEqual([]);
  });

  it('lets insertConnector take and write every column the database does not manage', () => {
    const writable = Object.keys(TABLE).filter((c) => !(c in MANAGED_COLUMNS));
    expect(Object.keys(connectorSeedSchema.shape).filter((k) => k in TABLE).sort()).toEqual(writable.sort());
    // A value for every writable column: the seed's, and one of the column's type where the seed has none.
    const base = SEED_CONNECTORS.find((c) => c.slug === 'source-stripe')!;
    const sample = (column: string): unknown => {
      const type = TABLE[column as keyof typeof TABLE].dataType;
      return type.startsWith('number') ? 5400 : type.startsWith('object') ? ['sample'] : 'sample';
    };
    const seed: Record<string, unknown> = { ...base, releaseDate: '2017-07-19' };
    for (const column of writable) seed[column] ??= sample(column);
    const h = createHarness({ connectors: false });
    const row = h.db.transaction((tx) => insertConnector(tx as unknown as Db, seed as never)) as Record<string, unknown>;
    for (const column of writable) expect(row[column], column).toEqual(seed[column]);
  });
});
