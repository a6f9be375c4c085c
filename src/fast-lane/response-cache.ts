// A byte cache in front of GraphQL execution for repeated reads, the one both the listener and yoga's
// pipeline use. The key is what decides the answer: the request body, the Accept header, and which
// connectors the caller may see (never one organization's private connectors for another caller).
// Every entry remembers the database version it was made at; any write, by this process or another,
// moves the version, so a read after a write is never answered from before it.
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/client.js';
import { databaseVersion } from '../db/version.js';
import { PUBLIC, visibilityFor } from '../domain/connectors/visibility.js';
import type { TokenRow } from '../domain/tokens/tokens.js';

export interface CacheEntry {
  version: string;
  body: Uint8Array;
  contentType: string;
  /** The answer's HTTP ETag, hashed when first asked for (only anonymous GET answers carry one). */
  etag?: string;
}

/** A lookup's outcome: the entry when there is a fresh one, and where to store the answer otherwise. */
export interface Lookup {
  key: string;
  /** Null where the database has no version (PostgreSQL, for now): nothing is then answered or kept. */
  version: string | null;
  hit: CacheEntry | undefined;
}

export interface ResponseCacheOptions {
  maxEntries: number;
  maxBytes: number;
  /** Called once per lookup, for the metrics. */
  looked?: (result: 'hit' | 'miss') => void;
  /** An answer's ETag (src/http/http-cache.ts). */
  etagOf: (contentType: string, body: Uint8Array) => string;
}

/** The key a cached answer is kept under: who may see what, how it was asked, and the exact request. */
function keyFor(viewer: TokenRow | null, accept: string, body: string): string {
  const visibility = viewer ? visibilityFor(viewer) : PUBLIC;
  const who = visibility.kind === 'organization' ? `org:${visibility.organization}` : visibility.kind;
  return `${who}\n${accept}\n${body}`;
}

export class ResponseCache {
  private readonly entries: LRUCache<string, CacheEntry>;

  constructor(
    private readonly db: Db,
    private readonly options: ResponseCacheOptions,
  ) {
    this.entries = new LRUCache<string, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (e) => e.body.byteLength + 64,
    });
  }

  /** Looks a request up; the database version is read once, here, and travels with the lookup to `store`. */
  lookup(viewer: TokenRow | null, accept: string, body: string): Lookup {
    const key = keyFor(viewer, accept, body);
    const version = databaseVersion(this.db);
    const entry = version === null ? undefined : this.entries.get(key);
    const hit = entry && entry.version === version ? entry : undefined;
    this.options.looked?.(hit ? 'hit' : 'miss');
    return { key, version, hit };
  }

  /** Keeps a complete answer for the request `lookup` missed, unless a write landed meanwhile; returns the entry kept. */
  store(lookup: Lookup, body: Uint8Array, contentType: string, etag?: string): CacheEntry | undefined {
    if (lookup.version === null || lookup.version !== databaseVersion(this.db)) return undefined;
    const entry: CacheEntry = { version: lookup.version, body, contentType, etag };
    this.entries.set(lookup.key, entry);
    return entry;
  }

  /** An entry's ETag: hashed once per entry, on first use. */
  etagOf(entry: CacheEntry): string {
    entry.etag ??= this.options.etagOf(entry.contentType, entry.body);
    return entry.etag;
  }

  clear(): void {
    this.entries.clear();
  }
}
