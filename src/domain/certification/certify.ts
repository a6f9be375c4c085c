// Support-level changes (certify, decertify, archive, unarchive): one function for every transition of
// SUPPORT_LEVEL_TRANSITIONS, each checked and written with its audit event in one transaction, the
// connector's row locked while it is checked, so two gateways changing one connector take turns.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { PgAsyncDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { certificationEvents, connectorAvailability, connectors, type DeploymentKey, type SupportLevelKey } from '../../db/schema.js';
import { resolveConnectorRef, touchConnector, type ConnectorRow } from '../connectors/store.js';
import { slugSchema } from '../connectors/input.js';
import type { Visibility } from '../connectors/visibility.js';
import { userError, type UserError } from '../errors.js';
import type { PolicyCatalog } from '../support/policy.js';
import { SUPPORT_LEVEL_TRANSITIONS, type TransitionMutation, type TransitionRule } from './transitions.js';
import { announceCertification } from '../events/announce.js';

export type CertificationEventRow = typeof certificationEvents.$inferSelect;

/** The fields of a support-level change request; `certifyInputSchema` adds the cross-field rule. */
export const certifyInputFields = z.object({
  connectorSlug: slugSchema.nullish(),
  connectorId: z.number().int().positive().nullish(),
  reason: z.string().trim().min(10, { message: 'must be at least 10 characters' }).max(2000, { message: 'must be at most 2000 characters' }),
  evidence: z.string().trim().max(2000, { message: 'must be at most 2000 characters' }).nullish(),
  expectedRevision: z.number().int().min(1, { message: 'must be 1 or more' }).nullish(),
  dryRun: z.boolean().nullish(),
});

export function exactlyOneConnector(input: { connectorSlug?: string | null; connectorId?: unknown }, ctx: z.RefinementCtx): void {
  const given = [input.connectorSlug, input.connectorId].filter((v) => v != null).length;
  if (given !== 1) {
    ctx.addIssue({ code: 'custom', path: ['connectorSlug'], message: 'give exactly one of connectorSlug or connectorId' });
  }
}

/** Every transition takes the same input: the connector, a reason (required), evidence, expectedRevision, dryRun. */
export const certifyInputSchema = certifyInputFields.superRefine(exactlyOneConnector);
export type CertifyInput = z.infer<typeof certifyInputSchema>;
export type SupportLevelChangeInput = CertifyInput;

export interface SupportLevelChangeResult {
  connector: ConnectorRow | null;
  event: CertificationEventRow | null;
  /** The level before and after the change; null when it was refused. */
  fromLevel: SupportLevelKey | null;
  toLevel: SupportLevelKey | null;
  /** Deployments where the connector is available and an official SLA becomes available with this change. */
  newSlaDeployments: DeploymentKey[];
  /** Deployments where the connector is available and its official SLA ends with this change. */
  endedSlaDeployments: DeploymentKey[];
  dryRun: boolean;
  userErrors: UserError[];
}
export type CertifyResult = SupportLevelChangeResult;

export function refusedChange(connector: ConnectorRow | null, dryRun: boolean, error: UserError): SupportLevelChangeResult {
  return { connector, event: null, fromLevel: null, toLevel: null, newSlaDeployments: [], endedSlaDeployments: [], dryRun, userErrors: [error] };
}

/** The level a connector had before its latest archiving, from its audit log; null if none is recorded. */
async function levelBeforeArchiving(db: Db, connectorId: number): Promise<SupportLevelKey | null> {
  const [row] = await db
    .select({ fromLevel: certificationEvents.fromLevel })
    .from(certificationEvents)
    .where(and(eq(certificationEvents.connectorId, connectorId), eq(certificationEvents.toLevel, 'archived')))
    .orderBy(desc(certificationEvents.id))
    .limit(1);
  return row && row.fromLevel !== 'archived' ? row.fromLevel : null;
}

/** Where `rule` takes `connector`, or the INVALID_TRANSITION userError naming the rule it breaks. */
async function target(db: Db, rule: TransitionRule, connector: ConnectorRow, field: string[]): Promise<SupportLevelKey | UserError> {
  const level = connector.supportLevel;
  if (!rule.from.includes(level)) {
    const why =
      rule.to === level
        ? `${connector.slug} is already ${level}.`
        : `${connector.slug} is ${level}; only ${rule.from.join(', ')} connectors can be ${rule.verb}.`;
    return userError('INVALID_TRANSITION', field, why);
  }
  if (rule.to !== 'level_before_archiving') return rule.to;
  return (
    (await levelBeforeArchiving(db, connector.id)) ??
    userError('INVALID_TRANSITION', field, `${connector.slug} was archived with no recorded level before it, so there is no level to return it to.`)
  );
}

