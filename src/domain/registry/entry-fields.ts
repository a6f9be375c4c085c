// What the registry knows about a connector beyond its columns (the spec, allowed hosts, resource
// requirements, metrics, release candidates, …), read from the registry entry the import kept whole
// (registry_entries.entry). Each value is read by its own SQL expression, so a page reads a value only
// when a client asks for it, in the page's own statement, and the headline list never parses an entry.
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { registryEntries, type MetricLevelKey } from '../../db/schema.js';

/** The JSON paths read from a kept entry, by the name of the value. */
export const ENTRY_PATHS = {
  spec: '$.spec',
  allowedHosts: '$.allowedHosts.hosts',
  suggestedStreams: '$.suggestedStreams.streams',
  resourceRequirements: '$.resourceRequirements',
  supportsRefreshes: '$.supportsRefreshes',
  supportsFileTransfer: '$.supportsFileTransfer',
  supportsDataActivation: '$.supportsDataActivation',
  cdkVersion: '$.packageInfo.cdk_version',
  metrics: '$.generated.metrics',
  rolloutConfiguration: '$.releases.rolloutConfiguration',
  releaseCandidates: '$.releases.releaseCandidates',
} as const;
export type EntryValue = keyof typeof ENTRY_PATHS;

/**
 * The SQL of one value of a connector's kept entry, as JSON text (null when the entry lacks it or there is
 * no entry): the OSS registry's entry when there is one, else the cloud registry's, as the connector's own
 * columns are the OSS default. A function of the (aliased) connectors table, for drizzle's `extras`.
 */
export function keptEntryValue(value: EntryValue): (t: { id: AnyColumn }) => SQL<string | null> {
  // One `-> key` per step and the result cast to text: the same SQL reads SQLite's JSON text and PostgreSQL's jsonb.
  const steps = sql.join(
    ENTRY_PATHS[value]
      .slice(2)
      .split('.')
      .map((key) => sql` -> ${key}`),
  );
  return (t) =>
    sql<
      string | null
    >`(select cast(${registryEntries.entry}${steps} as text) from ${registryEntries} where ${registryEntries.connectorId} = ${t.id} order by ${registryEntries.registry} = 'oss' desc limit 1)`;
}

/** A kept value's JSON text parsed, or null. */
export function parseEntryValue(text: unknown): unknown {
  return typeof text === 'string' ? JSON.parse(text) : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] | null => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : null);
const METRIC_LEVELS = new Set<unknown>(['low', 'medium', 'high']);
const level = (v: unknown): MetricLevelKey | null => (METRIC_LEVELS.has(v) ? (v as MetricLevelKey) : null);

export interface ConnectorSpec {
  connectionSpecification: unknown;
  documentationUrl: string | null;
  supportedDestinationSyncModes: string[] | null;
  advancedAuth: unknown;
  raw: Record<string, unknown>;
}

/** The connection specification. Registries write the sync modes snake_case (the protocol's) or camelCase. */
export function specOf(value: unknown): ConnectorSpec | null {
  if (!isObject(value)) return null;
  return {
    connectionSpecification: value.connectionSpecification ?? {},
    documentationUrl: stringOrNull(value.documentationUrl),
    supportedDestinationSyncModes: strings(value.supported_destination_sync_modes ?? value.supportedDestinationSyncModes),
    advancedAuth: value.advanced_auth ?? value.advancedAuth ?? null,
    raw: value,
  };
}

export function stringListOf(value: unknown): string[] | null {
  return strings(value);
}

export interface ResourceLimits {
  cpuRequest: string | null;
  cpuLimit: string | null;
  memoryRequest: string | null;
  memoryLimit: string | null;
}
export interface ResourceRequirements {
  default: ResourceLimits | null;
  jobSpecific: { jobType: string; resourceRequirements: ResourceLimits }[];
}

function limitsOf(value: unknown): ResourceLimits | null {
  if (!isObject(value)) return null;
  return {
    cpuRequest: stringOrNull(value.cpu_request),
    cpuLimit: stringOrNull(value.cpu_limit),
    memoryRequest: stringOrNull(value.memory_request),
    memoryLimit: stringOrNull(value.memory_limit),
  };
}

/** `resourceRequirements`: defaults and per-job-type requirements (FORMAT.md §1). */
export function resourceRequirementsOf(value: unknown): ResourceRequirements | null {
  if (!isObject(value)) return null;
  const jobs = Array.isArray(value.jobSpecific) ? value.jobSpecific : [];
  return {
    default: limitsOf(value.default),
    jobSpecific: jobs.flatMap((job) => {
      const limits = isObject(job) ? limitsOf(job.resourceRequirements) : null;
      return isObject(job) && typeof job.jobType === 'string' && limits ? [{ jobType: job.jobType, resourceRequirements: limits }] : [];
    }),
  };
}

export const METRIC_PLATFORMS = ['all', 'cloud', 'oss'] as const;
export type MetricPlatform = (typeof METRIC_PLATFORMS)[number];
export interface PlatformMetrics {
  platform: MetricPlatform;
  usage: MetricLevelKey | null;
  syncSuccessRate: MetricLevelKey | null;
  connectorVersion: string | null;
}

/** `generated.metrics`: one figure per platform the registry gives, in the order all, cloud, oss. */
export function metricsOf(value: unknown): PlatformMetrics[] {
  if (!isObject(value)) return [];
  return METRIC_PLATFORMS.flatMap((platform) => {
    const m = value[platform];
    if (!isObject(m)) return [];
    return [{ platform, usage: level(m.usage), syncSuccessRate: level(m.sync_success_rate), connectorVersion: stringOrNull(m.connector_version) }];
  });
}

export interface RolloutConfiguration {
  enableProgressiveRollout: boolean;
  initialPercentage: number;
  maxPercentage: number;
  advanceDelayMinutes: number;
}

/** `releases.rolloutConfiguration`, Airbyte's defaults (false, 0, 50, 10) where a key is missing. */
export function rolloutOf(value: unknown): RolloutConfiguration | null {
  if (!isObject(value)) return null;
  const int = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);
  return {
    enableProgressiveRollout: value.enableProgressiveRollout === true,
    initialPercentage: int(value.initialPercentage, 0),
    maxPercentage: int(value.maxPercentage, 50),
    advanceDelayMinutes: int(value.advanceDelayMinutes, 10),
  };
}

export interface ReleaseCandidate {
  version: string;
  dockerImageTag: string | null;
  rollout: RolloutConfiguration | null;
}

/** `releases.releaseCandidates`: at most one, keyed by its version, whose value is a whole registry entry. */
export function releaseCandidateOf(value: unknown): ReleaseCandidate | null {
  if (!isObject(value)) return null;
  const [version, entry] = Object.entries(value)[0] ?? [];
  if (!version || !isObject(entry)) return null;
  const releases = isObject(entry.releases) ? entry.releases : {};
  return { version, dockerImageTag: stringOrNull(entry.dockerImageTag), rollout: rolloutOf(releases.rolloutConfiguration) };
}
