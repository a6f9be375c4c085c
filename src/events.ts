// Live events for subscriptions. Writers announce in their own transaction (src/domain/events/announce.ts);
// every gateway's outbox feed hands the rows here, so a change made on any gateway, or by the CLI beside
// a SQLite server, reaches this gateway's subscribers. Each event carries the owning organization of its
// connector, so a subscriber only hears about connectors it may see.
import { createPubSub } from 'graphql-yoga';
import type { OutboxRow } from './db/outbox.js';
import { LIVE_TOPICS, type LiveEvents } from './domain/events/announce.js';

export type { LiveEvents } from './domain/events/announce.js';

export type EventBus = ReturnType<typeof createPubSub<LiveEvents>>;

export function createEventBus(): EventBus {
  return createPubSub<LiveEvents>();
}

/** Publishes the live events among outbox rows, in their order. */
export function publishOutboxRows(events: EventBus, rows: readonly OutboxRow[]): void {
  for (const row of rows) {
    const topic = row.topic as keyof LiveEvents;
    if (LIVE_TOPICS.includes(topic)) events.publish(topic, row.payload as never);
  }
}
