// The sort key of a connector's name, kept in connectors.name_key so lists and cursors order names
// as people read them (case and accents ignored) with a plain index: SQLite has no such collation, and
// better-sqlite3 no API to add one.

/** Letters that compatibility decomposition leaves whole but a base-strength collation reads as others. */
const FOLDED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th' };

/**
 * Spaces and punctuation in the order Unicode's collation (CLDR root, as Intl.Collator) puts them, all
 * before digits and letters; each is stored as a control character of that rank so byte order agrees.
 */
const PUNCTUATION = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';
const RANK = new Map([...PUNCTUATION].map((c, i) => [c, String.fromCharCode(1 + i)]));

/** NFKD, combining marks dropped, lower case, a few letters folded, punctuation ranked: compared as bytes, as a person reads names. */
export function nameKey(name: string): string {
  let key = '';
  for (const c of name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()) key += FOLDED[c] ?? RANK.get(c) ?? c;
  return key;
}

/** The name of the SQL function nameKey is registered as on every connection (for migrations that backfill). */
export const NAME_KEY_FUNCTION = 'connector_name_key';
