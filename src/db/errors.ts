/** Whether an error (or its cause: drizzle wraps driver errors) is a UNIQUE violation, optionally on `column`. */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return column ? e.message.includes(column) : true;
    }
  }
  return false;
}
