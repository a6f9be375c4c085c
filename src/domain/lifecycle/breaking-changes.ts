// The release lifecycle: breaking changes, the support state of a pinned version, and announcing a
// change within the upgrade window a support level promises.
import { and, count, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { literalLimit } from '../../db/limit.js';
import { breakingChanges, connectorAvailability, connectors, DEADLINE_ACTION_KEYS, type DeploymentKey, type SupportLevelKey } from '../../db/schema.js';
import { isoDateSchema, semverSchema, slugSchema } from '../connectors/input.js';
import { afterCursorSql, decodeKeysetCursor, encodeKeysetCursor, pageOf } from '../connectors/page.js';
import { resolveConnectorRef, touchConnector, type ConnectorRow } from '../connectors/store.js';
import { visibleSql, type Visibility } from '../connectors/visibility.js';
import { userError, type UserError } from '../errors.js';
import { lockedConnector } from '../certification/certify.js';
import type { PolicyCatalog } from '../support/policy.js';
import { announceBreakingChange as announceToSubscribers } from '../events/announce.js';

export type BreakingChangeRow = typeof breakingChanges.$inferSelect;
export type SupportState = 'supported' | 'deprecated' | 'unsupported';

/** `5.4.0`, `4.3.0-rc.5` → comparable parts. */
function versionParts(v: string): { nums: [number, number, number]; pre: string | null } {
  const [core = '', pre] = v.split('-', 2);
  const nums = core.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return { nums: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], pre: pre ?? null };
}

/** Orders two versions; a pre-release sorts before its release, as in semver. */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! - y.nums[i]!;
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/**
 * Airbyte's SupportState for a connection pinned to `version`: supported when no breaking change lies
 * ahead of it, deprecated while one lies ahead with its deadline still to come, unsupported once such a
 * deadline has passed.
 */
export function supportStateFor(version: string, changes: readonly Pick<BreakingChangeRow, 'version' | 'upgradeDeadline'>[], today: string): SupportState {
  const ahead = changes.filter((c) => compareVersions(c.version, version) > 0);
  if (!ahead.length) return 'supported';
  return ahead.some((c) => c.upgradeDeadline < today) ? 'unsupported' : 'deprecated';
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return isoDay(d);
}

// ---- announcing ----

export const announceInputFields = z.object({
  connectorSlug: slugSchema.nullish(),
  connectorId: z.number().int().positive().nullish(),
  version: semverSchema,
  upgradeDeadline: isoDateSchema,
  message: z.string().trim().min(10, { message: 'must be at least 10 characters' }).max(5000, { message: 'must be at most 5000 characters' }),
  migrationDocumentationUrl: z
    .url({ message: 'must be an http(s) URL', protocol: /^https?$/ })
    .max(2000)
    .nullish(),
  deadlineAction: z.enum(DEADLINE_ACTION_KEYS).nullish(),
  impactedStreams: z
    .array(z.string().trim().min(1, { message: 'must not be empty' }).max(200))
    .min(1, { message: 'give at least one stream, or leave it out when the whole connector is affected' })
    .max(500)
    .nullish(),
  expectedRevision: z.number().int().min(1, { message: 'must be 1 or more' }).nullish(),
});
export type AnnounceInput = z.infer<typeof announceInputFields>;

export interface AnnounceResult {
  connector: ConnectorRow | null;
  breakingChange: BreakingChangeRow | null;
  userErrors: UserError[];
}

const refused = (connector: ConnectorRow | null, error: UserError): AnnounceResult => ({
  connector,
  breakingChange: null,
  userErrors: [error],
});

/** Adds a breaking change for a version, enforcing the support level's minimum upgrade window. */
export async function announceBreakingChange(
  db: Db,
  catalog: PolicyCatalog,
  input: AnnounceInput,
  today: string,
  visibility: Visibility,
): Promise<AnnounceResult> {
  return transaction(db, async (tx) => {
    const found = await resolveConnectorRef(tx, input, visibility);
    if ('error' in found) return refused(null, found.error);
    const { field } = found;
    // Locked (on PostgreSQL) so the revision and level checked are the ones the change is written against.
    const connector = await lockedConnector(tx, found.connector);
    if (!connector) return refused(null, userError('NOT_FOUND', field, `${found.connector.slug} was removed meanwhile.`));
    const why = refusal(catalog, connector, input, today, field);
    if (why) return refused(connector, why);
    const [breakingChange] = await tx
      .insert(breakingChanges)
      .values({
        connectorId: connector.id,
        version: input.version,
        upgradeDeadline: input.upgradeDeadline,
        message: input.message,
        migrationDocumentationUrl:
          input.migrationDocumentationUrl ?? (connector.documentationUrl ? `${connector.documentationUrl}-migrations#${input.version}` : null),
        deadlineAction: input.deadlineAction ?? null,
        scopedImpact: input.impactedStreams ? [{ scopeType: 'stream', impactedScopes: [...new Set(input.impactedStreams)] }] : null,
      })
      .onConflictDoNothing()
      .returning();
    // The (connector, version) pair is unique: a change already announced for the version keeps its row.
    if (!breakingChange) {
      return refused(connector, userError('CONFLICT', ['input', 'version'], `${connector.slug} already has a breaking change announced for ${input.version}.`));
    }
    const updated = await touchConnector(tx, connector.id);
    await announceToSubscribers(tx, breakingChange, updated ?? connector);
    return { connector: updated, breakingChange, userErrors: [] };
  });
}

