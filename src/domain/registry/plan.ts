// The plan of an import, computed before anything is written: the loaded entries compared with what is
// stored, connector by connector (added, changed field by field, support levels, availability, renames),
// the entries refused and why, what the file no longer lists, the demo data that would go, and why a
// real import would be refused. Pure over what it reads through StoredState; import.ts reads that from
// the database inside the import's transaction and applies the plan's steps. The plan keeps per-connector
// differences and the position of each item, never the items themselves nor a copy of the stored catalog:
// an entry that matches no stored connector is planned from its identity alone, and only the entries of
// stored connectors are read whole (a registry file read as a stream reads them again from the file).
import { isDeepStrictEqual } from 'node:util';
import { getTableColumns, type Column as DrizzleColumn } from 'drizzle-orm';
import { connectors, REGISTRY_KEYS, type DeploymentKey, type RegistryKey, type SupportLevelKey } from '../../db/schema.js';
import type { BreakingChangeInput } from '../connectors/input.js';
import type { DemoCounts } from './demo.js';
import { IMPORTED_COLUMNS } from './format.js';
import { itemReader, type ImportItem, type ImportProblem, type ItemIdentity, type ItemReader, type LoadedImport } from './load.js';

/** The connector columns an import compares and writes (the definition ID, its identity, apart). */
export const PLAN_COLUMNS = IMPORTED_COLUMNS.filter((c) => c !== 'definitionId');
export type PlanColumn = (typeof PLAN_COLUMNS)[number];
const TABLE: Record<PlanColumn, DrizzleColumn> = getTableColumns(connectors);
export const columnSqlName = (column: PlanColumn): string => TABLE[column].name;

/** A column's value as SQLite stores it (a JSON column as its text), to write or compare with what is there. */
export function dbValue(column: PlanColumn, item: ImportItem): unknown {
  const value = item[column];
  return value == null ? null : TABLE[column].mapToDriverValue(value);
}

const shown = (column: PlanColumn, stored: unknown): unknown => (stored == null ? null : TABLE[column].mapFromDriverValue(stored));

export const DEFAULT_MAX_UNAVAILABLE_SHARE = 0.1;

/** A moment a registry speaks for: an instant, or a day (an --as-of date, which has no time of day). */
export interface RegistryTime {
  at: string;
  day: boolean;
}

/** Whether `a` is older than `b`; a day is compared by its date only. */
export function isOlder(a: RegistryTime, b: RegistryTime): boolean {
  return a.day || b.day ? a.at.slice(0, 10) < b.at.slice(0, 10) : a.at < b.at;
}

// ── What the plan reads ────────────────────────────────────────────────────────────────────────────

/** A stored connector as the plan compares it: its imported columns as SQLite stores them. */
export interface StoredConnector {
  id: number;
  definitionId: string;
  slug: string;
  organization: string | null;
  demo: boolean;
  values: Record<PlanColumn, unknown>;
}

export interface StoredAvailability {
  enabled: boolean;
  dockerImageTag: string | null;
  dockerRepository: string | null;
}

/** A kept registry entry: its text, when the registry generated it (or the import's --as-of), and the level it gave. */
export interface StoredEntry {
  text: string;
  at: RegistryTime | null;
  level: SupportLevelKey;
}

export interface RenameIdentity {
  fromDefinitionId: string;
  toDefinitionId: string;
  fromSlug: string;
  toSlug: string;
}

export interface ListedConnector {
  id: number;
  slug: string;
  definitionId: string;
  /** Its enabled availability rows on the registry's deployments. */
  enabled: ({ deployment: DeploymentKey } & Omit<StoredAvailability, 'enabled'>)[];
}

/** An answer now (SQLite's prepared statements) or later (PostgreSQL's round trips): the plan awaits either. */
export type Answer<T> = T | Promise<T>;