/** The deployments where the connector is enabled and `from` → `to` starts (gained) or ends (lost) an official SLA. */
async function slaChanges(db: Db, catalog: PolicyCatalog, connectorId: number, from: SupportLevelKey, to: SupportLevelKey) {
  const rows = await db
    .select({ deployment: connectorAvailability.deployment })
    .from(connectorAvailability)
    .where(and(eq(connectorAvailability.connectorId, connectorId), eq(connectorAvailability.enabled, true)));
  const enabled = new Set(rows.map((r) => r.deployment));
  const on = catalog.deployments.map((d) => d.key).filter((d) => enabled.has(d));
  return {
    newSlaDeployments: on.filter((d) => catalog.offersSla(to, d) && !catalog.offersSla(from, d)),
    endedSlaDeployments: on.filter((d) => catalog.offersSla(from, d) && !catalog.offersSla(to, d)),
  };
}

/**
 * The connector row, locked until the transaction ends, so the checks made on it still hold when the
 * change is written. PostgreSQL (READ COMMITTED) waits here for another gateway's change of the same
 * connector and then reads the row as that change left it; on SQLite BEGIN IMMEDIATE already serializes
 * writers, so the row read is current.
 */
export async function lockedConnector(tx: Db, connector: ConnectorRow): Promise<ConnectorRow | undefined> {
  if (tx.$engine !== 'postgres') return connector;
  const pg = tx as unknown as PgAsyncDatabase<PgQueryResultHKT>;
  const rows = await pg
    .select()
    .from(connectors as never)
    .where(eq(connectors.id, connector.id))
    .for('update');
  return rows[0] as ConnectorRow | undefined;
}

/** Makes the transition `mutation` names (or, with dryRun, reports what it would do). */
export async function changeSupportLevel(
  db: Db,
  catalog: PolicyCatalog,
  mutation: TransitionMutation,
  input: SupportLevelChangeInput,
  actor: string,
  visibility: Visibility,
): Promise<SupportLevelChangeResult> {
  const dryRun = input.dryRun ?? false;
  const rule = SUPPORT_LEVEL_TRANSITIONS[mutation];
  return transaction(db, async (tx) => {
    const found = await resolveConnectorRef(tx, input, visibility);
    if ('error' in found) return refusedChange(null, dryRun, found.error);
    const { field } = found;
    const connector = await lockedConnector(tx, found.connector);
    if (!connector) return refusedChange(null, dryRun, userError('NOT_FOUND', field, `${found.connector.slug} was removed meanwhile.`));
    const to = await target(tx, rule, connector, field);
    if (typeof to !== 'string') return refusedChange(connector, dryRun, to);
    if (input.expectedRevision != null && input.expectedRevision !== connector.revision) {
      const why = `${connector.slug} is at revision ${connector.revision}, not ${input.expectedRevision}: it changed since you read it.`;
      return refusedChange(connector, dryRun, userError('STALE_REVISION', ['input', 'expectedRevision'], why));
    }
    const from = connector.supportLevel;
    const changes = { fromLevel: from, toLevel: to, ...(await slaChanges(tx, catalog, connector.id, from, to)), dryRun, userErrors: [] };
    if (dryRun) return { connector, event: null, ...changes };
    const updated = await touchConnector(tx, connector.id, { supportLevel: to });
    const [event] = await tx
      .insert(certificationEvents)
      .values({ connectorId: connector.id, fromLevel: from, toLevel: to, actor, reason: input.reason, evidence: input.evidence ?? null, source: 'mutation' })
      .returning();
    await announceCertification(tx, event!, updated ?? connector);
    return { connector: updated, event: event!, ...changes };
  });
}

/** Certifies a community connector (changeSupportLevel's certifyConnector transition). */
export async function certifyConnector(db: Db, catalog: PolicyCatalog, input: CertifyInput, actor: string, visibility: Visibility): Promise<CertifyResult> {
  return changeSupportLevel(db, catalog, 'certifyConnector', input, actor, visibility);
}
