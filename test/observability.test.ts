import { describe, expect, it } from 'vitest';
import type { LogLine } from '../src/app.js';
import { closeDatabase } from '../src/db/client.js';
import { createHarness } from './helpers/harness.js';

describe('observability', () => {
  it('logs one JSON line per request with its request id, and counts requests, latency, errors and certifications', async () => {
    const lines: LogLine[] = [];
    const h = await createHarness({ log: (l) => lines.push(l) });
    const token = await h.token('bot', ['certify']);
    await h.gql('{ deployments { key } }');
    await h.gql('{ connectors(first: 0) { totalCount } }');
    await h.gql(
      'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Counted by the metrics test."}) { userErrors { code } } }',
      {},
      token,
    );
    await h.gql(
      'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Counted by the metrics test.", dryRun: true}) { userErrors { code } } }',
      {},
      token,
    );
    const requests = lines.filter((l) => l.message === 'request');
    expect(requests).toHaveLength(4);
    for (const line of requests) {
      expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: expect.any(Number), ms: expect.any(Number) });
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const res = await h.get('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^registry_http_requests_total\{route="\/graphql",status="200"\} 4$/m);
    expect(text).toMatch(/^registry_http_request_duration_seconds_count\{route="\/graphql"\} 4$/m);
    expect(text).toMatch(/^registry_graphql_errors_total\{code="BAD_USER_INPUT"\} 1$/m);
    // The dry run and the refusal-free second call are not certifications.
    expect(text).toMatch(/^registry_certifications_total 1$/m);
  });

  it('reports an unhealthy database on /health with 503', async () => {
    const h = await createHarness();
    expect((await h.get('/health')).status).toBe(200);
    await closeDatabase(h.db);
    const res = await h.get('/health');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', database: false });
  });
});
