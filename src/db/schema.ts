// Tables of the connector registry. Enum-like columns store stable keys (see STYLE §9):
// display labels live in the reference tables, because Airbyte has renamed them more than once.
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const SUPPORT_LEVEL_KEYS = ['certified', 'community', 'custom', 'enterprise', 'archived'] as const;
export type SupportLevelKey = (typeof SUPPORT_LEVEL_KEYS)[number];

export const DEPLOYMENT_KEYS = ['cloud', 'powered_by_airbyte', 'self_managed_enterprise', 'community_oss'] as const;
export type DeploymentKey = (typeof DEPLOYMENT_KEYS)[number];

export const SLA_TIER_KEYS = ['official_sla', 'best_effort_sla', 'community_slack', 'none'] as const;
export type SlaTierKey = (typeof SLA_TIER_KEYS)[number];

export const COVERAGE_KEYS = ['supported', 'slack_only', 'no_support', 'not_offered'] as const;
export type CoverageKey = (typeof COVERAGE_KEYS)[number];

export const MAINTAINER_KEYS = ['vendor', 'customer', 'community', 'nobody'] as const;
export type MaintainerKey = (typeof MAINTAINER_KEYS)[number];

export const CONNECTOR_TYPE_KEYS = ['source', 'destination'] as const;
export type ConnectorTypeKey = (typeof CONNECTOR_TYPE_KEYS)[number];

export const RELEASE_STAGE_KEYS = ['alpha', 'beta', 'generally_available', 'custom'] as const;
export type ReleaseStageKey = (typeof RELEASE_STAGE_KEYS)[number];

export const DEADLINE_ACTION_KEYS = ['auto_upgrade', 'disable'] as const;
export type DeadlineActionKey = (typeof DEADLINE_ACTION_KEYS)[number];

export const REGISTRY_KEYS = ['oss', 'cloud'] as const;
export type RegistryKey = (typeof REGISTRY_KEYS)[number];

/** Airbyte's coarse connector metrics (the registry's generated.metrics): usage and sync success rate. */
export const METRIC_LEVEL_KEYS = ['low', 'medium', 'high'] as const;
export type MetricLevelKey = (typeof METRIC_LEVEL_KEYS)[number];

/**
 * A metric level as text that sorts low < medium < high, a missing one ('0') first: what a page orders by
 * and what its cursor holds. Literals, not parameters, so queries match the expression indexes below.
 */
export const metricRank = (column: AnyColumn | SQL) => sql`(case ${column} when 'low' then '1' when 'medium' then '2' when 'high' then '3' else '0' end)`;

export const EVENT_SOURCE_KEYS = ['mutation', 'import', 'seed'] as const;
export type EventSourceKey = (typeof EVENT_SOURCE_KEYS)[number];

/** A stream-scoped impact of a breaking change, as in Airbyte's `scopedImpact`. */
export interface ScopedImpact {
  scopeType: 'stream';
  impactedScopes: string[];
}

// ISO-8601 UTC with milliseconds: sorts as text in time order, so it is safe in cursors.
const nowIso = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

const inList = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const supportLevels = sqliteTable(
  'support_levels',
  {
    key: text('key').$type<SupportLevelKey>().primaryKey(),
    label: text('label').notNull(),
    availability: text('availability').notNull(),
    whoBuilds: text('who_builds').notNull(),
    whoMaintains: text('who_maintains').notNull(),
    productionReadiness: text('production_readiness').notNull(),
    breakingChangePolicy: text('breaking_change_policy').notNull(),
    minUpgradeWindowDays: integer('min_upgrade_window_days').notNull(),
    description: text('description').notNull(),
    sortOrder: integer('sort_order').notNull(),
  },
  (t) => [check('support_levels_key', inList('key', SUPPORT_LEVEL_KEYS)), check('support_levels_window', sql`${t.minUpgradeWindowDays} >= 0`)],
);

export const deployments = sqliteTable(
  'deployments',
  {
    key: text('key').$type<DeploymentKey>().primaryKey(),
    label: text('label').notNull(),
    description: text('description').notNull(),
    sortOrder: integer('sort_order').notNull(),
  },
  () => [check('deployments_key', inList('key', DEPLOYMENT_KEYS))],
);

