// Every setting comes from the environment, parsed once here with a clear message on bad values.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { databaseUrlProblem, redactUrl } from './db/open.js';
import type { Limits } from './graphql/limits.js';

/** The defaults, shared by the environment schema below and by createApp for callers that pass nothing. */
export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 20,
  maxCost: 10_000,
  maxBodyBytes: 100_000,
  introspection: true,
};
/** Each caller's cost budget: points it may hold and points restored per second (Shopify's model). */
export const DEFAULT_BUDGET = { maximumAvailable: 20_000, restoreRate: 1_000 };
export const DEFAULT_WEBHOOKS = { retryBaseMs: 1000, maxAttempts: 6, timeoutMs: 10_000, allowPrivate: [] as readonly string[] };
export const DEFAULT_RESPONSE_CACHE_ENTRIES = 2000;
/** Seconds a shared cache may keep an anonymous query answer, and serve it stale while it fetches anew. */
export const DEFAULT_HTTP_CACHE = { maxAge: 5, staleWhileRevalidate: 10 };

const bool = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

// What a new database starts with. true and false, the values before demo data was told apart from real
// data, still work: true meant the policy and the curated connectors (demo), false nothing (now none: the
// policy, which is reference data, is written either way).
const seedMode = z
  .enum(['demo', 'none', 'true', 'false', '1', '0'], {
    message: 'must be demo (the support policy and demo connectors) or none (the support policy only: an empty registry)',
  })
  .transform((v): 'demo' | 'none' => (v === 'demo' || v === 'true' || v === '1' ? 'demo' : 'none'));

/** A comma-separated setting as its non-empty entries, trimmed. */
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean),
);

// WEBHOOK_ALLOW_PRIVATE: comma-separated CIDR ranges, addresses and host names webhooks may reach
// although they are not public (src/domain/webhooks/targets.ts applies it).
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const allowList = commaList.superRefine((entries, ctx) => {
  for (const e of entries) {
    if (!ipaddr.isValidCIDR(e) && !ipaddr.isValid(e) && !HOST_NAME.test(e)) {
      ctx.addIssue({ code: 'custom', message: `"${e}" is neither a CIDR range (10.0.0.0/8), an address (127.0.0.1) nor a host name (hooks.internal)` });
    }
  }
});

// SECRETS_KEY: 32 random bytes, base64 or base64url (`openssl rand -base64 32`); seals webhook secrets.
const secretsKey = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v.trim()) && Buffer.from(v.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32, {
    message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
  });

/** Settings whose values never appear in an error message. */
const SECRET_SETTINGS = new Set(['SECRETS_KEY']);
/** Settings that may hold a password: messages show them with it replaced. */
const URL_SETTINGS = new Set(['DATABASE_URL', 'DATABASE_REPLICA_URLS']);