/** What the plan reads of the database, one connector at a time. */
export interface StoredState {
  /**
   * Reads ahead, at once, what planning these entries will ask of the connectors they name (the connector,
   * its availability, breaking changes and entries; where a store reads ahead by slug and former definition
   * ID too, those): the answers do not change, they come sooner.
   */
  prefetch?(items: ItemIdentity[]): Answer<void>;
  connectorByDefinitionId(definitionId: string): Answer<StoredConnector | undefined>;
  /** The connector a definition ID was recorded for in connector_renames. */
  connectorByFormerDefinitionId(definitionId: string): Answer<StoredConnector | undefined>;
  connectorBySlug(slug: string): Answer<StoredConnector | undefined>;
  availability(connectorId: number): Answer<Map<DeploymentKey, StoredAvailability>>;
  breakingChanges(connectorId: number): Answer<Map<string, Record<string, unknown>>>;
  entries(connectorId: number): Answer<Map<RegistryKey, StoredEntry>>;
  /** The connector's latest support-level change: what made it and when (createdAt). */
  latestLevelChange(connectorId: number): Answer<{ source: string; at: string } | undefined>;
  hasRename(connectorId: number, rename: RenameIdentity): Answer<boolean>;
  /** The connectors with a kept entry of `registry`. */
  listedIn(registry: RegistryKey): Iterable<ListedConnector> | AsyncIterable<ListedConnector>;
  /** How many connectors are available on at least one deployment. */
  availableCount(): Answer<number>;
  /** The demo data removeDemoData would remove once these connectors (with these breaking-change versions) are no longer demo. */
  demoToRemove(kept: ReadonlyMap<number, ReadonlySet<string>>): Answer<DemoCounts>;
}

// ── What the plan says ─────────────────────────────────────────────────────────────────────────────

