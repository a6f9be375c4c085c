// Every setting comes from the environment, parsed once here with a clear message on bad values.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/registry.db'),
  SEED: bool.default(true),
  DB_SYNCHRONOUS: z.enum(['OFF', 'NORMAL', 'FULL', 'EXTRA']).default('FULL'),
  DB_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  GRAPHIQL: bool.default(true),
});

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  seed: boolean;
  dbSynchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  dbBusyTimeoutMs: number;
  graphiql: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databasePath: c.DATABASE_PATH,
    seed: c.SEED,
    dbSynchronous: c.DB_SYNCHRONOUS,
    dbBusyTimeoutMs: c.DB_BUSY_TIMEOUT_MS,
    graphiql: c.GRAPHIQL,
  };
}
