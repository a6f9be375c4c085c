// Prometheus metrics: one registry per app, so tests (and several apps in one process) stay apart.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'registry_http_requests_total',
    help: 'HTTP requests, by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'registry_http_request_duration_seconds',
    help: 'Time from request to response, by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'registry_graphql_errors_total',
    help: 'GraphQL errors returned, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly certifications = new Counter({
    name: 'registry_certifications_total',
    help: 'Connectors certified through the API (dry runs and refusals not counted).',
    registers: [this.registry],
  });
  readonly cache = new Counter({
    name: 'registry_response_cache_total',
    help: 'Response cache lookups, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly fastPath = new Counter({
    name: 'registry_fast_path_total',
    help: 'JSON POSTs to /graphql by how they were answered: cache_hit and executed skip the full pipeline, passed_on went to it.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** A low-cardinality name for a request path. */
export function routeOf(pathname: string): string {
  if (pathname === '/graphql' || pathname === '/health' || pathname === '/metrics' || pathname === '/live') return pathname;
  if (pathname.startsWith('/registries/')) return '/registries';
  return 'other';
}
