// In-process events for live updates. Each carries the owning organization of its connector, so a
// subscriber only hears about connectors it may see.
import { createPubSub } from 'graphql-yoga';
import type { Db } from './db/client.js';
import { findConnectorById } from './domain/connectors/store.js';
import type { CertificationEventRow } from './domain/certification/certify.js';
import type { BreakingChangeRow } from './domain/lifecycle/breaking-changes.js';
import { WebhookDispatcher } from './domain/webhooks/webhooks.js';

export type LiveEvents = {
  certification: [{ event: CertificationEventRow; organization: string | null }];
  breakingChange: [{ breakingChange: BreakingChangeRow; organization: string | null }];
};

export type EventBus = ReturnType<typeof createPubSub<LiveEvents>>;

export function createEventBus(): EventBus {
  return createPubSub<LiveEvents>();
}

function connectorSummary(db: Db, id: number) {
  const c = findConnectorById(db, id);
  return c ? { slug: c.slug, name: c.name, type: c.type, supportLevel: c.supportLevel } : null;
}

/** The webhook body for a certification event. */
export function certificationPayload(db: Db, e: CertificationEventRow) {
  return {
    connector: connectorSummary(db, e.connectorId),
    fromLevel: e.fromLevel,
    toLevel: e.toLevel,
    actor: e.actor,
    reason: e.reason,
    evidence: e.evidence,
    createdAt: e.createdAt,
  };
}

/** The webhook body for an announced breaking change. */
export function breakingChangePayload(db: Db, b: BreakingChangeRow) {
  return {
    connector: connectorSummary(db, b.connectorId),
    version: b.version,
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    deadlineAction: b.deadlineAction,
    migrationDocumentationUrl: b.migrationDocumentationUrl,
    scopedImpact: b.scopedImpact,
  };
}

/** Turns every event published on `events` into deliveries to the webhooks that asked for it. */
export function deliverEventsTo(db: Db, events: EventBus, options: ConstructorParameters<typeof WebhookDispatcher>[1]): void {
  const dispatcher = new WebhookDispatcher(db, options);
  void (async () => {
    for await (const e of events.subscribe('certification')) await dispatcher.enqueue('certification', certificationPayload(db, e.event));
  })();
  void (async () => {
    for await (const e of events.subscribe('breakingChange')) await dispatcher.enqueue('breaking_change', breakingChangePayload(db, e.breakingChange));
  })();
  void dispatcher.resume();
}
