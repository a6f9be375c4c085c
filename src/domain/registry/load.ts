// Reads a registry JSON file (path or URL) or a folder of metadata.yaml files, validates every entry,
// and turns each into the connector the model stores. No database access here.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
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

export interface LoadedImport {
  source: string;
  /** The registries this import speaks for: connectors of theirs it lacks become unavailable there. */
  registries: RegistryKey[];
  items: ImportItem[];
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

/** The columns an entry gives (the definition ID aside): the copied fields, and the rules of the derived columns. */
function columnsOf(entry: RegistryEntry, type: ConnectorTypeKey): Omit<Pick<ConnectorRow, ImportedColumn>, 'definitionId'> {
  const level: SupportLevelKey = entry.supportLevel ?? (entry.ab_internal?.isEnterprise ? 'enterprise' : 'community');
  return {
    ...copiedColumns(entry),
    slug: slugFromRepository(entry.dockerRepository, type),
    type,
    supportLevel: level,
    language: entry.language ?? languageFromTags(entry.tags),
  };
}

/** Reads a registry JSON document: `{sources: [...], destinations: [...]}`. */
export function loadRegistryJson(text: string, file: string, registry: RegistryKey): LoadedImport {
  const refusedIds: string[] = [];
  const unreadable: string[] = [];
  const result: LoadedImport = { source: file, registries: [registry], items: [], problems: [], notes: [], contentHash: sha256(text), refusedIds, unreadable };
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
  const [first, second] = REGISTRY_DEPLOYMENTS[registry];
  for (const [key, type] of [['sources', 'source'], ['destinations', 'destination']] as const) {
    top.data[key].forEach((raw, index) => {
      const at = `${key}[${index}]`;
      const name = (raw as { name?: unknown })?.name;
      const label = typeof name === 'string' ? `${at} (${name})` : at;
      const parsed = registryEntrySchema.safeParse(raw);
      const definitionId = parsed.success ? (type === 'source' ? parsed.data.sourceDefinitionId : parsed.data.destinationDefinitionId) : undefined;
      if (!parsed.success || !definitionId) {
        // A refused entry is still in the file: its connector is present, not gone, when its ID can be read.
        if (parsed.success) {
          const idKey = type === 'source' ? 'sourceDefinitionId' : 'destinationDefinitionId';
          result.problems.push({ file, entry: label, path: `${at}.${idKey}`, message: 'is required' });
        } else result.problems.push(...zodProblems(parsed.error, file, label, at));
        const id = readableDefinitionId(raw, type);
        if (id) refusedIds.push(id);
        else unreadable.push(label);
        return;
      }
      const entry = parsed.data;
      const here: AvailabilityInput = { enabled: true, dockerImageTag: entry.dockerImageTag, dockerRepository: entry.dockerRepository };
      result.items.push({
        label,
        definitionId: definitionId.toLowerCase(),
        ...columnsOf(entry, type),
        ownsColumns: registry === 'oss' ? true : 'unless-in-oss',
        availability: { [first]: here, [second]: here },
        breakingChanges: breakingChangesOf(entry),
        // The entry exactly as the file has it, so an export gives it back unchanged.
        entries: { [registry]: raw as Record<string, unknown> },
        generatedAt: entryGeneratedAt(raw),
      });
    });
  }
  return result;
}

/** Reads one metadata.yaml document. */
export function loadMetadataYaml(text: string, file: string): LoadedImport {
  // Each metadata.yaml states its own registry flags; a file that is absent says nothing, so a
  // metadata import never marks other connectors unavailable.
  const result: LoadedImport = { source: file, registries: [], items: [], problems: [], notes: [] };
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
export function loadMetadataFolder(folder: string): LoadedImport {
  const result: LoadedImport = { source: folder, registries: [], items: [], problems: [], notes: [] };
  const files = metadataFiles(folder);
  if (!files.length) {
    result.problems.push({ file: folder, entry: '(folder)', path: '', message: 'has no metadata.yaml files' });
  }
  // The folder's content hash: each file's path within the folder and its bytes, in path order.
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = readFileSync(file);
    hash.update(`${relative(folder, file).split('\\').join('/')}\0`).update(bytes).update('\0');
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

/** Reads a path or an http(s) URL: a registry JSON file, a metadata.yaml, or a folder of them. */
export async function loadImportSource(
  location: string,
  options: { registry?: RegistryKey; timeoutMs?: number } = {},
): Promise<LoadedImport> {
  let loaded: LoadedImport;
  if (/^https?:\/\//i.test(location)) {
    const response = await fetch(location, { signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
    if (!response.ok) throw new Error(`${location}: HTTP ${response.status} ${response.statusText}`);
    const registry = options.registry ?? registryFromFileName(new URL(location).pathname);
    const bytes = Buffer.from(await response.arrayBuffer());
    loaded = loadRegistryJson(bytes.toString('utf8'), location, registry);
    loaded.contentHash = sha256(bytes);
  } else {
    const stat = statSync(location, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${location}: no such file or folder`);
    if (stat.isDirectory()) loaded = loadMetadataFolder(location);
    else {
      const bytes = readFileSync(location);
      if (/\.ya?ml$/i.test(location)) loaded = loadMetadataYaml(bytes.toString('utf8'), location);
      else loaded = loadRegistryJson(bytes.toString('utf8'), location, options.registry ?? registryFromFileName(location));
      loaded.contentHash = sha256(bytes);
    }
  }
  // One definition ID, one connector. In the monorepo a "-strict-encrypt" copy shares its parent's ID
  // but is enabled in no registry (the parent points its cloud image at it): such a copy is passed over.
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
      for (const other of group) if (other !== listed[0]) loaded.notes.push(`passed over ${other.label}: it shares the definition ID of ${listed[0]!.label} and is in no registry`);
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
