// In-process events for live updates. Each carries the owning organization of its connector, so a
// subscriber only hears about connectors it may see.
import { createPubSub } from 'graphql-yoga';
import type { CertificationEventRow } from './domain/certification/certify.js';
import type { BreakingChangeRow } from './domain/lifecycle/breaking-changes.js';

export type LiveEvents = {
  certification: [{ event: CertificationEventRow; organization: string | null }];
  breakingChange: [{ breakingChange: BreakingChangeRow; organization: string | null }];
};

export type EventBus = ReturnType<typeof createPubSub<LiveEvents>>;

export function createEventBus(): EventBus {
  return createPubSub<LiveEvents>();
}
