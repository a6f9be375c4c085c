// Everything the registry knows about a connector beyond its columns: the spec, allowed hosts, suggested
// streams, resource requirements, feature flags, CDK version, metrics, rollout and release candidate.
// The metrics lists filter and sort by are columns; the rest is read from the kept registry entry, each
// value only when asked (src/domain/registry/entry-fields.ts).
import type { ConnectorRow } from '../domain/connectors/store.js';
import {
  keptEntryValue,
  metricsOf,
  parseEntryValue,
  releaseCandidateOf,
  resourceRequirementsOf,
  rolloutOf,
  specOf,
  stringListOf,
  type ConnectorSpec,
  type EntryValue,
  type PlatformMetrics,
  type ReleaseCandidate,
  type ResourceLimits,
  type ResourceRequirements,
  type RolloutConfiguration,
} from '../domain/registry/entry-fields.js';
import { builder } from './builder.js';
import { column, plannedWith } from './columns.js';
import { Connector } from './connector.js';
import { MetricLevelEnum, MetricPlatformEnum } from './enums.js';

const ConnectorSpecRef = builder.objectRef<ConnectorSpec>('ConnectorSpec').implement({
  description: "The connector's specification from the registry: what a connection to it must configure.",
  fields: (t) => ({
    connectionSpecification: t.field({
      type: 'JSON',
      description: 'The JSON Schema of the configuration a connection gives (spec.connectionSpecification).',
      resolve: (s) => s.connectionSpecification,
    }),
    documentationUrl: t.exposeString('documentationUrl', { nullable: true, description: "The spec's own documentation URL, when it has one." }),
    supportedDestinationSyncModes: t.exposeStringList('supportedDestinationSyncModes', {
      nullable: true,
      description: 'The destination sync modes it supports (spec.supported_destination_sync_modes), e.g. append, overwrite, append_dedup.',
    }),
    advancedAuth: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The OAuth flow it offers (spec.advanced_auth), when it has one.',
      resolve: (s) => s.advancedAuth,
    }),
    raw: t.field({ type: 'JSON', description: 'The whole spec object exactly as the registry has it.', resolve: (s) => s.raw }),
  }),
});

const ResourceLimitsRef = builder.objectRef<ResourceLimits>('ResourceLimits').implement({
  description: 'CPU and memory for a connector container, as Kubernetes quantities (e.g. "1.0", "1Gi").',
  fields: (t) => ({
    cpuRequest: t.exposeString('cpuRequest', { nullable: true, description: 'CPU requested (cpu_request).' }),
    cpuLimit: t.exposeString('cpuLimit', { nullable: true, description: 'CPU limit (cpu_limit).' }),
    memoryRequest: t.exposeString('memoryRequest', { nullable: true, description: 'Memory requested (memory_request).' }),
    memoryLimit: t.exposeString('memoryLimit', { nullable: true, description: 'Memory limit (memory_limit).' }),
  }),
});

const JobResourceRef = builder.objectRef<ResourceRequirements['jobSpecific'][number]>('JobResourceRequirements').implement({
  description: 'The resources one kind of job gets.',
  fields: (t) => ({
    jobType: t.exposeString('jobType', {
      description: 'The job: get_spec, check_connection, discover_schema, sync, reset_connection, connection_updater or replicate.',
    }),
    resourceRequirements: t.field({ type: ResourceLimitsRef, description: 'Its CPU and memory.', resolve: (j) => j.resourceRequirements }),
  }),
});

const ResourceRequirementsRef = builder.objectRef<ResourceRequirements>('ResourceRequirements').implement({
  description: "The CPU and memory the platform gives the connector (the registry's resourceRequirements).",
  fields: (t) => ({
    default: t.field({ type: ResourceLimitsRef, nullable: true, description: 'For every job without its own.', resolve: (r) => r.default }),
    jobSpecific: t.field({ type: [JobResourceRef], description: 'Per job type.', resolve: (r) => r.jobSpecific }),
  }),
});

const PlatformMetricsRef = builder.objectRef<PlatformMetrics>('ConnectorMetrics').implement({
  description: "Airbyte's coarse figures for a connector on one platform (the registry's generated.metrics).",
  fields: (t) => ({
    platform: t.expose('platform', { type: MetricPlatformEnum, description: 'Which platform the figures are for.' }),
    usage: t.expose('usage', { type: MetricLevelEnum, nullable: true, description: 'How much it is used; null when Airbyte gives no figure.' }),
    syncSuccessRate: t.expose('syncSuccessRate', {
      type: MetricLevelEnum,
      nullable: true,
      description: 'How often its syncs succeed; null when Airbyte gives no figure.',
    }),
    connectorVersion: t.exposeString('connectorVersion', {
      nullable: true,
      description: 'The version the figures are for, as the registry says ("all" for every version).',
    }),
  }),
});

const RolloutRef = builder.objectRef<RolloutConfiguration>('RolloutConfiguration').implement({
  description: "How a new version reaches connections (releases.rolloutConfiguration), with Airbyte's defaults where a key is missing.",
  fields: (t) => ({
    enableProgressiveRollout: t.exposeBoolean('enableProgressiveRollout', { description: 'Whether it is rolled out to a growing share of connections.' }),
    initialPercentage: t.exposeInt('initialPercentage', { description: 'The share of connections it starts with, 0 to 100.' }),
    maxPercentage: t.exposeInt('maxPercentage', { description: 'The largest share it reaches before it is promoted, 0 to 100.' }),
    advanceDelayMinutes: t.exposeInt('advanceDelayMinutes', { description: 'Minutes between two steps of the rollout (10 at least).' }),
  }),
});

