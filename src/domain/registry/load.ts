// Reads a registry JSON file (path or URL) or a folder of metadata.yaml files, validates every entry,
// and turns each into the connector the model stores. No database access here.
//
// A registry JSON from a path or a URL is read as a stream (100,000 connectors are about 80 MB): one pass
// validates each entry as it arrives and keeps only what planning needs of it (its label, definition ID,
// slug and byte range); the plan and the writes read the entries they need again, by byte range, from the
// file (a URL's body is kept in a temporary file while it is read). No pass holds the whole document.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { Tokenizer, TokenizerError, TokenParser, TokenParserError, TokenType, type ParsedTokenInfo } from '@streamparser/json';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { ConnectorTypeKey, DeploymentKey, RegistryKey, SupportLevelKey } from '../../db/schema.js';
import type { BreakingChangeInput } from '../connectors/input.js';
import type { ConnectorRow } from '../connectors/store.js';
import {
  copiedColumns,
  entryFromMetadata,
  languageFromTags,
  metadataFileSchema,
  REGISTRY_DEPLOYMENTS,
  registryEntrySchema,
  registryFileSchema,
  slugFromRepository,
  type ImportedColumn,
  type MetadataData,
  type RegistryEntry,
} from './format.js';

export interface AvailabilityInput {
  enabled: boolean;
  dockerImageTag: string | null;
  dockerRepository: string | null;
}

/** A connector as one import sees it: the columns an import writes (format.ts), and what else the import decides. */
export type ImportItem = Pick<ConnectorRow, ImportedColumn> & {
  /** Where it came from, for messages: `sources[12] (Stripe)` or a metadata.yaml path. */
  label: string;
  /** Whether this import owns the connector's own columns (an OSS entry or a metadata.yaml does; a cloud entry only for cloud-only connectors). */
  ownsColumns: boolean | 'unless-in-oss';
  availability: Partial<Record<DeploymentKey, AvailabilityInput>>;
  breakingChanges: BreakingChangeInput[];
  /** The registry entries to keep whole, for export. */
  entries: Partial<Record<RegistryKey, Record<string, unknown>>>;
  /** When the registry generated the entry (ISO-8601, UTC), when it says; metadata.yaml never does. */
  generatedAt?: string | null;
};

export interface ImportProblem {
  file: string;
  entry: string;
  path: string;
  message: string;
}

/** What planning needs of an entry before it reads the entry whole: how it is named, and who it is. */
export type ItemIdentity = Pick<ImportItem, 'label' | 'definitionId' | 'slug'>;

/** The valid entries of an import, in order: in memory, or read again from a registry file (StreamedItems). */
export type ImportItems = ImportItem[] | StreamedItems;

export interface LoadedImport {
  source: string;
  /** The registries this import speaks for: connectors of theirs it lacks become unavailable there. */
  registries: RegistryKey[];
  items: ImportItems;
  problems: ImportProblem[];
  /** Things worth telling that are not problems. */
  notes: string[];
  /** SHA-256 (hex) of what was read: the file's bytes, or a metadata folder's files in path order. */
  contentHash?: string;
  /** Definition IDs of the entries refused as invalid: still in the file, so their connectors are not absent from it. */
  refusedIds?: string[];
  /** Refused entries whose definition ID cannot be read (or `(file)`): the file cannot say which connectors it lacks. */
  unreadable?: string[];
}

/** A LoadedImport whose items are in memory (metadata.yaml, a registry JSON text). */
export type InMemoryImport = LoadedImport & { items: ImportItem[] };

/** SHA-256 of some bytes, hex. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * When a registry generated an entry: `generated.source_file_info.registry_entry_generated_at` (FORMAT.md §1),
 * written without a zone and read as UTC, as ISO-8601 with milliseconds; null when the entry does not say.
 */
export function entryGeneratedAt(entry: unknown): string | null {
  const info = (entry as { generated?: { source_file_info?: { registry_entry_generated_at?: unknown } } } | null)?.generated?.source_file_info;
  return registryTime(info?.registry_entry_generated_at);
}

