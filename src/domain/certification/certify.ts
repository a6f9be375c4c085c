// Certification: the one support-level change a script may make (community → certified), with its
// audit event, in one IMMEDIATE transaction.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { certificationEvents, connectorAvailability, type DeploymentKey, type SupportLevelKey } from '../../db/schema.js';
import { resolveConnectorRef, touchConnector, type ConnectorRow } from '../connectors/store.js';
import { slugSchema } from '../connectors/input.js';
import type { Visibility } from '../connectors/visibility.js';
import { userError, type UserError } from '../errors.js';
import type { PolicyCatalog } from '../support/policy.js';

export type CertificationEventRow = typeof certificationEvents.$inferSelect;

/** The transitions a certification may make. Everything else is an INVALID_TRANSITION. */
export const ALLOWED_TRANSITIONS: readonly { from: SupportLevelKey; to: SupportLevelKey }[] = [{ from: 'community', to: 'certified' }];

/** The fields of a certification request; `certifyInputSchema` adds the cross-field rule. */
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

export const certifyInputSchema = certifyInputFields.superRefine(exactlyOneConnector);
export type CertifyInput = z.infer<typeof certifyInputSchema>;

export interface CertifyResult {
  connector: ConnectorRow | null;
  event: CertificationEventRow | null;
  /** The deployments where the connector is available and an official SLA becomes available with this change. */
  newSlaDeployments: DeploymentKey[];
  dryRun: boolean;
  userErrors: UserError[];
}

function failure(connector: ConnectorRow | null, dryRun: boolean, error: UserError): CertifyResult {
  return { connector, event: null, newSlaDeployments: [], dryRun, userErrors: [error] };
}

export function certifyConnector(db: Db, catalog: PolicyCatalog, input: CertifyInput, actor: string, visibility: Visibility): CertifyResult {
  const dryRun = input.dryRun ?? false;
  return db.transaction(
    (tx) => {
      const found = resolveConnectorRef(tx as unknown as Db, input, visibility);
      if ('error' in found) return failure(null, dryRun, found.error);
      const { connector, field: connectorField } = found;
      const to: SupportLevelKey = 'certified';
      const allowed = ALLOWED_TRANSITIONS.some((t) => t.from === connector.supportLevel && t.to === to);
      if (!allowed) {
        const why =
          connector.supportLevel === to
            ? `${connector.slug} is already certified.`
            : `${connector.slug} is ${connector.supportLevel}; only community connectors can be certified.`;
        return failure(connector, dryRun, userError('INVALID_TRANSITION', connectorField, why));
      }
      if (input.expectedRevision != null && input.expectedRevision !== connector.revision) {
        return failure(
          connector,
          dryRun,
          userError(
            'STALE_REVISION',
            ['input', 'expectedRevision'],
            `${connector.slug} is at revision ${connector.revision}, not ${input.expectedRevision}: it changed since you read it.`,
          ),
        );
      }
      const availableOn = new Set(
        tx
          .select({ deployment: connectorAvailability.deployment })
          .from(connectorAvailability)
          .where(and(eq(connectorAvailability.connectorId, connector.id), eq(connectorAvailability.enabled, true)))
          .all()
          .map((r) => r.deployment),
      );
      const newSlaDeployments = catalog.deployments
        .map((d) => d.key)
        .filter((d) => availableOn.has(d) && catalog.offersSla(to, d) && !catalog.offersSla(connector.supportLevel, d));
      if (dryRun) {
        return { connector, event: null, newSlaDeployments, dryRun, userErrors: [] };
      }
      const updated = touchConnector(tx as unknown as Db, connector.id, { supportLevel: to });
      const event = tx
        .insert(certificationEvents)
        .values({
          connectorId: connector.id,
          fromLevel: connector.supportLevel,
          toLevel: to,
          actor,
          reason: input.reason,
          evidence: input.evidence ?? null,
          source: 'mutation',
        })
        .returning()
        .get();
      return { connector: updated, event, newSlaDeployments, dryRun, userErrors: [] };
    },
    { behavior: 'immediate' },
  );
}