export interface PlanOptions {
  /** The snapshot date (YYYY-MM-DD) of entries that carry no generation time (metadata.yaml, old registries). */
  asOf?: string | null;
  /** Import what the guards refuse, and apply the file's support levels over later API changes. */
  force?: boolean;
  /** The largest share of the available connectors one import may make unavailable (default 0.1). */
  maxUnavailableShare?: number;
  /** Refuse invalid entries one by one (true, the default) rather than the whole import. */
  skipInvalid?: boolean;
  /** Whether the import removes the demo data (default false; the CLI removes it unless --keep-demo). */
  removeDemo?: boolean;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Refusal {
  entry: string;
  path: string;
  rule: string;
}

export interface Conflict {
  kind: 'certification' | 'identity';
  entry: string;
  slug: string;
  message: string;
  /** For a certification conflict: whether the stored level was kept (false when --force applied the file's). */
  kept: boolean;
}

export interface Unavailable {
  slug: string;
  definitionId: string;
  deployments: DeploymentKey[];
  /** `absent`: a registry file no longer lists it; `disabled`: its entry says it is not in that registry. */
  reason: 'absent' | 'disabled';
}

export interface Blocker {
  guard: 'invalid' | 'unavailable-share' | 'older' | 'undated';
  message: string;
}

export interface ImportCounts {
  entries: number;
  added: number;
  changed: number;
  unchanged: number;
  refused: number;
  levelChanges: number;
  availabilityChanges: number;
  unavailable: number;
  renames: number;
  conflicts: number;
  older: number;
  undated: number;
}

/** The plan as it is printed (--json), logged and returned: plain data. */
export interface ImportReport {
  source: string;
  contentHash: string;
  registries: RegistryKey[];
  asOf: string | null;
  forced: boolean;
  counts: ImportCounts;
  added: { slug: string; definitionId: string; entry: string }[];
  changed: { slug: string; definitionId: string; fields: FieldChange[] }[];
  levelChanges: { slug: string; from: SupportLevelKey; to: SupportLevelKey; effectiveAt: string | null }[];
  availability: { slug: string; deployment: DeploymentKey; from: boolean; to: boolean }[];
  unavailable: Unavailable[];
  renames: (RenameIdentity & { entry: string; registry: RegistryKey | null })[];
  refused: Refusal[];
  conflicts: Conflict[];
  older: { slug: string; at: string; stored: string }[];
  undated: { slug: string; stored: string }[];
  /** Whether the file can say which connectors it lacks, and why not. */
  absence: { registries: RegistryKey[]; unknown: string | null };
  share: { unavailable: number; available: number; max: number };
  /** The demo data a real import would remove; null when it keeps it. */
  demo: DemoCounts | null;
  notes: string[];
  /** Why a real import would be refused; empty when it may go ahead. */
  blockers: Blocker[];
}

/** One stored or new connector's writes. */
export interface Step {
  /** The item's position among the loaded items: the writes read it there again. */
  index: number;
  /** The stored connector; undefined to insert one with everything its item gives (the lists below stay empty). */
  connectorId?: number;
  columns: PlanColumn[];
  definitionId?: string;
  level?: { from: SupportLevelKey; to: SupportLevelKey; effectiveAt: string | null };
  availability: DeploymentKey[];
  breakingChanges: string[];
  entries: RegistryKey[];
  rename?: RenameIdentity & { registry: RegistryKey | null };
  undemo: boolean;
  bump: boolean;
}

export interface DisableStep {
  connectorId: number;
  rows: ListedConnector['enabled'];
}

export interface ImportPlan {
  report: ImportReport;
  /** The connectors to write, in the order of the items: an unchanged one has no step. */
  steps: Step[];
  disable: DisableStep[];
}

// ── Planning ───────────────────────────────────────────────────────────────────────────────────────

interface Planning {
  state: StoredState;
  loaded: LoadedImport;
  items: ItemReader;
  force: boolean;
  asOf: RegistryTime | null;
  report: ImportReport;
  steps: Step[];
  /** Stored connectors the import leaves as they are (their revision is not bumped). */
  unchanged: number;
  disable: DisableStep[];
  /** Stored connectors the file lists, written or not: they do not become unavailable. */
  present: Set<number>;
  /** Stored connectors an entry of this import already took, with that entry's label. */
  claimed: Map<number, string>;
  /** Slugs this import gives, with the entry that gives them. */
  slugs: Map<string, string>;
  /** Connectors the import writes (no longer demo), with the breaking-change versions their entries carry. */
  kept: Map<number, ReadonlySet<string>>;
}

/** The versions of a connector whose entry carries none (most): one set for them all. */
const NO_VERSIONS: ReadonlySet<string> = new Set();

/**
 * How many entries' stored connectors are read at once: enough to save most of the statements, few enough
 * that what is read ahead is gone before V8 promotes it (2,000 at a time raised a large re-import's peak by
 * 100 MB).
 */
const READ_AHEAD = 200;

/** Compares `loaded` with the stored state and says what an import would do and whether it may. */
export async function planImport(state: StoredState, loaded: LoadedImport, options: PlanOptions = {}): Promise<ImportPlan> {
  const p = startPlanning(state, loaded, options);
  for (let index = 0; index < p.items.length; index++) {
    if (index % READ_AHEAD === 0) {
      const ahead = Array.from({ length: Math.min(READ_AHEAD, p.items.length - index) }, (_, k) => p.items.identity(index + k));
      await state.prefetch?.(ahead);
    }
    await planItem(p, index);
  }
  for (const id of loaded.refusedIds ?? []) {
    const stored = (await state.connectorByDefinitionId(id)) ?? (await state.connectorByFormerDefinitionId(id));
    if (stored) p.present.add(stored.id);
  }
  await planAbsence(p);
  const r = p.report;
  const undatedLevels = r.levelChanges.filter((c) => !c.effectiveAt).length;
  if (undatedLevels) {
    r.notes.push(
      `${plural(undatedLevels, 'support-level change has', 'support-level changes have')} no time from the source (no generation time, no --as-of): recorded as effective when imported`,
    );
  }
  r.demo = options.removeDemo ? await state.demoToRemove(p.kept) : null;
  r.share.unavailable = new Set(r.unavailable.map((u) => u.slug)).size;
  r.share.available = await state.availableCount();
  countReport(r, p.unchanged, p.items.length);
  r.blockers = blockersOf(r, loaded, p.items.length, options);
  return { report: r, steps: p.steps, disable: p.disable };
}

function startPlanning(state: StoredState, loaded: LoadedImport, options: PlanOptions): Planning {
  // A streamed registry file's entries are all of the registry it speaks for, so only items in memory need looking at.
  const inItems = (k: RegistryKey) => Array.isArray(loaded.items) && loaded.items.some((i) => i.entries[k]);
  const written = REGISTRY_KEYS.filter((k) => loaded.registries.includes(k) || inItems(k));
  const report: ImportReport = {
    source: loaded.source,
    contentHash: loaded.contentHash ?? '',
    registries: written,
    asOf: options.asOf ?? null,
    forced: options.force ?? false,
    counts: {
      entries: 0,
      added: 0,
      changed: 0,
      unchanged: 0,
      refused: 0,
      levelChanges: 0,
      availabilityChanges: 0,
      unavailable: 0,
      renames: 0,
      conflicts: 0,
      older: 0,
      undated: 0,
    },
    added: [],
    changed: [],
    levelChanges: [],
    availability: [],
    unavailable: [],
    renames: [],
    refused: loaded.problems.map((p) => ({ entry: problemEntry(loaded, p), path: p.path, rule: p.message })),
    conflicts: [],
    older: [],
    undated: [],
    absence: { registries: [...loaded.registries], unknown: null },
    share: { unavailable: 0, available: 0, max: options.maxUnavailableShare ?? DEFAULT_MAX_UNAVAILABLE_SHARE },
    demo: null,
    notes: [...loaded.notes],
    blockers: [],
  };
  return {
    state,
    loaded,
    items: itemReader(loaded.items),
    force: options.force ?? false,
    asOf: options.asOf ? { at: `${options.asOf}T00:00:00.000Z`, day: true } : null,
    report,
    steps: [],
    unchanged: 0,
    disable: [],
    present: new Set(),
    claimed: new Map(),
    slugs: new Map(),
    kept: new Map(),
  };
}

/** How a refused entry is named: its place in a registry file, or its metadata.yaml (with the connector's name). */
function problemEntry(loaded: LoadedImport, p: ImportProblem): string {
  if (p.file === loaded.source) return p.entry;
  return p.entry === '(file)' ? p.file : `${p.file} (${p.entry})`;
}

async function planItem(p: Planning, index: number): Promise<void> {
  const entry = p.items.identity(index);
  const found = await resolve(p, entry);
  if ('conflict' in found) {
    if (found.present !== undefined) p.present.add(found.present);
    p.report.conflicts.push({ kind: 'identity', entry: entry.label, slug: entry.slug, message: `${found.conflict}; the entry is not imported`, kept: true });
    return;
  }
  const target = found.target;
  if (!target) {
    planAdd(p, entry, index);
    return;
  }
  const item = p.items.item(index);
  p.present.add(target.id);
  const entries = await p.state.entries(target.id);
  const owns = item.ownsColumns === true || (item.ownsColumns === 'unless-in-oss' && !entries.has('oss'));
  const clash = owns && item.slug !== target.slug ? await slugHolder(p, item.slug) : undefined;
  if (clash) {
    const message = `it would rename ${target.slug} (${target.definitionId}) to ${item.slug}, but ${clash}; the entry is not imported`;
    p.report.conflicts.push({ kind: 'identity', entry: item.label, slug: target.slug, message, kept: true });
    return;
  }
  p.claimed.set(target.id, item.label);
  if (owns) p.slugs.set(item.slug, item.label);
  await planUpdate(p, item, index, target, owns, entries);
}

/** Who already has a slug: an earlier entry of this import, or a stored connector. */
async function slugHolder(p: Planning, slug: string): Promise<string | undefined> {
  const entry = p.slugs.get(slug);
  if (entry) return `${entry} takes that slug`;
  const holder = await p.state.connectorBySlug(slug);
  return holder ? `the connector with definition ID ${holder.definitionId} has that slug` : undefined;
}

type Resolved = { target?: StoredConnector } | { conflict: string; present?: number };

/**
 * The stored connector an entry is: by definition ID, by a definition ID recorded in connector_renames, or
 * by slug (Airbyte gave some connectors new definition IDs). A custom connector, or one an earlier entry
 * of the same file took, is a conflict.
 */
async function resolve(p: Planning, item: ItemIdentity): Promise<Resolved> {
  const target =
    (await p.state.connectorByDefinitionId(item.definitionId)) ??
    (await p.state.connectorByFormerDefinitionId(item.definitionId)) ??
    (await p.state.connectorBySlug(item.slug));
  if (target?.organization) {
    return { conflict: `${target.slug} (${target.definitionId}) is a custom connector of ${target.organization}`, present: target.id };
  }
  if (target) {
    const earlier = p.claimed.get(target.id);
    return earlier ? { conflict: `${earlier} already names the same connector, ${target.slug}`, present: target.id } : { target };
  }
  const earlier = p.slugs.get(item.slug);
  return earlier ? { conflict: `${earlier} already takes the slug ${item.slug}` } : {};
}

function planAdd(p: Planning, item: ItemIdentity, index: number): void {
  p.slugs.set(item.slug, item.label);
  p.report.added.push({ slug: item.slug, definitionId: item.definitionId, entry: item.label });
  p.steps.push({ index, columns: [], availability: [], breakingChanges: [], entries: [], undemo: false, bump: false });
}

async function planUpdate(
  p: Planning,
  item: ImportItem,
  index: number,
  target: StoredConnector,
  owns: boolean,
  entries: Map<RegistryKey, StoredEntry>,
): Promise<void> {
  const step: Step = { index, connectorId: target.id, columns: [], availability: [], breakingChanges: [], entries: [], undemo: target.demo, bump: false };
  const time = itemTime(p, item);
  checkAge(p, item, owns, entries, time);
  const fields = [
    ...(owns ? await planColumns(p, step, item, target, entries, time) : []),
    ...(await planAvailability(p, step, item, target)),
    // Like its columns, a connector's breaking changes are the word of the entry that owns it.
    ...(owns ? planBreakingChanges(step, item, await p.state.breakingChanges(target.id)) : []),
    ...planEntries(step, item, entries),
  ];
  const rename = await planRename(p, item, target, owns);
  if (rename) step.rename = rename;
  if (fields.length) {
    step.bump = true;
    p.report.changed.push({ slug: target.slug, definitionId: target.definitionId, fields });
  }
  p.kept.set(target.id, owns && item.breakingChanges.length ? new Set(item.breakingChanges.map((b) => b.version)) : NO_VERSIONS);
  if (!step.bump) p.unchanged++;
  // A plan of 100,000 unchanged connectors holds no step for them.
  if (writes(step)) p.steps.push(step);
}

/** Whether a stored connector's step writes anything: a connector left as it is may still get a rename recorded or stop being demo. */
function writes(step: Step): boolean {
  return (
    step.bump ||
    step.undemo ||
    step.level !== undefined ||
    step.rename !== undefined ||
    step.definitionId !== undefined ||
    step.columns.length + step.availability.length + step.breakingChanges.length + step.entries.length > 0
  );
}

/** When an entry took effect at its source: the registry's generation time, else the --as-of date. */
function itemTime(p: Planning, item: ImportItem): RegistryTime | null {
  return item.generatedAt ? { at: item.generatedAt, day: false } : p.asOf;
}

/** The newest of the stored entries an entry would replace (every one when it owns the connector's columns). */
function newestStored(item: ImportItem, owns: boolean, entries: Map<RegistryKey, StoredEntry>): StoredEntry | undefined {
  let newest: StoredEntry | undefined;
  for (const [registry, entry] of entries) {
    if (!owns && !item.entries[registry]) continue;
    if (entry.at && (!newest?.at || isOlder(newest.at, entry.at))) newest = entry;
    else newest ??= entry;
  }
  return newest;
}

function checkAge(p: Planning, item: ImportItem, owns: boolean, entries: Map<RegistryKey, StoredEntry>, time: RegistryTime | null): void {
  const stored = newestStored(item, owns, entries)?.at;
  if (!stored) return;
  if (!time) p.report.undated.push({ slug: item.slug, stored: stored.at });
  else if (isOlder(time, stored)) p.report.older.push({ slug: item.slug, at: time.at, stored: stored.at });
}

async function planColumns(
  p: Planning,
  step: Step,
  item: ImportItem,
  target: StoredConnector,
  entries: Map<RegistryKey, StoredEntry>,
  time: RegistryTime | null,
): Promise<FieldChange[]> {
  const fields: FieldChange[] = [];
  if (item.definitionId !== target.definitionId) {
    step.definitionId = item.definitionId;
    fields.push({ field: 'definitionId', from: target.definitionId, to: item.definitionId });
  }
  const writeLevel = await planLevel(p, step, item, target, entries, time);
  for (const column of PLAN_COLUMNS) {
    if (column === 'supportLevel' && !writeLevel) continue;
    const next = dbValue(column, item);
    if (sameJson(target.values[column], next)) continue;
    step.columns.push(column);
    fields.push({ field: column, from: shown(column, target.values[column]), to: shown(column, next) });
  }
  return fields;
}

/**
 * Whether the file's support level is written. A level set through the API stands against a registry that
 * says nothing newer: the API change came after the registry's last stored word, or the registry repeats
 * the level it gave before (so a kept level is not undone by the next import). --force writes the file's.
 */
async function planLevel(
  p: Planning,
  step: Step,
  item: ImportItem,
  target: StoredConnector,
  entries: Map<RegistryKey, StoredEntry>,
  time: RegistryTime | null,
): Promise<boolean> {
  const from = target.values.supportLevel as SupportLevelKey;
  const to = item.supportLevel;
  if (from === to) return true;
  const last = await p.state.latestLevelChange(target.id);
  if (last?.source === 'mutation') {
    const said = newestStored(item, true, entries);
    const newer = !said?.at || isOlder(said.at, { at: last.at, day: false });
    if (newer || said.level === to) {
      const registryWord = said?.at ? `the registry's entry of ${said.at.at}` : 'any registry entry stored here';
      const message = `set to ${from} through the API at ${last.at}, after ${registryWord}; the file says ${to}: ${p.force ? `${to} applied (--force)` : `${from} kept (--force applies ${to})`}`;
      p.report.conflicts.push({ kind: 'certification', entry: item.label, slug: target.slug, message, kept: !p.force });
      if (!p.force) return false;
    }
  }
  const effectiveAt = time?.at ?? null;
  step.level = { from, to, effectiveAt };
  p.report.levelChanges.push({ slug: target.slug, from, to, effectiveAt });
  return true;
}

async function planAvailability(p: Planning, step: Step, item: ImportItem, target: StoredConnector): Promise<FieldChange[]> {
  const stored = await p.state.availability(target.id);
  const fields: FieldChange[] = [];
  const off: DeploymentKey[] = [];
  for (const [deployment, next] of Object.entries(item.availability) as [DeploymentKey, StoredAvailability][]) {
    const before = stored.get(deployment);
    if (before && before.enabled === next.enabled && before.dockerImageTag === next.dockerImageTag && before.dockerRepository === next.dockerRepository)
      continue;
    step.availability.push(deployment);
    const was = before?.enabled ?? false;
    if (was !== next.enabled) {
      p.report.availability.push({ slug: target.slug, deployment, from: was, to: next.enabled });
      fields.push({ field: `availability.${deployment}.enabled`, from: before ? was : null, to: next.enabled });
      if (was) off.push(deployment);
    }
    for (const key of ['dockerImageTag', 'dockerRepository'] as const) {
      if (next.enabled && (before?.[key] ?? null) !== next[key])
        fields.push({ field: `availability.${deployment}.${key}`, from: before?.[key] ?? null, to: next[key] });
    }
  }
  if (off.length) p.report.unavailable.push({ slug: target.slug, definitionId: target.definitionId, deployments: off, reason: 'disabled' });
  return fields;
}

/**
 * Whether a stored value is the one an import would write. JSON text is compared as text first, then,
 * only when the text differs, as values: PostgreSQL's jsonb keeps object keys in an order of its own.
 */
function sameJson(stored: unknown, next: unknown): boolean {
  if (stored === next) return true;
  if (typeof stored !== 'string' || typeof next !== 'string' || !/^[[{]/.test(stored)) return false;
  try {
    return isDeepStrictEqual(JSON.parse(stored), JSON.parse(next));
  } catch {
    return false;
  }
}

/** A breaking change as breaking_changes stores it. */
export function breakingChangeRow(b: BreakingChangeInput) {
  return {
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    migrationDocumentationUrl: b.migrationDocumentationUrl ?? null,
    deadlineAction: b.deadlineAction ?? null,
    scopedImpact: b.scopedImpact ? JSON.stringify(b.scopedImpact) : null,
  };
}

function planBreakingChanges(step: Step, item: ImportItem, stored: Map<string, Record<string, unknown>>): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const b of item.breakingChanges) {
    const next = breakingChangeRow(b);
    const before = stored.get(b.version);
    const differs = (Object.keys(next) as (keyof typeof next)[]).filter((k) => !sameJson(before?.[k], next[k]));
    if (before && !differs.length) continue;
    step.breakingChanges.push(b.version);
    if (!before) fields.push({ field: `breakingChanges.${b.version}`, from: null, to: next.upgradeDeadline });
    else for (const k of differs) fields.push({ field: `breakingChanges.${b.version}.${k}`, from: before[k], to: next[k] });
  }
  return fields;
}

/** A value short enough for a plan line: scalars as they are, objects as (shortened) JSON. */
function brief(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function planEntries(step: Step, item: ImportItem, stored: Map<RegistryKey, StoredEntry>): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const [registry, entry] of Object.entries(item.entries) as [RegistryKey, Record<string, unknown>][]) {
    const before = stored.get(registry);
    if (before && sameJson(before.text, JSON.stringify(entry))) continue;
    step.entries.push(registry);
    if (!before) {
      fields.push({ field: `entry.${registry}`, from: null, to: '(new)' });
      continue;
    }
    const old = JSON.parse(before.text) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(old), ...Object.keys(entry)])) {
      if (JSON.stringify(old[key]) !== JSON.stringify(entry[key]))
        fields.push({ field: `entry.${registry}.${key}`, from: brief(old[key]), to: brief(entry[key]) });
    }
  }
  return fields;
}

