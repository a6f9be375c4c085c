// Reads on hot standbys (DATABASE_REPLICA_URLS): the primary's pool, with each statement that only reads,
// sent outside a transaction, handed to a standby's pool instead. Everything else stays on the primary:
// transactions (drizzle takes a connection of the pool for them, and `connect()` is the primary's), writes,
// row locks, advisory locks, NOTIFY, and the feed's LISTEN connection (made from the primary's options).
// Routing by statement catches every way a store reads: drizzle's builders, relation queries, prepared
// statements and the raw helpers of raw.ts all end in `pool.query`.
import pg from 'pg';

/** Words that make a SELECT more than a read: writes in a WITH, row locks, sequences, locks and notifications. */
const NOT_ONLY_READS =
  /\b(insert|update|delete|merge|truncate|lock|copy|nextval|setval|pg_notify|set_config|pg_current_xact_id|txid_current|pg_(try_)?advisory\w*|lo_\w+)\b|\bfor\s+(no\s+key\s+update|key\s+share|share)\b/i;

/** Whether `text` only reads, so a hot standby may answer it; in doubt, no (the primary answers everything). */
export function onlyReads(text: string): boolean {
  const start = text.trimStart().replace(/^\(+\s*/, '');
  return /^(select|with|values|table)\b/i.test(start) && !NOT_ONLY_READS.test(start);
}

/**
 * Errors after which a read is asked of the primary instead: the standby cannot be reached or went away,
 * cancelled the query to apply the primary's changes (a recovery conflict), or refused a write. An error in
 * the SQL itself would fail on the primary too, and is not retried.
 */
function standbyFault(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  // 25006: a statement taken for a read wrote after all; in doubt, the primary answers.
  return !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P') || ['40001', '53300', '25006'].includes(code);
}

/** The primary's pool, reading through `replicas` in turn. A pg.Pool, so drizzle's transactions `connect()` to the primary. */
export class ReplicatedPool extends pg.Pool {
  private next = 0;

  constructor(
    config: pg.PoolConfig,
    readonly replicas: pg.Pool[],
  ) {
    super(config);
  }

  // pg.Pool's query has many overloads; this one passes them all on.
  override query(...args: any[]): any {
    const [statement, values, callback] = args as [string | pg.QueryConfig, unknown, unknown];
    const text = typeof statement === 'string' ? statement : statement?.text;
    // Callbacks and submittables (cursors, streams) go to the primary as they came.
    const plain = typeof values !== 'function' && callback === undefined && !(statement as { submit?: unknown })?.submit;
    if (!plain || typeof text !== 'string' || !onlyReads(text)) return (super.query as (...a: unknown[]) => unknown)(...args);
    const replica = this.replicas[this.next++ % this.replicas.length]!;
    return replica.query(statement as pg.QueryConfig, values as unknown[]).catch((error: unknown) => {
      if (!standbyFault(error)) throw error;
      return super.query(statement as pg.QueryConfig, values as unknown[]);
    });
  }

  override async end(): Promise<void> {
    await Promise.all([super.end(), ...this.replicas.map((r) => r.end())]);
  }
}
