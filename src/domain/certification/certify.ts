// Support-level changes (certify, decertify, archive, unarchive): one function for every transition of
// SUPPORT_LEVEL_TRANSITIONS, each checked and written with its audit event in one IMMEDIATE transaction.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { certificationEvents, connectorAvailability, type DeploymentKey, type SupportLevelKey } from '../../db/schema.js';
import { resolveConnectorRef, touchConnector, type ConnectorRow } from '../connectors/store.js';
import { slugSchema } from '../connectors/input.js';
import type { Visibility } from '../connectors/visibility.js';
import { userError, type UserError } from '../errors.js';
import type { PolicyCatalog } from '../support/policy.js';
import { SUPPORT_LEVEL_TRANSITIONS, type TransitionMutation, type TransitionRule } from './transitions.js';

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
function levelBeforeArchiving(db: Db, connectorId: number): SupportLevelKey | null {
  const row = db
    .select({ fromLevel: certificationEvents.fromLevel })
    .from(certificationEvents)
    .where(and(eq(certificationEvents.connectorId, connectorId), eq(certificationEvents.toLevel, 'archived')))
    .orderBy(desc(certificationEvents.id))
    .limit(1)
    .get();
  return row && row.fromLevel !== 'archived' ? row.fromLevel : null;
}

/** Where `rule` takes `connector`, or the INVALID_TRANSITION userError naming the rule it breaks. */
function target(db: Db, rule: TransitionRule, connector: ConnectorRow, field: string[]): SupportLevelKey | UserError {
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
    levelBeforeArchiving(db, connector.id) ??
    userError('INVALID_TRANSITION', field, `${connector.slug} was archived with no recorded level before it, so there is no level to return it to.`)
  );
}

/** The deployments where the connector is enabled and `from` → `to` starts (gained) or ends (lost) an official SLA. */
function slaChanges(db: Db, catalog: PolicyCatalog, connectorId: number, from: SupportLevelKey, to: SupportLevelKey) {
  const enabled = new Set(
    db
      .select({ deployment: connectorAvailability.deployment })
      .from(connectorAvailability)
      .where(and(eq(connectorAvailability.connectorId, connectorId), eq(connectorAvailability.enabled, true)))
      .all()
      .map((r) => r.deployment),
  );
  const on = catalog.deployments.map((d) => d.key).filter((d) => enabled.has(d));
  return {
    newSlaDeployments: on.filter((d) => catalog.offersSla(to, d) && !catalog.offersSla(from, d)),
    endedSlaDeployments: on.filter((d) => catalog.offersSla(from, d) && !catalog.offersSla(to, d)),
  };
}

/** Makes the transition `mutation` names (or, with dryRun, reports what it would do). */
export function changeSupportLevel(
  db: Db,
  catalog: PolicyCatalog,
  mutation: TransitionMutation,
  input: SupportLevelChangeInput,
  actor: string,
  visibility: Visibility,
): SupportLevelChangeResult {
  const dryRun = input.dryRun ?? false;
  const rule = SUPPORT_LEVEL_TRANSITIONS[mutation];
  return db.transaction(
    (transaction) => {
      const tx = transaction as unknown as Db;
      const found = resolveConnectorRef(tx, input, visibility);
      if ('error' in found) return refusedChange(null, dryRun, found.error);
      const { connector, field } = found;
      const to = target(tx, rule, connector, field);
      if (typeof to !== 'string') return refusedChange(connector, dryRun, to);
      if (input.expectedRevision != null && input.expectedRevision !== connector.revision) {
        const why = `${connector.slug} is at revision ${connector.revision}, not ${input.expectedRevision}: it changed since you read it.`;
        return refusedChange(connector, dryRun, userError('STALE_REVISION', ['input', 'expectedRevision'], why));
      }
      const from = connector.supportLevel;
      const changes = { fromLevel: from, toLevel: to, ...slaChanges(tx, catalog, connector.id, from, to), dryRun, userErrors: [] };
      if (dryRun) return { connector, event: null, ...changes };
      const updated = touchConnector(tx, connector.id, { supportLevel: to });
      const event = tx
        .insert(certificationEvents)
        .values({ connectorId: connector.id, fromLevel: from, toLevel: to, actor, reason: input.reason, evidence: input.evidence ?? null, source: 'mutation' })
        .returning()
        .get();
      return { connector: updated, event, ...changes };
    },
    { behavior: 'immediate' },
  );
}

/** Certifies a community connector (changeSupportLevel's certifyConnector transition). */
export function certifyConnector(db: Db, catalog: PolicyCatalog, input: CertifyInput, actor: string, visibility: Visibility): CertifyResult {
  return changeSupportLevel(db, catalog, 'certifyConnector', input, actor, visibility);
}
