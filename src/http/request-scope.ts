// Each request's id, metrics and access-log line, whichever path answers it. The id follows the
// request through yoga's hooks (AsyncLocalStorage), so a masked error can name it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { routeOf, type Metrics } from './metrics.js';

export type LogLine = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; message: string };
export type Log = (line: LogLine) => void;

export interface RequestScope {
  requestId: string;
  started: number;
  method: string;
  path: string;
}

const LEVELS = { info: 0, warn: 1, error: 2 } as const;

/** The request id a client sent, when it is a sensible one; a new one otherwise. */
export function requestIdFor(given: string | null | undefined): string {
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

/** A log that drops lines below `level`; JSON lines on standard output by default. */
export function createLog(level: keyof typeof LEVELS = 'info', write?: Log): Log & { verbose: boolean } {
  const min = LEVELS[level];
  const out = write ?? ((line: LogLine) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`));
  return Object.assign(
    (line: LogLine) => {
      if (LEVELS[line.level] >= min) out(line);
    },
    { verbose: min <= LEVELS.info },
  );
}

export function createRequestScope(metrics: Metrics, log: ReturnType<typeof createLog>) {
  const storage = new AsyncLocalStorage<RequestScope>();

  /** Metrics and the access-log line for a finished request. */
  const finish = (scope: RequestScope, status: number, cached: string | null) => {
    const route = routeOf(scope.path);
    const ms = performance.now() - scope.started;
    metrics.requests.inc({ route, status: String(status) });
    metrics.latency.observe({ route }, ms / 1000);
    if (!log.verbose && status < 500) return;
    log({
      level: status >= 500 ? 'error' : 'info',
      message: 'request',
      requestId: scope.requestId,
      method: scope.method,
      path: scope.path,
      status,
      ms: Math.round(ms * 100) / 100,
      ...(cached ? { cache: cached } : {}),
    });
  };

  /** Opens the scope of every request yoga serves, and closes it with its metrics and log line. */
  const plugin: Plugin = {
    onRequest({ request, url }) {
      storage.enterWith({
        requestId: requestIdFor(request.headers.get('x-request-id')),
        started: performance.now(),
        method: request.method,
        path: url.pathname,
      });
    },
    onResultProcess({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        const errors = (one as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors;
        for (const error of errors ?? []) metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
      }
    },
    onResponse({ response }) {
      const scope = storage.getStore();
      if (!scope) return;
      response.headers.set('x-request-id', scope.requestId);
      finish(scope, response.status, response.headers.get('x-cache'));
    },
  };

  return { plugin, finish, requestId: () => storage.getStore()?.requestId };
}