/** A registry's timestamp as ISO-8601 UTC with milliseconds (one without a zone is UTC), or null when it is none. */
export function registryTime(at: unknown): string | null {
  if (typeof at !== 'string') return null;
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(at) ? at : `${at}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The definition ID of an entry that failed validation, when it still has a readable one. */
function readableDefinitionId(raw: unknown, type: ConnectorTypeKey): string | null {
  const entry = (raw ?? {}) as Record<string, unknown>;
  const id = entry[type === 'source' ? 'sourceDefinitionId' : 'destinationDefinitionId'];
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : null;
}

export class ImportError extends Error {
  constructor(readonly problems: ImportProblem[]) {
    const shown = problems.slice(0, 20).map((p) => `  ${p.file}: ${p.entry}: ${p.path || '(entry)'}: ${p.message}`);
    const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
    super(`The import is invalid; nothing was written (--skip-invalid imports the valid entries):\n${[...shown, ...more].join('\n')}`);
    this.name = 'ImportError';
  }
}

function zodProblems(error: z.ZodError, file: string, entry: string, prefix: string): ImportProblem[] {
  return error.issues.map((issue) => ({
    file,
    entry,
    path: [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, ''),
    message: issue.message,
  }));
}

function breakingChangesOf(entry: { releases?: RegistryEntry['releases'] }): BreakingChangeInput[] {
  const map = entry.releases?.breakingChanges ?? {};
  return Object.entries(map).map(([version, b]) => ({
    version,
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    migrationDocumentationUrl: b.migrationDocumentationUrl ?? null,
    deadlineAction: b.deadlineAction ?? null,
    scopedImpact: b.scopedImpact ? b.scopedImpact.map((s) => ({ scopeType: 'stream' as const, impactedScopes: s.impactedScopes })) : null,
  }));
}

/**
 * The columns an entry gives (the definition ID aside): the copied fields, and the rules of the derived columns.
 * Added to the object copiedColumns makes rather than spread into a new one: with the spread, a tenth of what
 * a large import allocated outlived V8's young collections, and 100,000 connectors peaked 100 MB higher.
 */
function columnsOf(entry: RegistryEntry, type: ConnectorTypeKey): Omit<Pick<ConnectorRow, ImportedColumn>, 'definitionId'> {
  const level: SupportLevelKey = entry.supportLevel ?? (entry.ab_internal?.isEnterprise ? 'enterprise' : 'community');
  return Object.assign(copiedColumns(entry), {
    slug: slugFromRepository(entry.dockerRepository, type),
    type,
    supportLevel: level,
    language: entry.language ?? languageFromTags(entry.tags),
  });
}

type RegistryList = 'sources' | 'destinations';

interface ValidEntry {
  raw: unknown;
  entry: RegistryEntry;
  type: ConnectorTypeKey;
  label: string;
  definitionId: string;
}
interface Refused {
  label: string;
  problems: ImportProblem[];
  refusedId: string | null;
}

/** One entry of a registry's `sources` or `destinations`, validated: the entry, or why it is refused. */
function checkEntry(raw: unknown, list: RegistryList, index: number, file: string): ValidEntry | Refused {
  const type: ConnectorTypeKey = list === 'sources' ? 'source' : 'destination';
  const at = `${list}[${index}]`;
  const name = (raw as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' ? `${at} (${name})` : at;
  const parsed = registryEntrySchema.safeParse(raw);
  const definitionId = parsed.success ? (type === 'source' ? parsed.data.sourceDefinitionId : parsed.data.destinationDefinitionId) : undefined;
  if (!parsed.success || !definitionId) {
    const idKey = type === 'source' ? 'sourceDefinitionId' : 'destinationDefinitionId';
    const problems = parsed.success ? [{ file, entry: label, path: `${at}.${idKey}`, message: 'is required' }] : zodProblems(parsed.error, file, label, at);
    return { label, problems, refusedId: readableDefinitionId(raw, type) };
  }
  return { raw, entry: parsed.data, type, label, definitionId: definitionId.toLowerCase() };
}

/** The connector a valid registry entry gives. */
function itemOf({ raw, entry, type, label, definitionId }: ValidEntry, registry: RegistryKey): ImportItem {
  const [first, second] = REGISTRY_DEPLOYMENTS[registry];
  const here: AvailabilityInput = { enabled: true, dockerImageTag: entry.dockerImageTag, dockerRepository: entry.dockerRepository };
  return Object.assign(columnsOf(entry, type), {
    label,
    definitionId,
    ownsColumns: registry === 'oss' ? (true as const) : ('unless-in-oss' as const),
    availability: { [first]: here, [second]: here },
    breakingChanges: breakingChangesOf(entry),
    // The entry exactly as the file has it, so an export gives it back unchanged.
    entries: { [registry]: raw as Record<string, unknown> },
    generatedAt: entryGeneratedAt(raw),
  });
}

/** What a registry file's refused entries say: a refused entry is still in the file, so its connector is present, not gone, when its ID can be read. */
function refuse(outcome: Refused, into: { problems: ImportProblem[]; refusedIds: string[]; unreadable: string[] }): void {
  into.problems.push(...outcome.problems);
  if (outcome.refusedId) into.refusedIds.push(outcome.refusedId);
  else into.unreadable.push(outcome.label);
}

/** Reads a registry JSON document held in memory: `{sources: [...], destinations: [...]}`. */
export function loadRegistryJson(text: string, file: string, registry: RegistryKey): InMemoryImport {
  const refusedIds: string[] = [];
  const unreadable: string[] = [];
  const items: ImportItem[] = [];
  const result = { source: file, registries: [registry], items, problems: [] as ImportProblem[], notes: [], contentHash: sha256(text), refusedIds, unreadable };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    result.problems.push({ file, entry: '(file)', path: '', message: `not valid JSON: ${(error as Error).message}` });
    unreadable.push('(file)');
    return result;
  }
  const top = registryFileSchema.safeParse(doc);
  if (!top.success) {
    result.problems.push(...zodProblems(top.error, file, '(file)', ''));
    unreadable.push('(file)');
    return result;
  }
  for (const list of ['sources', 'destinations'] as const) {
    top.data[list].forEach((raw, index) => {
      const outcome = checkEntry(raw, list, index, file);
      if ('entry' in outcome) items.push(itemOf(outcome, registry));
      else refuse(outcome, result);
    });
  }
  return result;
}

// ── A registry JSON read as a stream ──────────────────────────────────────────────────────────────

/** How many bytes a registry file is read at a time. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
/** How many bytes the plan and the writes read at a time when they read entries again. */
const READ_AHEAD_BYTES = 1024 * 1024;

/** Where a valid entry is and who it is. */
interface EntryRef extends ItemIdentity {
  list: RegistryList;
  index: number;
  start: number;
  end: number;
}

/** Why a streamed document cannot be read: one problem for the whole file. */
class FileProblem extends Error {
  constructor(
    message: string,
    readonly path = '',
  ) {
    super(message);
  }
}

const { LEFT_BRACE, RIGHT_BRACE, LEFT_BRACKET, RIGHT_BRACKET, COMMA, STRING } = TokenType;

/**
 * Splits a registry JSON stream into its entries with @streamparser/json's tokenizer. The tokens around the
 * entries go on to its token parser, which checks the document's grammar and builds its top level with each
 * entry standing there empty (`{}`); each entry's own bytes are parsed with JSON.parse, as the whole-document
 * path parses them, so both give the same values. `onEntry` gets every element of `sources` and
 * `destinations` in file order, with its byte range (an element that is no object or array has none).
 */
class EntryScanner {
  private readonly tokenizer = new Tokenizer();
  private readonly outer = new TokenParser({ paths: ['$'] });
  private root: unknown;
  private depth = 0;
  private expectKey = false;
  private key: string | null = null;
  /** The list whose elements are being read, and the next element's index. */
  private list: RegistryList | null = null;
  private index = 0;
  private readonly listsSeen = new Set<RegistryList>();
  /** The byte where the entry being read began, or -1 between entries. */
  private entryStart = -1;
  private lastOffset = 0;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkBase = 0;
  /** The bytes of the entry being read that came in earlier chunks. */
  private pieces: Buffer[] = [];

  constructor(private readonly onEntry: (list: RegistryList, index: number, raw: unknown, start: number, end: number) => void) {
    this.outer.onValue = ({ value }) => {
      this.root = value;
    };
    this.tokenizer.onToken = (token) => this.token(token);
  }

  write(chunk: Buffer): void {
    // JSON.parse refuses a byte-order mark, and the tokenizer would take it in without counting its bytes.
    if (this.chunkBase === 0 && chunk.length && [0xef, 0xfe, 0xff, 0x00].includes(chunk[0]!)) {
      throw new FileProblem('not valid JSON: the file begins with a byte-order mark or is not UTF-8');
    }
    this.chunk = chunk;
    try {
      this.tokenizer.write(chunk);
    } catch (error) {
      throw this.malformed(error);
    }
    if (this.entryStart >= 0) this.pieces.push(chunk.subarray(Math.max(0, this.entryStart - this.chunkBase)));
    this.chunkBase += chunk.length;
  }

  /** The document's top level, each entry an empty object or array in it. */
  end(): unknown {
    try {
      this.tokenizer.end();
      if (!this.outer.isEnded) this.outer.end();
    } catch (error) {
      throw this.malformed(error);
    }
    if (this.root === undefined) throw new FileProblem('not valid JSON: the file is empty');
    return this.root;
  }

  private malformed(error: unknown): unknown {
    if (error instanceof FileProblem) return error;
    if (!(error instanceof TokenizerError || error instanceof TokenParserError || (error instanceof Error && /^Parser ended/.test(error.message))))
      return error;
    const where =
      this.entryStart >= 0
        ? `in ${this.list}[${this.index}] (from byte ${this.entryStart})`
        : `at byte ${this.lastOffset}${this.list && this.index > 0 ? `, after ${this.list}[${this.index - 1}]` : ''}`;
    return new FileProblem(`not valid JSON ${where}: ${error.message}`);
  }

  private token(t: ParsedTokenInfo): void {
    const kind = t.token;
    if (this.entryStart >= 0) {
      // Inside an entry only its nesting matters here: JSON.parse reads it once it is whole.
      if (kind === LEFT_BRACE || kind === LEFT_BRACKET) this.depth++;
      else if ((kind === RIGHT_BRACE || kind === RIGHT_BRACKET) && --this.depth === 2) this.endEntry(t.offset + 1);
      return;
    }
    this.lastOffset = t.offset;
    if (this.list !== null && this.depth === 2 && kind !== RIGHT_BRACKET && kind !== COMMA) {
      if (kind === LEFT_BRACE || kind === LEFT_BRACKET) {
        // The token parser sees the entry as empty, where it begins: a grammar error there names that byte.
        this.outer.write(t);
        this.outer.write(kind === LEFT_BRACE ? { token: RIGHT_BRACE, value: '}' } : { token: RIGHT_BRACKET, value: ']' });
        this.entryStart = t.offset;
        this.depth++;
        return;
      }
      // An element that is no object (a string, a number): refused as it is, and kept in the top level.
      this.onEntry(this.list, this.index++, t.value, t.offset, -1);
    } else if (kind === LEFT_BRACE || kind === LEFT_BRACKET) {
      this.depth++;
      if (this.depth === 1) this.expectKey = kind === LEFT_BRACE;
      else if (this.depth === 2 && kind === LEFT_BRACKET && (this.key === 'sources' || this.key === 'destinations')) this.openList(this.key);
    } else if (kind === RIGHT_BRACE || kind === RIGHT_BRACKET) {
      if (this.depth === 2) this.list = null;
      this.depth--;
    } else if (this.depth === 1) {
      if (kind === STRING && this.expectKey) {
        this.key = t.value as string;
        this.expectKey = false;
      } else if (kind === COMMA) {
        this.expectKey = true;
        this.key = null;
      }
    }
    this.outer.write(t);
  }

  private openList(list: RegistryList): void {
    // JSON.parse would keep the last of two lists of the same name: a streamed file must say it once.
    if (this.listsSeen.has(list)) throw new FileProblem(`${list} is given twice; a registry file lists it once`, list);
    this.listsSeen.add(list);
    this.list = list;
    this.index = 0;
  }

  private endEntry(end: number): void {
    const start = this.entryStart;
    const from = start - this.chunkBase;
    const to = end - this.chunkBase;
    const bytes = from >= 0 ? this.chunk.subarray(from, to) : Buffer.concat([...this.pieces, this.chunk.subarray(0, to)]);
    this.pieces = [];
    this.entryStart = -1;
    const list = this.list!;
    const index = this.index++;
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new FileProblem(`not valid JSON in ${list}[${index}] (bytes ${start} to ${end}): ${(error as Error).message}`);
    }
    this.onEntry(list, index, raw, start, end);
  }
}

/**
 * Reads a registry JSON document from a stream of chunks: every entry validated as it comes, the valid
 * ones kept as where they are and who they are. `keep` sees every chunk (a URL's body is kept to read again).
 */
async function scanRegistry(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  registry: RegistryKey,
  keep?: (chunk: Buffer) => void,
): Promise<{ result: Omit<LoadedImport, 'items'>; refs: EntryRef[] }> {
  // As the whole-document path does, sources come before destinations whatever the file's order.
  const lists = { sources: newList(), destinations: newList() };
  const hash = createHash('sha256');
  const scanner = new EntryScanner((list, index, raw, start, end) => {
    const outcome = checkEntry(raw, list, index, file);
    const into = lists[list];
    if (!('entry' in outcome)) return refuse(outcome, into);
    // Only who the entry is, without the entry: its strings copied, as JSON.parse's may be slices of the entry's text.
    const { label, definitionId, entry, type } = outcome;
    into.refs.push({
      label: own(label),
      definitionId: own(definitionId),
      slug: own(slugFromRepository(entry.dockerRepository, type)),
      list,
      index,
      start,
      end,
    });
  });
  let failure: FileProblem | null = null;
  let root: unknown;
  for await (const piece of chunks) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    hash.update(chunk);
    keep?.(chunk);
    // After a problem the rest is still read: the content hash is the whole file's.
    if (failure) continue;
    try {
      scanner.write(chunk);
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      failure = error;
    }
  }
  if (!failure) {
    try {
      root = scanner.end();
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      failure = error;
    }
  }
  const base = { source: file, registries: [registry], notes: [], contentHash: hash.digest('hex') };
  const top = failure ? null : registryFileSchema.safeParse(root);
  if (!top?.success) {
    const problems = failure ? [{ file, entry: '(file)', path: failure.path, message: failure.message }] : zodProblems(top!.error!, file, '(file)', '');
    return { result: { ...base, problems, refusedIds: [], unreadable: ['(file)'] }, refs: [] };
  }
  const { sources, destinations } = lists;
  const refs = [...sources.refs, ...destinations.refs];
  // One definition ID, one connector: a later entry with the ID of an earlier one is refused.
  const first = new Map<string, string>();
  const repeated: ImportProblem[] = [];
  const kept = refs.filter((ref) => {
    const earlier = first.get(ref.definitionId);
    if (earlier === undefined) first.set(ref.definitionId, ref.label);
    else repeated.push({ file, entry: ref.label, path: 'definitionId', message: `repeats the definition ID of ${earlier}` });
    return earlier === undefined;
  });
  return {
    result: {
      ...base,
      problems: [...sources.problems, ...destinations.problems, ...repeated],
      refusedIds: [...sources.refusedIds, ...destinations.refusedIds],
      unreadable: [...sources.unreadable, ...destinations.unreadable],
    },
    refs: kept,
  };
}

/** A string of its own, holding on to no larger one. */
function own(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function newList() {
  return { refs: [] as EntryRef[], problems: [] as ImportProblem[], refusedIds: [] as string[], unreadable: [] as string[] };
}

/** Where a streamed registry's bytes are read again. */
interface ByteSource {
  /** Up to `length` bytes from `position`; throws when the file is no longer the one that was read. */
  read(position: number, length: number): Buffer;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, bytes, filled, length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

const changed = (file: string, why: string) => new Error(`${file} changed after it was read (${why}); import it again`);

/** A registry file on disk, opened for each read, which must still have the size and time it had when it was read. */
class FileBytes implements ByteSource {
  constructor(
    private readonly path: string,
    private readonly size: number,
    private readonly mtimeMs: number,
  ) {}

  read(position: number, length: number): Buffer {
    const fd = openSync(this.path, 'r');
    try {
      const stat = fstatSync(fd);
      if (stat.size !== this.size || stat.mtimeMs !== this.mtimeMs) throw changed(this.path, 'its size or modification time differs');
      return readAt(fd, position, length);
    } finally {
      closeSync(fd);
    }
  }
}

/** An HTTP body kept in a temporary file: removed from its folder at once, it lives as long as its descriptor. */
class SpooledBytes implements ByteSource {
  readonly fd: number;
  private size = 0;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'registry-import-'));
    this.fd = openSync(join(dir, 'body.json'), 'w+');
    try {
      rmSync(dir, { recursive: true });
    } catch {
      // Where an open file cannot be removed (Windows), it goes when the process ends.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
  }

  write(chunk: Buffer): void {
    let written = 0;
    while (written < chunk.length) written += writeSync(this.fd, chunk, written, chunk.length - written, this.size + written);
    this.size += chunk.length;
  }

  read(position: number, length: number): Buffer {
    return readAt(this.fd, position, length);
  }
}

// A spooled body's descriptor is closed once nothing can read its entries any more.
const closeWhenUnreachable = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/**
 * The valid entries of a registry JSON read as a stream: who each is (label, definition ID, slug) without
 * reading it again, and each whole, read again from its byte range and validated as the first pass did.
 * Reads in increasing order share one read of READ_AHEAD_BYTES.
 */
export class StreamedItems implements Iterable<ImportItem> {
  private block: { from: number; bytes: Buffer } | null = null;

  constructor(
    private readonly source: ByteSource,
    private readonly file: string,
    private readonly registry: RegistryKey,
    private readonly refs: EntryRef[],
  ) {}

  get length(): number {
    return this.refs.length;
  }

  identity(index: number): ItemIdentity {
    return this.refs[index]!;
  }

  item(index: number): ImportItem {
    const ref = this.refs[index]!;
    let raw: unknown;
    try {
      raw = JSON.parse(this.bytesOf(ref).toString('utf8'));
    } catch (error) {
      throw changed(this.file, `${ref.label} is no longer JSON where it was: ${(error as Error).message}`);
    }
    const outcome = checkEntry(raw, ref.list, ref.index, this.file);
    if (!('entry' in outcome) || outcome.label !== ref.label || outcome.definitionId !== ref.definitionId) {
      throw changed(this.file, `${ref.label} is no longer the entry that was read`);
    }
    return itemOf(outcome, this.registry);
  }

  *[Symbol.iterator](): Iterator<ImportItem> {
    for (let i = 0; i < this.refs.length; i++) yield this.item(i);
  }

  private bytesOf(ref: EntryRef): Buffer {
    let block = this.block;
    if (!block || ref.start < block.from || ref.end > block.from + block.bytes.length) {
      block = this.block = { from: ref.start, bytes: this.source.read(ref.start, Math.max(READ_AHEAD_BYTES, ref.end - ref.start)) };
      if (ref.end > block.from + block.bytes.length) throw changed(this.file, `it ends before ${ref.label}`);
    }
    return block.bytes.subarray(ref.start - block.from, ref.end - block.from);
  }
}

/** Reads a loaded import's items by position, in memory or from a stream alike. */
export interface ItemReader {
  readonly length: number;
  identity(index: number): ItemIdentity;
  item(index: number): ImportItem;
}

export function itemReader(items: ImportItems): ItemReader {
  if (!Array.isArray(items)) return items;
  return { length: items.length, identity: (i) => items[i]!, item: (i) => items[i]! };
}

/** Reads a registry JSON file as a stream. */
async function loadRegistryFile(path: string, registry: RegistryKey): Promise<LoadedImport> {
  const handle = await open(path, 'r');
  try {
    const before = await handle.stat();
    async function* chunks() {
      for (;;) {
        const buffer = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, STREAM_CHUNK_BYTES, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    }
    const { result, refs } = await scanRegistry(chunks(), path, registry);
    const after = await handle.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new Error(`${path} changed while it was read; import it again`);
    return { ...result, items: new StreamedItems(new FileBytes(path, after.size, after.mtimeMs), path, registry, refs) };
  } finally {
    await handle.close();
  }
}

/** One line: whitespace collapsed, cut to `max` characters. */
/** `text` on one line, cut at `max` characters: for quoting what a server answered in an error. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Why fetch got no answer, or no whole body, in words: its errors hide the reason in `cause` (an AggregateError for localhost's two addresses). */
function unreachable(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: unknown };
  const cause = (e?.cause ?? e) as (Error & { code?: string; errors?: (Error & { code?: string })[] }) | undefined;
  if (e?.name === 'TimeoutError' || cause?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host (the name did not resolve)',
    EAI_AGAIN: 'the host name could not be resolved (DNS)',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
    UND_ERR_SOCKET: 'the connection closed before the whole answer came',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  };
  // fetch refuses the ports browsers block (9, 25, 6000, …) without trying them.
  if (cause?.message === 'bad port') return 'fetch refuses to connect to that port (a port browsers block)';
  if (code && words[code]) return `${words[code]} (${code})`;
  const message = cause?.message || cause?.errors?.[0]?.message || e?.message;
  return message ? oneLine(message) : (code ?? 'no answer');
}

/** Reads a registry JSON document from an http(s) URL as a stream, its body kept in a temporary file to read entries again. */
async function loadRegistryUrl(url: string, registry: RegistryKey, timeoutMs: number): Promise<LoadedImport> {
  const cannot = (why: string) => new Error(`cannot import ${url}: ${why}`);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw cannot(unreachable(error, timeoutMs));
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw cannot(`it answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  let received = 0;
  async function* chunks() {
    const reader = response.body?.getReader();
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        if (!reader) return;
        read = await reader.read();
      } catch (error) {
        throw cannot(`the body broke off after ${received} bytes: ${unreachable(error, timeoutMs)}`);
      }
      if (read.done) return;
      received += read.value.byteLength;
      yield read.value;
    }
  }
  const spool = new SpooledBytes();
  try {
    const { result, refs } = await scanRegistry(chunks(), url, registry, (chunk) => spool.write(chunk));
    const items = new StreamedItems(spool, url, registry, refs);
    closeWhenUnreachable.register(items, spool.fd);
    return { ...result, items };
  } catch (error) {
    closeSync(spool.fd);
    throw error;
  }
}

