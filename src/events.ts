// In-process events for live updates. Each carries the owning organization of its connector, so a
// subscriber only hears about connectors it may see.
import { createPubSub } from 'graphql-yoga';
import type { Db } from './db/client.js';
import { findConnectorById } from './domain/connectors/store.js';
import type { CertificationEventRow } from './domain/certification/certify.js';
import type { BreakingChangeRow } from './domain/lifecycle/breaking-changes.js';
import { WebhookDispatcher } from './domain/webhooks/webhooks.js';
import type { WebhookEventKey } from './db/schema.js';

export type LiveEvents = {
  certification: [{ event: CertificationEventRow; organization: string | null }];
  breakingChange: [{ breakingChange: BreakingChangeRow; organization: string | null }];
};

export type EventBus = ReturnType<typeof createPubSub<LiveEvents>>;

export function createEventBus(): EventBus {
  return createPubSub<LiveEvents>();
}

async function connectorSummary(db: Db, id: number) {
  const c = await findConnectorById(db, id);
  return c ? { slug: c.slug, name: c.name, type: c.type, supportLevel: c.supportLevel } : null;
}

/** The webhook body for a certification event. */
export async function certificationPayload(db: Db, e: CertificationEventRow) {
  return {
    connector: await connectorSummary(db, e.connectorId),
    fromLevel: e.fromLevel,
    toLevel: e.toLevel,
    actor: e.actor,
    reason: e.reason,
    evidence: e.evidence,
    createdAt: e.createdAt,
  };
}

/** The webhook body for an announced breaking change. */
export async function breakingChangePayload(db: Db, b: BreakingChangeRow) {
  return {
    connector: await connectorSummary(db, b.connectorId),
    version: b.version,
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    deadlineAction: b.deadlineAction,
    migrationDocumentationUrl: b.migrationDocumentationUrl,
    scopedImpact: b.scopedImpact,
  };
}

/**
 * Turns every event published on `events` into deliveries to the webhooks that asked for it. Events are
 * handled one at a time, in the order published, so their deliveries are recorded in that order too.
 */
export function deliverEventsTo(db: Db, events: EventBus, options: ConstructorParameters<typeof WebhookDispatcher>[1]): void {
  const dispatcher = new WebhookDispatcher(db, options);
  // A delivery that cannot be recorded (the database unreachable) is logged; the next event is still handled.
  const enqueue = async (event: WebhookEventKey, payload: () => Promise<unknown>) => {
    try {
      await dispatcher.enqueue(event, await payload());
    } catch (error) {
      options.log({ level: 'error', message: 'webhook deliveries not recorded', event, error: String(error) });
    }
  };
  void (async () => {
    for await (const e of events.subscribe('certification')) await enqueue('certification', () => certificationPayload(db, e.event));
  })();
  void (async () => {
    for await (const e of events.subscribe('breakingChange')) await enqueue('breaking_change', () => breakingChangePayload(db, e.breakingChange));
  })();
  dispatcher.resume();
}