const ReleaseCandidateRef = builder.objectRef<ReleaseCandidate>('ReleaseCandidate').implement({
  description: 'A version being rolled out before it becomes the default (releases.releaseCandidates).',
  fields: (t) => ({
    version: t.exposeString('version', { description: 'Its version, e.g. 4.5.0-rc.2.' }),
    dockerImageTag: t.exposeString('dockerImageTag', { nullable: true, description: 'The image tag it runs.' }),
    rollout: t.field({ type: RolloutRef, nullable: true, description: 'How it is rolled out.', resolve: (c) => c.rollout }),
  }),
});

type WithKept = ConnectorRow & Record<string, unknown>;

/** The `select` and extensions of a field that reads one value of the kept entry (named `kept<Value>` on the row). */
function kept(value: EntryValue) {
  const key = `kept${value[0]!.toUpperCase()}${value.slice(1)}`;
  return {
    select: { extras: { [key]: keptEntryValue(value) } } as never,
    extensions: plannedWith(),
    read: (c: WithKept) => parseEntryValue(c[key]),
  };
}

/** A field reading a kept-entry value: the value's `select`, and a resolver given the parsed value. */
function fromEntry<T>(value: EntryValue, shape: (parsed: unknown) => T) {
  const { select, extensions, read } = kept(value);
  return { select, extensions, resolve: (c: WithKept) => shape(read(c)) };
}

const usage = column<ConnectorRow, 'usage'>('usage');
const syncSuccessRate = column<ConnectorRow, 'syncSuccessRate'>('syncSuccessRate');

builder.drizzleObjectFields(Connector, (t) => ({
  usage: t.field({
    type: MetricLevelEnum,
    ...usage,
    nullable: true,
    description: 'How much the connector is used over all platforms (generated.metrics.all.usage); what `filter.usage` and `orderBy: USAGE` read.',
  }),
  syncSuccessRate: t.field({
    type: MetricLevelEnum,
    ...syncSuccessRate,
    nullable: true,
    description:
      'How often its syncs succeed over all platforms (generated.metrics.all.sync_success_rate); what `filter.syncSuccessRate` and `orderBy: SYNC_SUCCESS_RATE` read.',
  }),
  metrics: t.field({
    type: [PlatformMetricsRef],
    description: "Airbyte's figures per platform (all, cloud, oss), as the registry gives them; empty when it gives none.",
    ...fromEntry('metrics', metricsOf),
  }),
  spec: t.field({
    type: ConnectorSpecRef,
    nullable: true,
    description: 'The connection specification from the registry; null when the connector came from metadata.yaml or the API, which carry none.',
    ...fromEntry('spec', specOf),
  }),
  allowedHosts: t.stringList({
    nullable: true,
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Airbyte's placeholder syntax, quoted.
      'The hosts it may connect to (allowedHosts.hosts), with placeholders such as ${host} for configuration values; null when the registry sets none (no restriction).',
    ...fromEntry('allowedHosts', stringListOf),
  }),
  suggestedStreams: t.stringList({
    nullable: true,
    description: 'The streams suggested to new connections (suggestedStreams.streams); null when the registry suggests none.',
    ...fromEntry('suggestedStreams', stringListOf),
  }),
  resourceRequirements: t.field({
    type: ResourceRequirementsRef,
    nullable: true,
    description: 'The CPU and memory the platform gives it; null when the registry sets none (platform defaults).',
    ...fromEntry('resourceRequirements', resourceRequirementsOf),
  }),
  supportsRefreshes: t.boolean({
    description: 'Whether it supports refreshing streams without clearing data (supportsRefreshes; false when missing).',
    ...fromEntry('supportsRefreshes', (v) => v === true),
  }),
  supportsFileTransfer: t.boolean({
    description: 'Whether it can copy files as they are, besides records (supportsFileTransfer; false when missing).',
    ...fromEntry('supportsFileTransfer', (v) => v === true),
  }),
  supportsDataActivation: t.boolean({
    description: 'Whether it is a data-activation destination (supportsDataActivation; false when missing).',
    ...fromEntry('supportsDataActivation', (v) => v === true),
  }),
  cdkVersion: t.string({
    nullable: true,
    description: 'The CDK it is built with, e.g. python:5.17.0 (packageInfo.cdk_version); null when the registry does not say.',
    ...fromEntry('cdkVersion', (v) => (typeof v === 'string' ? v : null)),
  }),
  rolloutConfiguration: t.field({
    type: RolloutRef,
    nullable: true,
    description: 'How its new versions are rolled out (releases.rolloutConfiguration); null when the registry sets nothing.',
    ...fromEntry('rolloutConfiguration', rolloutOf),
  }),
  releaseCandidate: t.field({
    type: ReleaseCandidateRef,
    nullable: true,
    description: 'The version being rolled out before it becomes the default (releases.releaseCandidates), with its rollout; null when there is none.',
    ...fromEntry('releaseCandidates', releaseCandidateOf),
  }),
}));
