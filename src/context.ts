import type { Db } from './db/client.js';
import type { EventBus } from './events.js';
import type { PolicyCatalog } from './domain/support/policy.js';
import type { TokenRow } from './domain/tokens/tokens.js';
import type { Visibility } from './domain/connectors/visibility.js';
import type { WebhookSettings } from './domain/webhooks/webhooks.js';

/** Per-request context: the database, the policy catalog, and who is calling. */
export interface Context {
  db: Db;
  catalog: PolicyCatalog;
  /** The live token the request presented, or null for an anonymous caller. */
  viewer: TokenRow | null;
  /** Which connectors this caller may see (custom connectors are private to their organization). */
  visibility: Visibility;
  requestId: string;
  /** The caller's address: the socket's peer, or what a trusted proxy forwarded (TRUSTED_PROXIES); null when unknown. */
  clientAddress: string | null;
  /** The clock; tests set it to check deadlines. */
  now: () => Date;
  /** The counters a resolver moves (the Prometheus metrics satisfy this). */
  metrics: { certifications: { inc(): void } };
  events: EventBus;
  /** The key that seals webhook secrets and the policy for where webhooks may point. */
  webhooks: WebhookSettings;
}

export function hasScope(ctx: Context, scope: string): boolean {
  return !!ctx.viewer && (ctx.viewer.scopes.includes(scope) || ctx.viewer.scopes.includes('admin'));
}