/** Why an announcement is refused before anything is written (archived, stale revision, too short a window), or null. */
function refusal(catalog: PolicyCatalog, connector: ConnectorRow, input: AnnounceInput, today: string, field: string[]): UserError | null {
  if (connector.supportLevel === 'archived') return userError('INVALID_TRANSITION', field, `${connector.slug} is archived: it gets no new releases.`);
  if (input.expectedRevision != null && input.expectedRevision !== connector.revision) {
    const why = `${connector.slug} is at revision ${connector.revision}, not ${input.expectedRevision}: it changed since you read it.`;
    return userError('STALE_REVISION', ['input', 'expectedRevision'], why);
  }
  const level = catalog.level(connector.supportLevel);
  const earliest = addDays(today, level.minUpgradeWindowDays);
  if (level.minUpgradeWindowDays > 0 && input.upgradeDeadline < earliest) {
    return userError(
      'VALIDATION',
      ['input', 'upgradeDeadline'],
      `upgradeDeadline: ${level.label} connectors give users at least ${level.minUpgradeWindowDays} days to upgrade; the earliest deadline allowed today is ${earliest}.`,
    );
  }
  return null;
}

// ---- listing ----

export interface BreakingChangeFilter {
  upcoming?: boolean | null;
  deadlineBefore?: string | null;
  supportLevels?: readonly SupportLevelKey[] | null;
  deployment?: DeploymentKey | null;
}

type BcTable = typeof breakingChanges;
const ORDER_FIELD = 'upgradeDeadline';

function filterSql(t: BcTable, filter: BreakingChangeFilter | null | undefined, today: string, visibility: Visibility): SQL | undefined {
  const parts: SQL[] = [];
  const visible = visibleSql(connectors, visibility);
  if (visible) parts.push(sql`exists (select 1 from ${connectors} where ${connectors.id} = ${t.connectorId} and ${visible})`);
  if (!filter) return parts.length ? and(...parts) : undefined;
  if (filter.upcoming === true) parts.push(sql`${t.upgradeDeadline} >= ${today}`);
  if (filter.upcoming === false) parts.push(sql`${t.upgradeDeadline} < ${today}`);
  if (filter.deadlineBefore) parts.push(sql`${t.upgradeDeadline} < ${filter.deadlineBefore}`);
  if (filter.supportLevels) {
    parts.push(
      filter.supportLevels.length
        ? sql`exists (select 1 from ${connectors} where ${connectors.id} = ${t.connectorId} and ${connectors.supportLevel} in (${sql.join(
            filter.supportLevels.map((l) => sql`${l}`),
            sql`, `,
          )}))`
        : sql`false`,
    );
  }
  if (filter.deployment) {
    parts.push(
      sql`exists (select 1 from ${connectorAvailability} where ${connectorAvailability.connectorId} = ${t.connectorId} and ${connectorAvailability.deployment} = ${filter.deployment} and ${connectorAvailability.enabled} = true)`,
    );
  }
  return parts.length ? and(...parts) : undefined;
}

export async function countBreakingChanges(db: Db, filter: BreakingChangeFilter | null | undefined, today: string, visibility: Visibility): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(breakingChanges)
    .where(filterSql(breakingChanges, filter, today, visibility));
  return row?.n ?? 0;
}

/** Relational-query options for one page of breaking changes, soonest deadline first. */
export function breakingChangePageQuery(input: {
  filter: BreakingChangeFilter | null | undefined;
  first: number;
  after: string | null | undefined;
  today: string;
  visibility: Visibility;
}) {
  const cursor = input.after ? decodeKeysetCursor(input.after, ORDER_FIELD, 'asc') : null;
  return { where: { RAW: breakingChangeWhere(input, cursor) }, orderBy: breakingChangeOrderBy, limit: literalLimit(input.first + 1) };
}

function breakingChangeWhere(input: Parameters<typeof breakingChangePageQuery>[0], cursor: ReturnType<typeof decodeKeysetCursor> | null): (t: BcTable) => SQL {
  return (t) =>
    and(filterSql(t, input.filter, input.today, input.visibility), cursor ? afterCursorSql(sql`${t.upgradeDeadline}`, t.id, cursor, false) : undefined) ??
    sql`true`;
}

function breakingChangeOrderBy(t: BcTable): SQL[] {
  return [sql`${t.upgradeDeadline} asc`, sql`${t.id} asc`];
}

export function breakingChangePage<Row extends { id: number; upgradeDeadline: string }>(rows: Row[], first: number, after: string | null | undefined) {
  return pageOf(rows, first, after, (r) => encodeKeysetCursor({ f: ORDER_FIELD, d: 'asc', v: r.upgradeDeadline, id: r.id }));
}

/** The rows of a page of breaking changes, for query options a planner built from breakingChangePageQuery. */
export async function breakingChangeRows(db: Db, query: object): Promise<BreakingChangeRow[]> {
  return (await db.query.breakingChanges.findMany(query as never)) as unknown as BreakingChangeRow[];
}
