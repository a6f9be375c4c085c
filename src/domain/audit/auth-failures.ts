// Failed authentication, in bursts: a refused token is counted per client address in one-minute
// windows, and the AUTH_FAILURES_THRESHOLD-th refusal of a window writes one audit row. One bad
// request is noise; a run of them from one address is someone guessing or a client left with an old
// token, and either is worth a row. Later refusals in the same window write nothing more.
import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/client.js';
import { AUDIT_ACTIONS, appendAudit } from './store.js';

export const AUTH_FAILURES_THRESHOLD = 5;
export const AUTH_FAILURES_WINDOW_MS = 60_000;
/** Addresses counted at once; the least recently refused is forgotten first. */
const ADDRESSES_KEPT = 10_000;

interface Window {
  start: number;
  failures: number;
  codes: Record<string, number>;
}

export class AuthFailures {
  private readonly windows = new LRUCache<string, Window>({ max: ADDRESSES_KEPT });

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Counts one refused token from `clientAddress` (with its code); writes the burst's row when it is due (resolved once written). */
  async failed(clientAddress: string | null, code: string): Promise<void> {
    const at = this.now();
    const start = at.getTime() - (at.getTime() % AUTH_FAILURES_WINDOW_MS);
    const key = clientAddress ?? '';
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, failures: 0, codes: {} };
      this.windows.set(key, window);
    }
    window.failures++;
    window.codes[code] = (window.codes[code] ?? 0) + 1;
    if (window.failures !== AUTH_FAILURES_THRESHOLD) return;
    await appendAudit(this.db, {
      actor: null,
      action: AUDIT_ACTIONS.authFailures,
      clientAddress,
      outcome: 'refused',
      code,
      detail: { failures: window.failures, codes: { ...window.codes }, windowStart: new Date(start).toISOString() },
      at,
    });
  }
}
