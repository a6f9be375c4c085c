// The shape of a migrated database, read from the engine's own catalog (SQLite's PRAGMAs and sqlite_master,
// PostgreSQL's information_schema and pg_catalog) into one engine-neutral form, so two databases can be
// compared with toEqual: tables, columns (type family, nullability, whether they have a default), primary
// keys, unique constraints, indexes (name, uniqueness, keys, partial), checks (by name), foreign keys and
// triggers (by name). Names the engines choose themselves (SQLite's autoindexes, PostgreSQL's *_key and
// *_pkey) are left out; what they cover is compared.
import type Database from 'better-sqlite3';
import type pg from 'pg';

export interface TableShape {
  columns: Record<string, { type: 'text' | 'integer'; nullable: boolean; hasDefault: boolean }>;
  primaryKey: string[];
  /** Unique constraints the engine named, by their keys. */
  unique: string[];
  /** Declared indexes, by name: "unique? (keys) partial?". */
  indexes: Record<string, string>;
  checks: string[];
  foreignKeys: string[];
  triggers: string[];
}

export type SchemaShape = Record<string, TableShape>;

/** An index key or expression as both engines print it, reduced to its words: no quotes, casts, parens or case. */
export function normalizeKey(key: string): string {
  return key
    .toLowerCase()
    .replace(/::\w+/g, '')
    .replace(/[`"'()\s]/g, '');
}

/** Splits "a, (b, c), d" at its top-level commas. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim());
}

const sqliteType = (declared: string): 'text' | 'integer' => (/int/i.test(declared) ? 'integer' : 'text');
// jsonb holds what SQLite's json text columns hold; boolean what its 0/1 integers hold.
const pgType = (type: string): 'text' | 'integer' => (/int|boolean/.test(type) ? 'integer' : 'text');

function emptyTable(): TableShape {
  return { columns: {}, primaryKey: [], unique: [], indexes: {}, checks: [], foreignKeys: [], triggers: [] };
}

/** The keys of a SQLite index, from its CREATE INDEX text (the PRAGMAs do not give expressions). */
function sqliteIndexKeys(createSql: string): string[] {
  const open = createSql.indexOf('(', createSql.search(/\sON\s/i));
  const where = createSql.search(/\)\s*WHERE\s/i);
  return splitTopLevel(createSql.slice(open + 1, where >= 0 ? where : createSql.lastIndexOf(')'))).map(normalizeKey);
}

export function sqliteShape(db: Database.Database): SchemaShape {
  const shape: SchemaShape = {};
  const tables = db.prepare("select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as {
    name: string;
    sql: string;
  }[];
  for (const { name, sql } of tables) {
    const t = (shape[name] = emptyTable());
    const cols = db.prepare(`select * from pragma_table_info(?)`).all(name) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    for (const c of cols) t.columns[c.name] = { type: sqliteType(c.type), nullable: !c.notnull && !c.pk, hasDefault: c.dflt_value !== null };
    t.primaryKey = cols
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const indexes = db.prepare('select name, "unique", origin, partial from pragma_index_list(?)').all(name) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    for (const ix of indexes) {
      if (ix.origin === 'pk') continue;
      const keys = (db.prepare('select name from pragma_index_info(?) order by seqno').all(ix.name) as { name: string }[]).map((k) => k.name);
      if (ix.origin === 'u') t.unique.push(`(${keys.join(',')})`);
      else {
        const createSql = (db.prepare("select sql from sqlite_master where type = 'index' and name = ?").get(ix.name) as { sql: string }).sql;
        t.indexes[ix.name] = `${ix.unique ? 'unique ' : ''}(${sqliteIndexKeys(createSql).join(',')})${ix.partial ? ' partial' : ''}`;
      }
    }
    t.checks = [...sql.matchAll(/CONSTRAINT\s+["`]?(\w+)["`]?\s+CHECK/gi)].map((m) => m[1]!);
    t.foreignKeys = sqliteForeignKeys(db, name);
    t.triggers = (db.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = ?").all(name) as { name: string }[]).map((r) => r.name);
  }
  return sorted(shape);
}

function sqliteForeignKeys(db: Database.Database, table: string): string[] {
  const rows = db.prepare('select * from pragma_foreign_key_list(?) order by id, seq').all(table) as {
    id: number;
    table: string;
    from: string;
    to: string;
    on_delete: string;
  }[];
  const byId = new Map<number, typeof rows>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((fk) => {
    const first = fk[0]!;
    const action = first.on_delete === 'NO ACTION' ? '' : ` ON DELETE ${first.on_delete}`;
    return `(${fk.map((r) => r.from).join(',')}) -> ${first.table}(${fk.map((r) => r.to).join(',')})${action}`;
  });
}

export async function postgresShape(client: pg.Client): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const cols = await client.query(
    `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
     where table_schema = 'public' order by table_name, ordinal_position`,
  );
  for (const c of cols.rows) {
    const t = (shape[c.table_name] ??= emptyTable());
    t.columns[c.column_name] = { type: pgType(c.data_type), nullable: c.is_nullable === 'YES', hasDefault: c.column_default !== null };
  }
  const indexes = await client.query(
    `select t.relname as table_name, i.relname as name, x.indisunique as unique, x.indisprimary as primary, x.indpred is not null as partial,
            exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.contype = 'u') as constraint,
            array(select pg_get_indexdef(x.indexrelid, n, true) from generate_series(1, x.indnkeyatts) n) as keys
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace s on s.oid = t.relnamespace
     where s.nspname = 'public'`,
  );
  for (const ix of indexes.rows) {
    const t = shape[ix.table_name]!;
    const keys: string[] = ix.keys;
    if (ix.primary) t.primaryKey = keys;
    else if (ix.constraint) t.unique.push(`(${keys.join(',')})`);
    else t.indexes[ix.name] = `${ix.unique ? 'unique ' : ''}(${keys.map(normalizeKey).join(',')})${ix.partial ? ' partial' : ''}`;
  }
  const constraints = await client.query(
    `select t.relname as table_name, k.conname as name, k.contype as type, pg_get_constraintdef(k.oid) as def
     from pg_constraint k join pg_class t on t.oid = k.conrelid join pg_namespace s on s.oid = t.relnamespace
     where s.nspname = 'public' and k.contype in ('c', 'f')`,
  );
  for (const k of constraints.rows) {
    const t = shape[k.table_name]!;
    if (k.type === 'c') t.checks.push(k.name);
    else t.foreignKeys.push(postgresForeignKey(k.def));
  }
  const triggers = await client.query(
    `select t.relname as table_name, g.tgname as name from pg_trigger g join pg_class t on t.oid = g.tgrelid join pg_namespace s on s.oid = t.relnamespace
     where s.nspname = 'public' and not g.tgisinternal`,
  );
  for (const g of triggers.rows) shape[g.table_name]!.triggers.push(g.name);
  return sorted(shape);
}

/** "FOREIGN KEY (a) REFERENCES t(b) ON DELETE CASCADE" as sqliteForeignKeys writes it. */
function postgresForeignKey(def: string): string {
  const m = /^FOREIGN KEY \(([^)]*)\) REFERENCES (\w+)\(([^)]*)\)(.*)$/.exec(def);
  if (!m) throw new Error(`unexpected foreign key definition: ${def}`);
  const strip = (list: string) => list.replace(/[\s"]/g, '');
  return `(${strip(m[1]!)}) -> ${m[2]}(${strip(m[3]!)})${m[4]!.replace(/ ON UPDATE NO ACTION| ON DELETE NO ACTION/g, '')}`;
}

/** Lists sorted, so the order the catalog returns them in never matters. */
function sorted(shape: SchemaShape): SchemaShape {
  for (const t of Object.values(shape)) {
    t.unique.sort();
    t.checks.sort();
    t.foreignKeys.sort();
    t.triggers.sort();
  }
  return shape;
}