/** Reads one metadata.yaml document. */
export function loadMetadataYaml(text: string, file: string): InMemoryImport {
  // Each metadata.yaml states its own registry flags; a file that is absent says nothing, so a
  // metadata import never marks other connectors unavailable.
  const result: InMemoryImport = { source: file, registries: [], items: [], problems: [], notes: [] };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    result.problems.push({ file, entry: '(file)', path: '', message: `not valid YAML: ${(error as Error).message}` });
    return result;
  }
  const parsed = metadataFileSchema.safeParse(doc);
  if (!parsed.success) {
    const name = (doc as { data?: { name?: unknown } } | null)?.data?.name;
    result.problems.push(...zodProblems(parsed.error, file, typeof name === 'string' ? name : '(file)', ''));
    return result;
  }
  const data: MetadataData = parsed.data.data;
  const type = data.connectorType;
  const flags = data.registryOverrides ?? data.registries ?? {};
  // The connector's own columns are the OSS default: what the OSS registry serves, registryOverrides.oss
  // merged in (source-faker's data says 6.2.38, both registries serve 6.2.24), else what the cloud registry
  // serves for a cloud-only connector, as a registry JSON import decides; in neither, the data as it is.
  const owner: RegistryKey | null = flags.oss?.enabled ? 'oss' : flags.cloud?.enabled ? 'cloud' : null;
  const base = registryEntrySchema.parse(entryFromMetadata(data, owner));
  const availability: ImportItem['availability'] = {};
  const entries: ImportItem['entries'] = {};
  for (const registry of ['oss', 'cloud'] as const) {
    const enabled = flags[registry]?.enabled ?? false;
    const entry = entryFromMetadata(data, registry);
    const here: AvailabilityInput = enabled
      ? { enabled: true, dockerImageTag: String(entry.dockerImageTag), dockerRepository: String(entry.dockerRepository) }
      : { enabled: false, dockerImageTag: null, dockerRepository: null };
    for (const deployment of REGISTRY_DEPLOYMENTS[registry]) availability[deployment] = here;
    if (enabled) entries[registry] = entry;
  }
  result.items.push({
    label: `${file} (${data.name})`,
    definitionId: data.definitionId.toLowerCase(),
    ...columnsOf(base, type),
    ownsColumns: true,
    availability,
    breakingChanges: breakingChangesOf(base),
    entries,
  });
  return result;
}