export const slaTiers = sqliteTable(
  'sla_tiers',
  {
    key: text('key').$type<SlaTierKey>().primaryKey(),
    label: text('label').notNull(),
    description: text('description').notNull(),
    conditions: text('conditions').notNull(),
    officialSla: integer('official_sla', { mode: 'boolean' }).notNull(),
    requiresPremiumSupport: integer('requires_premium_support', { mode: 'boolean' }).notNull(),
    sortOrder: integer('sort_order').notNull(),
  },
  () => [check('sla_tiers_key', inList('key', SLA_TIER_KEYS))],
);

export const supportPolicies = sqliteTable(
  'support_policies',
  {
    supportLevel: text('support_level')
      .$type<SupportLevelKey>()
      .notNull()
      .references(() => supportLevels.key),
    deployment: text('deployment')
      .$type<DeploymentKey>()
      .notNull()
      .references(() => deployments.key),
    coverage: text('coverage').$type<CoverageKey>().notNull(),
    coverageText: text('coverage_text').notNull(),
    slaTier: text('sla_tier')
      .$type<SlaTierKey>()
      .notNull()
      .references(() => slaTiers.key),
    premiumSupportRequired: integer('premium_support_required', { mode: 'boolean' }).notNull(),
    maintainedBy: text('maintained_by').$type<MaintainerKey>().notNull(),
    footnote: text('footnote'),
  },
  (t) => [
    primaryKey({ columns: [t.supportLevel, t.deployment] }),
    check('support_policies_coverage', inList('coverage', COVERAGE_KEYS)),
    check('support_policies_maintained_by', inList('maintained_by', MAINTAINER_KEYS)),
  ],
);

