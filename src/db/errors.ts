/**
 * Whether an error (or its cause: drizzle wraps driver errors) is a UNIQUE violation, optionally on
 * `column`: SQLite's SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY (the message names table.column) or PostgreSQL's
 * 23505 (the detail names the key's columns).
 */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, detail, constraint } = e as { code?: unknown; detail?: unknown; constraint?: unknown };
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return column ? e.message.includes(column) : true;
    }
    if (code === '23505') {
      if (!column) return true;
      const name = column.includes('.') ? column.slice(column.indexOf('.') + 1) : column;
      return (typeof detail === 'string' && detail.includes(`(${name})`)) || (typeof constraint === 'string' && constraint.includes(name));
    }
  }
  return false;
}

/** Whether an error (or its cause) says the database could not be reached or the connection was lost. */
export function isConnectionLost(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (/^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)/.test(code) || /^(08|57P0)/.test(code))) return true;
    if (/Connection terminated|connection timeout/i.test(e.message)) return true;
  }
  return false;
}
