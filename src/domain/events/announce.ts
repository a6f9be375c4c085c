// What a change tells the world, written in the change's own transaction: an outbox row every gateway's
// subscribers hear (src/db/feed.ts) and a delivery row per webhook that asked for it (dispatcher.ts).
// A change rolled back announces nothing; an idempotent replay announces nothing again.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appendOutbox } from '../../db/outbox.js';
import { certificationEvents, connectors } from '../../db/schema.js';
import type { CertificationEventRow } from '../certification/certify.js';
import type { ConnectorRow } from '../connectors/store.js';
import type { BreakingChangeRow } from '../lifecycle/breaking-changes.js';
import { enqueueDeliveries } from '../webhooks/webhooks.js';

/** The live events, by outbox topic: what a subscriber receives. */
export type LiveEvents = {
  certification: [{ event: CertificationEventRow; organization: string | null }];
  breakingChange: [{ breakingChange: BreakingChangeRow; organization: string | null }];
};
export const LIVE_TOPICS: readonly (keyof LiveEvents)[] = ['certification', 'breakingChange'];

const summary = (c: ConnectorRow) => ({ slug: c.slug, name: c.name, type: c.type, supportLevel: c.supportLevel });

/** A support-level change (certify, decertify, archive, unarchive) of `connector` as it now is. */
export async function announceCertification(tx: Db, event: CertificationEventRow, connector: ConnectorRow): Promise<void> {
  const organization = connector.organization;
  const deliveries = await enqueueDeliveries(tx, 'certification', {
    connector: summary(connector),
    fromLevel: event.fromLevel,
    toLevel: event.toLevel,
    actor: event.actor,
    reason: event.reason,
    evidence: event.evidence,
    createdAt: event.createdAt,
  });
  await appendOutbox(tx, [{ topic: 'certification', payload: { event, organization }, organization }, ...deliveriesRow(deliveries)]);
}

/** A breaking change announced for `connector`. */
export async function announceBreakingChange(tx: Db, breakingChange: BreakingChangeRow, connector: ConnectorRow): Promise<void> {
  const organization = connector.organization;
  const deliveries = await enqueueDeliveries(tx, 'breaking_change', {
    connector: summary(connector),
    version: breakingChange.version,
    upgradeDeadline: breakingChange.upgradeDeadline,
    message: breakingChange.message,
    deadlineAction: breakingChange.deadlineAction,
    migrationDocumentationUrl: breakingChange.migrationDocumentationUrl,
    scopedImpact: breakingChange.scopedImpact,
  });
  await appendOutbox(tx, [{ topic: 'breakingChange', payload: { breakingChange, organization }, organization }, ...deliveriesRow(deliveries)]);
}

/** The outbox topic that wakes every gateway's webhook dispatcher: deliveries were recorded. */
export const DELIVERIES_TOPIC = 'deliveries';

const deliveriesRow = (count: number) => (count > 0 ? [{ topic: DELIVERIES_TOPIC, payload: { count } }] : []);

/** Outbox rows one statement appends at most (well inside either engine's limit on bound values). */
const OUTBOX_BATCH = 1000;

/**
 * The support levels a registry import changed, for subscribers (webhooks announce API changes only). The
 * import runs in one transaction, so they are announced in it too, and heard on commit: by this server
 * and every other gateway, or by a running server when the CLI imports into its SQLite file.
 */
export async function announceImportedLevels(tx: Db, importId: number): Promise<number> {
  const rows = await tx
    .select({ event: certificationEvents, organization: connectors.organization })
    .from(certificationEvents)
    .innerJoin(connectors, eq(connectors.id, certificationEvents.connectorId))
    .where(eq(certificationEvents.importId, importId))
    .orderBy(asc(certificationEvents.id));
  for (let i = 0; i < rows.length; i += OUTBOX_BATCH) {
    const batch = rows.slice(i, i + OUTBOX_BATCH);
    await appendOutbox(
      tx,
      batch.map(({ event, organization }) => ({ topic: 'certification', payload: { event, organization }, organization })),
    );
  }
  return rows.length;
}
