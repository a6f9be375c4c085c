// Statements gathered and sent together on PostgreSQL: a batch is one round trip however many statements
// it holds. The simple query protocol takes several statements but no parameters, so the bound values are
// inlined as quoted literals, untyped as parameters are: PostgreSQL infers each one's type from its place.
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Db } from './client.js';
import { rawRun } from './raw.js';

interface PgDialectOwner {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}

/** A bound value as the literal PostgreSQL would have read from its parameter. */
function literal(value: unknown): string {
  if (value == null) return 'null';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `'${String(value)}'`;
  throw new TypeError(`a batched statement cannot inline a ${typeof value} value`);
}

/**
 * `query` as one statement's text, its values inlined. Every `$n` in the text is taken for a placeholder,
 * so a statement whose own text holds one (in a literal or a dollar-quoted body) is refused, not altered.
 */
export function inlined(db: Db, query: SQL): string {
  const { sql: text, params } = (db as unknown as PgDialectOwner).dialect.sqlToQuery(query);
  const seen = text.match(/\$\d+/g) ?? [];
  if (seen.length !== params.length || seen.some((p, i) => p !== `$${i + 1}`)) {
    throw new Error(`a batched statement must hold its placeholders $1..$${params.length} once each, in order: ${text.slice(0, 200)}`);
  }
  return text.replace(/\$(\d+)/g, (_: string, n: string) => literal(params[Number(n) - 1]));
}

/**
 * The batch's error with the driver's message, detail and code (drizzle's wrapper would quote the whole
 * batch), naming the statement when PostgreSQL gives a position (in the joined text: syntax errors do).
 */
function failedStatement(error: unknown, statements: string[]): unknown {
  const driver = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(driver instanceof Error)) return error;
  const { position, detail, code } = driver as { position?: string; detail?: string; code?: string };
  let end = 0;
  const index = position ? statements.findIndex((s) => (end += s.length + SEPARATOR.length) >= Number(position)) : -1;
  const where =
    index >= 0
      ? `statement ${index + 1} of ${statements.length} in a batch: ${statements[index]!.slice(0, 200)}`
      : `in a batch of ${statements.length} statements`;
  return Object.assign(new Error(`${driver.message}${detail ? ` (${detail})` : ''} (${where})`, { cause: driver }), { code });
}

const SEPARATOR = ';\n';

export interface StatementBatch {
  /** Adds a statement; sends the batch once it holds `maxChars` of text. */
  add(query: SQL): Promise<void>;
  /** Sends what the batch holds, in order, in one round trip. */
  flush(): Promise<void>;
}

/** A batch of statements for `tx` (PostgreSQL only), sent when it reaches `maxChars` or is flushed. */
export function statementBatch(tx: Db, maxChars = 512 * 1024): StatementBatch {
  if (tx.$engine !== 'postgres') throw new Error('statementBatch is for PostgreSQL; SQLite runs its statements in-process');
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!pending.length) return;
    const statements = pending;
    pending = [];
    size = 0;
    try {
      await rawRun(tx, sql.raw(statements.join(SEPARATOR)));
    } catch (error) {
      throw failedStatement(error, statements);
    }
  };
  return {
    flush,
    async add(query) {
      const statement = inlined(tx, query);
      pending.push(statement);
      size += statement.length;
      if (size >= maxChars) await flush();
    },
  };
}
