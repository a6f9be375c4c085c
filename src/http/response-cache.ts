// A byte cache in front of GraphQL execution for repeated reads. The key is what decides the answer:
// the request body, the Accept header, and which connectors the caller may see (never one
// organization's private connectors for another caller). Every entry remembers the database version
// it was made at; any write, by this process (a mutation) or another (an import, a second server),
// changes the version, so a read after a write is never served stale data.
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/client.js';
import { databaseVersion } from '../db/version.js';

export interface CacheEntry {
  version: string;
  body: Uint8Array;
  contentType: string;
}

export class ResponseCache {
  private readonly entries: LRUCache<string, CacheEntry>;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Db,
    options: { maxEntries: number; maxBytes: number },
  ) {
    this.entries = new LRUCache<string, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (e) => e.body.byteLength + 64,
    });
  }

  /**
   * The database's current version: total_changes() counts every row this connection has written
   * (mutations, webhook deliveries, anything), and data_version changes whenever another connection
   * commits (an import, a second server).
   */
  version(): string {
    return databaseVersion(this.db);
  }

  /** The entry for `key` if it was made at `version` (the caller's `version()`, read once per request). */
  get(key: string, version: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.version === version) {
      this.hits++;
      return entry;
    }
    this.misses++;
    return undefined;
  }

  set(key: string, entry: CacheEntry): void {
    // Made before a write that landed meanwhile: not worth keeping.
    if (entry.version !== this.version()) return;
    this.entries.set(key, entry);
  }

  clear(): void {
    this.entries.clear();
  }
}
