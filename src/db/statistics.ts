// The statistics SQLite's query planner reads to choose an index: how many rows each index narrows a
// lookup to (sqlite_stat1), gathered by ANALYZE after a seed or an import and by PRAGMA optimize when
// the server starts. better-sqlite3's SQLite is built with STAT4, so ANALYZE also keeps samples of
// values (sqlite_stat4); with samples, every statement that compares an indexed column with a bound
// value is planned again each time it runs, in case the value changes the plan, which undoes keeping
// statements prepared (the headline page's statement is markedly slower with samples; the detail
// statement's plan is the same either way). The gateway keeps the
// per-index figures and drops the samples; its large lists do not depend on them (the per-level merge
// in src/domain/connectors/page.ts reads the same indexes with or without statistics).
import type Database from 'better-sqlite3';

/** Gathers fresh statistics: all of them (`full`, after bulk writes) or what PRAGMA optimize finds stale. */
export function analyze(sqlite: Database.Database, how: 'full' | 'stale'): void {
  sqlite.exec(how === 'full' ? 'ANALYZE' : 'PRAGMA optimize=0x10002');
  dropValueSamples(sqlite);
}

/** Empties sqlite_stat4 (when SQLite keeps one) and has the planner reload the statistics without it. */
function dropValueSamples(sqlite: Database.Database): void {
  const kept = sqlite.prepare("select 1 from sqlite_schema where type = 'table' and name = 'sqlite_stat4'").get();
  if (!kept || !sqlite.prepare('select 1 from sqlite_stat4 limit 1').get()) return;
  sqlite.exec('DELETE FROM sqlite_stat4');
  sqlite.exec('ANALYZE sqlite_schema');
}