/** The identity an entry gives a known connector, when it differs from the stored one and was not recorded before. */
async function planRename(p: Planning, item: ImportItem, target: StoredConnector, owns: boolean): Promise<Step['rename']> {
  const rename: RenameIdentity = {
    fromDefinitionId: target.definitionId,
    toDefinitionId: item.definitionId,
    fromSlug: target.slug,
    // A cloud entry's slug comes from the image that registry pins (a -strict-encrypt one): not a new name.
    toSlug: owns ? item.slug : target.slug,
  };
  if (rename.fromDefinitionId === rename.toDefinitionId && rename.fromSlug === rename.toSlug) return undefined;
  if (await p.state.hasRename(target.id, rename)) return undefined;
  const registry = p.loaded.registries[0] ?? (Object.keys(item.entries)[0] as RegistryKey | undefined) ?? null;
  p.report.renames.push({ ...rename, entry: item.label, registry });
  return { ...rename, registry };
}

/** Connectors a registry file no longer lists become unavailable on its deployments, unless the file cannot speak for absence. */
async function planAbsence(p: Planning): Promise<void> {
  const { registries } = p.loaded;
  if (!registries.length) return;
  const unreadable = p.loaded.unreadable ?? [];
  if (unreadable.length) {
    const which = unreadable.slice(0, 3).join(', ') + (unreadable.length > 3 ? ', …' : '');
    p.report.absence.unknown = `${plural(unreadable.length, 'refused entry has', 'refused entries have')} no readable definition ID (${which}): the file cannot say which connectors it lacks, so none becomes unavailable`;
    p.report.notes.push(p.report.absence.unknown);
    return;
  }
  if (!p.items.length && !p.loaded.problems.length) p.report.notes.push('the file lists no sources and no destinations');
  for (const registry of registries) {
    for await (const listed of p.state.listedIn(registry)) {
      if (p.present.has(listed.id) || !listed.enabled.length) continue;
      p.disable.push({ connectorId: listed.id, rows: listed.enabled });
      const deployments = listed.enabled.map((r) => r.deployment);
      p.report.unavailable.push({ slug: listed.slug, definitionId: listed.definitionId, deployments, reason: 'absent' });
      for (const deployment of deployments) p.report.availability.push({ slug: listed.slug, deployment, from: true, to: false });
    }
  }
}

