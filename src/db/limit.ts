// LIMIT values written into the SQL text instead of bound as parameters. SQLite's query planner reads
// the value bound to `limit ?` when it plans (SQLite 3.53 here), so such a statement is compiled again
// every time it runs, however long it has been kept prepared (several times slower than with a literal
// limit, bench/RESULTS.md). Every limit the gateway sets is a small integer it
// computed itself (a page size plus one, a fixed count), never text from a request.
import { sql, type SQL } from 'drizzle-orm';

/** `n` as a literal for a LIMIT clause, in drizzle's select and relational-query builders alike. */
export function literalLimit(n: number): SQL {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a limit must be a non-negative integer, not ${n}`);
  return sql.raw(String(n));
}