function metadataFiles(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 12) return;
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path, depth + 1);
      else if (name === 'metadata.yaml' || name === 'metadata.yml') found.push(path);
    }
  };
  walk(folder, 0);
  return found;
}

/** Reads every metadata.yaml under a folder (Airbyte's monorepo layout). */
export function loadMetadataFolder(folder: string): InMemoryImport {
  const result: InMemoryImport = { source: folder, registries: [], items: [], problems: [], notes: [] };
  const files = metadataFiles(folder);
  if (!files.length) {
    result.problems.push({ file: folder, entry: '(folder)', path: '', message: 'has no metadata.yaml files' });
  }
  // The folder's content hash: each file's path within the folder and its bytes, in path order.
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = readFileSync(file);
    hash
      .update(`${relative(folder, file).split('\\').join('/')}\0`)
      .update(bytes)
      .update('\0');
    const one = loadMetadataYaml(bytes.toString('utf8'), relative(process.cwd(), file) || file);
    result.items.push(...one.items);
    result.problems.push(...one.problems);
  }
  result.contentHash = hash.digest('hex');
  return result;
}

export function registryFromFileName(name: string): RegistryKey {
  return /cloud/i.test(basename(name)) ? 'cloud' : 'oss';
}

/**
 * Reads a path or an http(s) URL: a registry JSON file (as a stream), a metadata.yaml, or a folder of them.
 * A URL that cannot be read throws one line naming it and the cause.
 */