export const connectors = sqliteTable(
  'connectors',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    definitionId: text('definition_id').notNull().unique(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    // nameKey(name) (src/db/name-key.ts), written with the name by every writer: what name order sorts by.
    nameKey: text('name_key').notNull().default(''),
    type: text('type').$type<ConnectorTypeKey>().notNull(),
    supportLevel: text('support_level')
      .$type<SupportLevelKey>()
      .notNull()
      .references(() => supportLevels.key),
    releaseStage: text('release_stage').$type<ReleaseStageKey>(),
    dockerRepository: text('docker_repository').notNull(),
    dockerImageTag: text('docker_image_tag').notNull(),
    documentationUrl: text('documentation_url'),
    iconUrl: text('icon_url'),
    language: text('language'),
    license: text('license'),
    subtype: text('subtype'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    releaseDate: text('release_date'),
    internalSl: integer('internal_sl'),
    internalQl: integer('internal_ql'),
    // Airbyte's heartbeat for a source: the most seconds it may go without a message before the platform
    // fails the sync; null leaves the platform's default.
    maxSecondsBetweenMessages: integer('max_seconds_between_messages'),
    // Airbyte's usage and sync success rate over all platforms (generated.metrics.all): low, medium or
    // high; null when the registry has no figure. Columns because lists filter and sort by them. No CHECK:
    // adding one rebuilds the table, which the enabled_on triggers forbid; the import validates the values.
    usage: text('usage').$type<MetricLevelKey>(),
    syncSuccessRate: text('sync_success_rate').$type<MetricLevelKey>(),
    // The organization that owns a custom connector; null for public connectors.
    organization: text('organization'),
    // Written by the demo seed, not by an import or the API: a real import removes it (src/domain/registry).
    demo: integer('demo', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull().default(nowIso),
    updatedAt: text('updated_at').notNull().default(nowIso),
    revision: integer('revision').notNull().default(1),
    // The deployments the connector is enabled on, comma-separated in key order, or null for none: a
    // copy of connector_availability kept by triggers (migrations 20261125175032 and, for SQLite < 3.44, 20261130100842), so
    // a page reads it with the row instead of a subquery per connector. Never written by the code.
    enabledOn: text('enabled_on'),
  },
  (t) => [
    check('connectors_type', inList('type', CONNECTOR_TYPE_KEYS)),
    check('connectors_release_stage', sql`${t.releaseStage} is null or ${inList('release_stage', RELEASE_STAGE_KEYS)}`),
    check('connectors_revision', sql`${t.revision} >= 1`),
    // Name order: the sort key, then the slug (unique) between equal keys.
    index('connectors_name_key_idx').on(t.nameKey, t.slug),
    index('connectors_level_name_key_idx').on(t.supportLevel, t.nameKey, t.slug),
    index('connectors_updated_idx').on(t.updatedAt, t.id),
    // Pages ordered by a metric read these in order (page.ts orders by the same expression).
    index('connectors_usage_idx').on(metricRank(t.usage), t.id),
    index('connectors_sync_success_rate_idx').on(metricRank(t.syncSuccessRate), t.id),
    // Covers facets' grouped count (src/domain/connectors/facets.ts): read in group order, no sort, no row.
    index('connectors_facets_idx').on(t.type, t.supportLevel, t.language, t.enabledOn, t.organization),
  ],
);

export const connectorAvailability = sqliteTable(
  'connector_availability',
  {
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    deployment: text('deployment')
      .$type<DeploymentKey>()
      .notNull()
      .references(() => deployments.key),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    // Where a deployment pins another image than the connector's own (Airbyte's registryOverrides).
    dockerImageTag: text('docker_image_tag'),
    dockerRepository: text('docker_repository'),
  },
  (t) => [
    primaryKey({ columns: [t.connectorId, t.deployment] }),
    index('connector_availability_deployment_idx').on(t.deployment, t.enabled, t.connectorId),
    // Covers "the deployments this connector is enabled on", read for every row of a page.
    index('connector_availability_connector_idx').on(t.connectorId, t.enabled, t.deployment),
  ],
);

export const breakingChanges = sqliteTable(
  'breaking_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    upgradeDeadline: text('upgrade_deadline').notNull(),
    message: text('message').notNull(),
    migrationDocumentationUrl: text('migration_documentation_url'),
    deadlineAction: text('deadline_action').$type<DeadlineActionKey>(),
    scopedImpact: text('scoped_impact', { mode: 'json' }).$type<ScopedImpact[]>(),
    // Invented by the demo seed: a real import removes it, so demo data never passes for a real announcement.
    demo: integer('demo', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [
    uniqueIndex('breaking_changes_connector_version_idx').on(t.connectorId, t.version),
    index('breaking_changes_deadline_idx').on(t.upgradeDeadline),
    check('breaking_changes_deadline_action', sql`${t.deadlineAction} is null or ${inList('deadline_action', DEADLINE_ACTION_KEYS)}`),
  ],
);

export const certificationEvents = sqliteTable(
  'certification_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    fromLevel: text('from_level').$type<SupportLevelKey>().notNull(),
    toLevel: text('to_level').$type<SupportLevelKey>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    evidence: text('evidence'),
    source: text('source').$type<EventSourceKey>().notNull(),
    // When the change took effect at its source (a registry's generation time, a snapshot's date); null
    // when it took effect when it was recorded (createdAt), as every API change does.
    effectiveAt: text('effective_at'),
    // The import that wrote the event, if one did.
    importId: integer('import_id').references(() => importLog.id),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [index('certification_events_connector_idx').on(t.connectorId, t.id), check('certification_events_source', inList('source', EVENT_SOURCE_KEYS))],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    // SHA-256 of the token, hex. The token itself is shown once and never stored.
    tokenHash: text('token_hash').notNull().unique(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    organization: text('organization'),
    createdAt: text('created_at').notNull().default(nowIso),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
    // When the token stops working (ISO-8601); null only for a token created with `--expires-in never`
    // (or before tokens expired).
    expiresAt: text('expires_at'),
    // After a rotation, the hash of the token it replaced, which works until previous_expires_at (the
    // grace period). One earlier token at a time: rotating again ends the older one at once.
    previousTokenHash: text('previous_token_hash'),
    previousExpiresAt: text('previous_expires_at'),
    rotatedAt: text('rotated_at'),
    // The token's own cost budget (points, and points restored per second); null takes the server's.
    costBudget: integer('cost_budget'),
    costRestoreRate: integer('cost_restore_rate'),
  },
  // An index, not a UNIQUE column: SQLite adds a unique column only by rebuilding the table.
  (t) => [uniqueIndex('api_tokens_previous_token_hash_idx').on(t.previousTokenHash)],
);

/**
 * The registry entry a connector was last imported with, per registry, kept whole: fields the model
 * has no column for (spec, generated, allowedHosts, …) live here so an export can reproduce the entry.
 */
export const registryEntries = sqliteTable(
  'registry_entries',
  {
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    registry: text('registry').$type<RegistryKey>().notNull(),
    entry: text('entry', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    importedFrom: text('imported_from').notNull(),
    importedAt: text('imported_at').notNull().default(nowIso),
  },
  (t) => [
    primaryKey({ columns: [t.connectorId, t.registry] }),
    index('registry_entries_registry_idx').on(t.registry, t.connectorId),
    check('registry_entries_registry', inList('registry', REGISTRY_KEYS)),
  ],
);

/**
 * The first result of every mutation sent with an idempotency key, per token: a retry with the same
 * key and the same input gets this result back instead of writing again.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    tokenId: integer('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    requestHash: text('request_hash').notNull(),
    result: text('result', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

export const WEBHOOK_EVENT_KEYS = ['certification', 'breaking_change'] as const;
export type WebhookEventKey = (typeof WEBHOOK_EVENT_KEYS)[number];

/** Where an admin asked for certification and breaking-change events to be POSTed. */
export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  // The HMAC key the receiver verifies signatures with, sealed with SECRETS_KEY (src/domain/webhooks/secrets.ts);
  // shown once, when the webhook is registered or its secret rotated.
  secret: text('secret').notNull(),
  // During a rotation, the secret before it (sealed too): deliveries are signed with both until it expires.
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: text('previous_secret_expires_at'),
  events: text('events', { mode: 'json' }).$type<WebhookEventKey[]>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull().default(nowIso),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

/** Every delivery attempt series: one row per (webhook, event), updated as it is retried. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').$type<WebhookEventKey>().notNull(),
    payload: text('payload').notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at'),
    // Which gateway is sending it, and until when: another gateway may take it over once the lease has
    // ended (the sender died mid-delivery). Null when nobody holds it.
    leaseOwner: text('lease_owner'),
    leaseUntil: text('lease_until'),
    deliveredAt: text('delivered_at'),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id), index('webhook_deliveries_status_idx').on(t.status, t.nextAttemptAt)],
);

/**
 * Every registry import that wrote (dry runs write nothing): who, when, from what (the file or URL and
 * the SHA-256 of its content), what it was told (registry, as-of date, forced) and what it did (the
 * plan's counts and its refusals and conflicts, as JSON).
 */
export const importLog = sqliteTable('import_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  actor: text('actor').notNull(),
  source: text('source').notNull(),
  contentHash: text('content_hash').notNull(),
  registries: text('registries', { mode: 'json' }).$type<RegistryKey[]>().notNull(),
  // The snapshot date given with --as-of for sources that carry no generation times.
  asOf: text('as_of'),
  forced: integer('forced', { mode: 'boolean' }).notNull().default(false),
  summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at').notNull().default(nowIso),
});

/**
 * A connector's identity over time: Airbyte has given connectors new definition IDs (and renamed slugs).
 * When an import finds a known connector under another definition ID or slug, it keeps one connector and
 * records both here.
 */
export const connectorRenames = sqliteTable(
  'connector_renames',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    fromDefinitionId: text('from_definition_id').notNull(),
    toDefinitionId: text('to_definition_id').notNull(),
    fromSlug: text('from_slug').notNull(),
    toSlug: text('to_slug').notNull(),
    // The registry the other identity came from.
    registry: text('registry').$type<RegistryKey>(),
    importId: integer('import_id').references(() => importLog.id),
    recordedAt: text('recorded_at').notNull().default(nowIso),
  },
  (t) => [index('connector_renames_connector_idx').on(t.connectorId, t.id), index('connector_renames_from_idx').on(t.fromDefinitionId)],
);

export const AUDIT_OUTCOMES = ['succeeded', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Every privileged act, append-only: triggers (a hand-written migration) refuse UPDATE and DELETE.
 * Never holds a token: the actor is the token's name, or `cli:<user>` for the command line.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull().default(nowIso),
    // The token's name, `cli:<user>`, or null for a caller with no valid token.
    actor: text('actor'),
    action: text('action').notNull(),
    target: text('target'),
    // Where the request came from; null for the command line.
    clientAddress: text('client_address'),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    // The error code of a refused or failed act.
    code: text('code'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    importId: integer('import_id').references(() => importLog.id),
  },
  (t) => [
    check('audit_log_outcome', sql`${t.outcome} in ('succeeded', 'refused', 'failed')`),
    index('audit_log_at_idx').on(t.at),
    index('audit_log_action_idx').on(t.action, t.at),
    index('audit_log_actor_idx').on(t.actor, t.at),
  ],
);

export const HISTORY_SOURCE_KEYS = ['mutation', 'import', 'seed', 'migration', 'unattributed'] as const;
export type HistorySourceKey = (typeof HISTORY_SOURCE_KEYS)[number];

/**
 * Every change to a connector, one row per field: written by triggers on connectors,
 * connector_availability and breaking_changes (migration 20261130125451_history_triggers), so every
 * writer is recorded. `scope` is the deployment of an availability field, the version of a breaking
 * change, '' for the connector's own columns; `value` is the new value as SQLite stores it (null: none,
 * or withdrawn). Read only for asOf and changes: the current-state queries never touch it.
 */
export const connectorHistory = sqliteTable(
  'connector_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: integer('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    field: text('field').notNull(),
    scope: text('scope').notNull().default(''),
    value: text('value'),
    // When the change took effect at its source: a registry entry's generation time, an import's --as-of
    // date, or when it was recorded (API mutations).
    effectiveAt: text('effective_at').notNull(),
    recordedAt: text('recorded_at').notNull().default(nowIso),
    actor: text('actor'),
    source: text('source').$type<HistorySourceKey>().notNull(),
    importId: integer('import_id').references(() => importLog.id),
  },
  (t) => [
    // As of an instant: the latest row of a field at or before it, one index seek per field.
    index('connector_history_asof_idx').on(t.connectorId, t.field, t.scope, t.effectiveAt, t.id),
    check('connector_history_source', inList('source', HISTORY_SOURCE_KEYS)),
  ],
);

/**
 * Per connector, the latest effective time of its history and whether any change was recorded out of
 * effective order (a forced import of an older registry). Kept by a trigger on connector_history: a
 * connector in order whose last change took effect by an instant is, as of that instant, its current
 * row, so an as-of list reads history only for the others.
 */
export const connectorHistoryHorizon = sqliteTable('connector_history_horizon', {
  connectorId: integer('connector_id')
    .primaryKey()
    .references(() => connectors.id, { onDelete: 'cascade' }),
  lastEffectiveAt: text('last_effective_at').notNull(),
  disordered: integer('disordered', { mode: 'boolean' }).notNull().default(false),
});

/**
 * Who is writing, set by a write path inside its transaction and deleted before it commits (see
 * src/domain/history/recording.ts): the history triggers read it. Never holds a row outside a
 * transaction, so no other writer can see it; without a row, triggers record 'unattributed' changes
 * effective when recorded.
 */
export const historyContext = sqliteTable(
  'history_context',
  {
    id: integer('id').primaryKey(),
    actor: text('actor'),
    source: text('source').$type<HistorySourceKey>().notNull(),
    importId: integer('import_id'),
    effectiveAt: text('effective_at'),
  },
  (t) => [check('history_context_one_row', sql`${t.id} = 1`)],
);

/**
 * The transactional outbox: what happened, written in the same transaction as the change, so every
 * gateway (and a running server beside a CLI import) reads each event once, in commit order, after the
 * last id it has seen. `topic` names the event; `payload` is what subscribers get.
 */
export const outbox = sqliteTable('outbox', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  topic: text('topic').notNull(),
  payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
  // The organization owning the connector it is about (null: public), so subscribers hear only what they may see.
  organization: text('organization'),
  createdAt: text('created_at').notNull().default(nowIso),
});