// DATABASE_URL: postgres://… selects PostgreSQL (several gateways on one database); unset, the SQLite file.
const databaseUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .superRefine((v, ctx) => {
      const problem = databaseUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
);

// DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of hot standbys that answer reads (docs/postgresql.md).
const replicaUrls = commaList.superRefine((urls, ctx) => {
  urls.forEach((url, i) => {
    const problem = databaseUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${redactUrl(url)}) ${problem}` });
  });
});

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/registry.db'),
  DATABASE_URL: databaseUrl,
  DATABASE_REPLICA_URLS: replicaUrls.default([]),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  SEED: seedMode.default('demo'),
  DB_SYNCHRONOUS: z.enum(['OFF', 'NORMAL', 'FULL', 'EXTRA']).default('FULL'),
  DB_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  GRAPHIQL: bool.default(true),
  INTROSPECTION: bool.default(DEFAULT_LIMITS.introspection),
  LOG_LEVEL: z.enum(['info', 'warn', 'error']).default('info'),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(DEFAULT_WEBHOOKS.retryBaseMs),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(DEFAULT_WEBHOOKS.maxAttempts),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULT_WEBHOOKS.timeoutMs),
  WEBHOOK_ALLOW_PRIVATE: allowList.default([]),
  // Empty counts as unset, as an env file's `SECRETS_KEY=` line means.
  SECRETS_KEY: z.preprocess((v) => (v === '' ? undefined : v), secretsKey.optional()),
  RESPONSE_CACHE: bool.default(true),
  RESPONSE_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_RESPONSE_CACHE_ENTRIES),
  HTTP_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_HTTP_CACHE.maxAge),
  HTTP_CACHE_SWR: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_HTTP_CACHE.staleWhileRevalidate),
  PERSISTED_ONLY: bool.default(false),
  MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(DEFAULT_LIMITS.maxDepth),
  MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(DEFAULT_LIMITS.maxAliases),
  MAX_TOKENS: z.coerce.number().int().min(10).max(1_000_000).default(DEFAULT_LIMITS.maxTokens),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(DEFAULT_LIMITS.maxDirectives),
  MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(DEFAULT_LIMITS.maxCost),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100_000_000).default(DEFAULT_LIMITS.maxBodyBytes),
  // 0 turns fair use off (no budget, no extensions.cost).
  COST_BUDGET: z.coerce.number().int().min(0).max(1_000_000_000).default(DEFAULT_BUDGET.maximumAvailable),
  COST_RESTORE_RATE: z.coerce.number().int().min(1).max(1_000_000_000).default(DEFAULT_BUDGET.restoreRate),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const entries = v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      const bad = entries.find((e) => !ipaddr.isValid(e) && !ipaddr.isValidCIDR(e));
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be comma-separated IP addresses or CIDR ranges (e.g. 10.0.0.0/8,::1); ${JSON.stringify(bad)} is neither`,
        });
      }
      return entries;
    }),
});

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  /** PostgreSQL's connection string when DATABASE_URL is set (the engine is then PostgreSQL), else null. */
  databaseUrl: string | null;
  /** Hot standbys that answer reads (DATABASE_REPLICA_URLS); empty without. */
  databaseReplicaUrls: string[];
  /** Connections each gateway's PostgreSQL pool may hold (and each standby's pool). */
  databasePoolSize: number;
  /** demo: a new database gets the support policy and the demo connectors; none: the policy only. */
  seed: 'demo' | 'none';
  dbSynchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  dbBusyTimeoutMs: number;
  graphiql: boolean;
  limits: Limits;
  responseCache: { enabled: boolean; maxEntries: number };
  /** Cache-Control for anonymous query answers: max-age and stale-while-revalidate, in seconds. */
  httpCache: { maxAge: number; staleWhileRevalidate: number };
  /** Only persisted operations run (admin tokens may still send a document's text). */
  persistedOperations: { only: boolean };
  logLevel: 'info' | 'warn' | 'error';
  webhooks: { retryBaseMs: number; maxAttempts: number; timeoutMs: number; allowPrivate: string[] };
  /** SECRETS_KEY as given (validated), or null: the server then refuses to start in production and keeps a development key otherwise. */
  secretsKey: string | null;
  /** Fair use, or false when COST_BUDGET is 0. */
  budget: { maximumAvailable: number; restoreRate: number; trustedProxies: string[] } | false;
}

export class ConfigError extends Error {}

/** A URL setting's value with every password replaced (DATABASE_REPLICA_URLS holds several URLs). */
function redactUrls(name: string, value: string): string {
  if (name !== 'DATABASE_REPLICA_URLS') return redactUrl(value);
  return value
    .split(',')
    .map((url) => redactUrl(url.trim()))
    .join(',');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const got = (name: string) =>
      SECRET_SETTINGS.has(name)
        ? `a value of ${env[name]?.length ?? 0} characters`
        : URL_SETTINGS.has(name)
          ? JSON.stringify(redactUrls(name, env[name] ?? ''))
          : JSON.stringify(env[name]);
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${got(String(i.path[0]))})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  if (c.DATABASE_REPLICA_URLS.length > 0 && !c.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_REPLICA_URLS: names standbys of a PostgreSQL primary, so DATABASE_URL must name that primary (it is not set: the gateway would run on SQLite, which has no replicas)',
    );
  }
  return {
    port: c.PORT,
    host: c.HOST,
    databasePath: c.DATABASE_PATH,
    databaseUrl: c.DATABASE_URL ?? null,
    databaseReplicaUrls: c.DATABASE_REPLICA_URLS,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    seed: c.SEED,
    dbSynchronous: c.DB_SYNCHRONOUS,
    dbBusyTimeoutMs: c.DB_BUSY_TIMEOUT_MS,
    graphiql: c.GRAPHIQL,
    logLevel: c.LOG_LEVEL,
    webhooks: {
      retryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: c.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: c.WEBHOOK_TIMEOUT_MS,
      allowPrivate: c.WEBHOOK_ALLOW_PRIVATE,
    },
    secretsKey: c.SECRETS_KEY?.trim() || null,
    responseCache: { enabled: c.RESPONSE_CACHE, maxEntries: c.RESPONSE_CACHE_MAX_ENTRIES },
    budget: c.COST_BUDGET === 0 ? false : { maximumAvailable: c.COST_BUDGET, restoreRate: c.COST_RESTORE_RATE, trustedProxies: c.TRUSTED_PROXIES },
    httpCache: { maxAge: c.HTTP_CACHE_MAX_AGE, staleWhileRevalidate: c.HTTP_CACHE_SWR },
    persistedOperations: { only: c.PERSISTED_ONLY },
    limits: {
      introspection: c.INTROSPECTION,
      maxDepth: c.MAX_DEPTH,
      maxAliases: c.MAX_ALIASES,
      maxTokens: c.MAX_TOKENS,
      maxDirectives: c.MAX_DIRECTIVES,
      maxCost: c.MAX_COST,
      maxBodyBytes: c.MAX_BODY_BYTES,
    },
  };
}