export async function loadImportSource(location: string, options: { registry?: RegistryKey; timeoutMs?: number } = {}): Promise<LoadedImport> {
  if (/^https?:\/\//i.test(location)) {
    return loadRegistryUrl(location, options.registry ?? registryFromFileName(new URL(location).pathname), options.timeoutMs ?? 120_000);
  }
  const stat = statSync(location, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${location}: no such file or folder`);
  if (stat.isDirectory()) return passOverCopies(loadMetadataFolder(location));
  if (!/\.ya?ml$/i.test(location)) return loadRegistryFile(location, options.registry ?? registryFromFileName(location));
  const bytes = readFileSync(location);
  const loaded = loadMetadataYaml(bytes.toString('utf8'), location);
  loaded.contentHash = sha256(bytes);
  return passOverCopies(loaded);
}

/**
 * One definition ID, one connector. In the monorepo a "-strict-encrypt" copy shares its parent's ID but is
 * enabled in no registry (the parent points its cloud image at it): such a copy is passed over. (A registry
 * file read as a stream refuses a repeated ID as it is read.)
 */
function passOverCopies(loaded: InMemoryImport): InMemoryImport {
  const byId = new Map<string, ImportItem[]>();
  for (const item of loaded.items) byId.set(item.definitionId, [...(byId.get(item.definitionId) ?? []), item]);
  const keep = new Set<ImportItem>();
  for (const group of byId.values()) {
    if (group.length === 1) {
      keep.add(group[0]!);
      continue;
    }
    const listed = group.filter((i) => Object.values(i.availability).some((a) => a?.enabled));
    if (listed.length === 1) {
      keep.add(listed[0]!);
      for (const other of group)
        if (other !== listed[0]) loaded.notes.push(`passed over ${other.label}: it shares the definition ID of ${listed[0]!.label} and is in no registry`);
      continue;
    }
    keep.add(group[0]!);
    for (const other of group.slice(1)) {
      loaded.problems.push({ file: loaded.source, entry: other.label, path: 'definitionId', message: `repeats the definition ID of ${group[0]!.label}` });
    }
  }
  loaded.items = loaded.items.filter((i) => keep.has(i));
  if (loaded.problems.length) {
    const bad = new Set(loaded.problems.map((p) => p.entry));
    loaded.items = loaded.items.filter((i) => !bad.has(i.label));
  }
  return loaded;
}
