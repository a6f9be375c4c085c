// A field backed by one column, declared once: the resolver that reads it and the record of what it
// reads, from which the fast lane derives which columns a selection needs (src/fast-lane/columns.ts).
import { reads } from '../fast-lane/index.js';

/** The resolver and extensions of a field that reads its parent row's `key` column under the same name. */
export function column<Row, K extends keyof Row & string>(key: K) {
  return { resolve: (row: Row) => row[key], extensions: reads([key], { rowProperty: true }) };
}

/** The same for a field whose name differs from its column's: compiled operations call its resolver. */
export function renamedColumn<Row, K extends keyof Row & string>(key: K) {
  return { resolve: (row: Row) => row[key], extensions: reads([key]) };
}

/** The extensions of a field whose resolver reads these columns of its parent row and nothing else. */
export function readsColumns(...keys: string[]) {
  return reads(keys);
}

/** The extensions of a field whose data plugin-drizzle's plan loads beside the row, and the row columns it reads itself. */
export function plannedWith(...keys: string[]) {
  return reads(keys, { planned: true });
}