function countReport(r: ImportReport, unchanged: number, items: number): void {
  const refusedEntries = new Set(r.refused.map((x) => x.entry)).size;
  r.counts = {
    entries: items + refusedEntries,
    added: r.added.length,
    changed: r.changed.length,
    unchanged,
    refused: refusedEntries,
    levelChanges: r.levelChanges.length,
    availabilityChanges: r.availability.length,
    unavailable: r.share.unavailable,
    renames: r.renames.length,
    conflicts: r.conflicts.length,
    older: r.older.length,
    undated: r.undated.length,
  };
}

export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;

/** Why a real import would be refused: invalid entries (unless skipped), and, unless forced, the guards. */
function blockersOf(r: ImportReport, loaded: LoadedImport, items: number, options: PlanOptions): Blocker[] {
  const blockers: Blocker[] = [];
  const c = r.counts;
  if (c.refused && options.skipInvalid === false) {
    blockers.push({ guard: 'invalid', message: `${c.refused} of the ${plural(c.entries, 'entry', 'entries')} ${c.refused === 1 ? 'is' : 'are'} invalid` });
  }
  if (options.force) return blockers;
  const share = r.share.available ? r.share.unavailable / r.share.available : 0;
  if (share > r.share.max) {
    const empty = loaded.registries.length && !items && !loaded.problems.length ? ': the file lists no sources and no destinations' : '';
    blockers.push({
      guard: 'unavailable-share',
      message: `it would make ${r.share.unavailable} of the ${r.share.available} available connectors unavailable (${percent(share)}, more than the ${percent(r.share.max)} --max-unavailable-share allows)${empty}`,
    });
  }
  if (c.older) {
    const o = r.older[0]!;
    blockers.push({ guard: 'older', message: `${plural(c.older, 'entry is', 'entries are')} older than the stored ones (${o.slug}: ${o.at} < ${o.stored})` });
  }
  if (c.undated) {
    blockers.push({
      guard: 'undated',
      message: `${plural(c.undated, 'entry carries', 'entries carry')} no generation time while the stored ones do (${r.undated[0]!.slug}: stored ${r.undated[0]!.stored}); give the snapshot's date with --as-of YYYY-MM-DD`,
    });
  }
  return blockers;
}

/** The counts as one line: what an import did, or would do. */
export function countsLine(c: ImportCounts): string {
  return (
    `added ${c.added}, updated ${c.changed}, unchanged ${c.unchanged}, level changes ${c.levelChanges}, ` +
    `now unavailable ${c.unavailable}, skipped ${c.refused}, renames ${c.renames}, conflicts ${c.conflicts}`
  );
}

/** Why an import was refused, what it would have done, and how to go ahead: one line. */
export function refusalMessage(r: ImportReport): string {
  const onlyInvalid = r.blockers.every((b) => b.guard === 'invalid');
  const how = onlyInvalid
    ? '--skip-invalid imports the other entries and leaves the connectors of the invalid ones as they are'
    : r.blockers.some((b) => b.guard === 'invalid')
      ? '--skip-invalid and --force import it anyway'
      : '--force imports it anyway';
  return `refused: ${r.blockers.map((b) => b.message).join('; ')}. It would have: ${countsLine(r.counts)}. Nothing was written; ${how}.`;
}
