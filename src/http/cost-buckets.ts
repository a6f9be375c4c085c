// Leaky buckets of points, one per key, on an injected clock: each holds up to `maximumAvailable`
// points and restores `restoreRate` a second. Written here rather than taken from a package: the
// rate limiters on npm count requests in fixed windows (rate-limiter-flexible) or read the system
// clock and wait instead of refusing (limiter); this needs any amount taken, the level read back, a
// refund after the fact and a clock a test can move.
import { LRUCache } from 'lru-cache';

export interface BucketSettings {
  maximumAvailable: number;
  /** Points restored per second. */
  restoreRate: number;
}

export type Taken = { ok: true; available: number } | { ok: false; available: number; retryAfterSeconds: number };

interface Level {
  points: number;
  at: number;
}

export class CostBuckets {
  // A key not seen for long enough to be dropped would be full again by the time it returns.
  private readonly levels: LRUCache<string, Level>;

  constructor(
    private readonly clock: () => number,
    maxKeys = 100_000,
  ) {
    this.levels = new LRUCache({ max: maxKeys });
  }

  /** The points `key` has now. */
  available(key: string, settings: BucketSettings): number {
    const level = this.levels.get(key);
    if (!level) return settings.maximumAvailable;
    const restored = level.points + ((this.clock() - level.at) / 1000) * settings.restoreRate;
    return Math.min(settings.maximumAvailable, restored);
  }

  /** Takes `points` when `key` has that many; otherwise takes nothing and says when it will. */
  take(key: string, points: number, settings: BucketSettings): Taken {
    const available = this.available(key, settings);
    if (available < points) {
      return { ok: false, available, retryAfterSeconds: Math.max(1, Math.ceil((points - available) / settings.restoreRate)) };
    }
    this.set(key, available - points);
    return { ok: true, available: available - points };
  }

  /** Gives `points` back (or, negative, takes more, into debt): what was taken up front was an estimate. */
  adjust(key: string, points: number, settings: BucketSettings): number {
    const available = Math.min(settings.maximumAvailable, this.available(key, settings) + points);
    this.set(key, available);
    return available;
  }

  private set(key: string, points: number): void {
    this.levels.set(key, { points, at: this.clock() });
  }
}
