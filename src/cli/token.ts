// npm run token:create -- --name NAME --scopes certify[,publish] [--organization ORG] [--expires-in 90d|never]
//   [--budget N [--restore-rate N]]
// npm run token:list
// npm run token:rotate -- --name NAME [--grace 24h] [--expires-in 90d|never]
// npm run token:revoke -- --name NAME
// Each change is written to the audit log with the user running the command as its actor.
import { closeDatabase } from '../db/client.js';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { setTokenBudget, tokenBudgetSchema } from '../domain/tokens/budget.js';
import { AUDIT_ACTIONS, recordAudit } from '../domain/audit/store.js';
import {
  createToken,
  DEFAULT_ROTATION_GRACE,
  DEFAULT_TOKEN_LIFETIME,
  DurationError,
  listTokens,
  parseDuration,
  revokeToken,
  rotateToken,
  TOKEN_SCOPES,
  tokenCreateSchema,
  type TokenRow,
} from '../domain/tokens/tokens.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { transaction } from '../db/transaction.js';
import { cliActor, openConfiguredDatabase, runCli } from './open.js';

function scopeList(value: string): string[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new InvalidArgumentError(`unknown scope ${unknown.join(', ')}; known: ${TOKEN_SCOPES.join(', ')}`);
  return scopes;
}

/** --budget and --restore-rate, checked before anything is written; null when not given. */
function budgetOption(opts: { budget?: string; restoreRate?: string }) {
  if (opts.budget === undefined) {
    if (opts.restoreRate !== undefined) throw new Error('--restore-rate needs --budget');
    return null;
  }
  const parsed = tokenBudgetSchema.safeParse({ budget: opts.budget, restoreRate: opts.restoreRate });
  if (!parsed.success) {
    const option = (path: PropertyKey[]) => (path[0] === 'restoreRate' ? '--restore-rate' : '--budget');
    throw new Error(parsed.error.issues.map((i) => `${option(i.path)}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/**
 * commander's parser for a duration option: the rule's message, without commander's own prefix.
 * `never` stays a word: commander replaces a parser's null with ''.
 */
const duration = (option: string, kind: 'lifetime' | 'grace') => (value: string) => {
  try {
    return parseDuration(value, option, kind) ?? NEVER;
  } catch (error) {
    if (error instanceof DurationError) throw new InvalidArgumentError(error.message.slice(option.length + 2));
    throw error;
  }
};

const NEVER = 'never';
type Lifetime = number | typeof NEVER;
const lifetimeMs = (value: Lifetime | undefined) => (value === NEVER ? null : value);

const expiresIn = ['--expires-in <duration>', `how long the token works, e.g. 90d, 12h (ms syntax), or never (default ${DEFAULT_TOKEN_LIFETIME})`] as const;

/** A change that did not happen is audited too, outside the change's transaction (which wrote nothing). */
async function auditFailure(db: Db, action: string, name: string, code: string): Promise<void> {
  await recordAudit(db, { actor: cliActor(), action, target: name, outcome: 'failed', code });
}

const program = new Command('token').description('Manage API tokens. Tokens are shown once and stored only as SHA-256 hashes.');

program
  .command('create')
  .description('Create a token and print it on the last line of output.')
  .requiredOption('--name <name>', 'a unique name; it is recorded as the actor of every change the token makes')
  .requiredOption('--scopes <scopes>', `comma-separated scopes: ${TOKEN_SCOPES.join(', ')}`, scopeList)
  .option('--organization <org>', 'the organization the token belongs to')
  .option(...expiresIn, duration('--expires-in', 'lifetime'))
  .option('--budget <points>', "the token's own cost budget (points it may hold); the server's COST_BUDGET otherwise")
  .option('--restore-rate <points>', 'points its budget restores per second (with --budget); COST_RESTORE_RATE otherwise')
  .action((opts: { name: string; scopes: string[]; organization?: string; expiresIn?: Lifetime; budget?: string; restoreRate?: string }) =>
    runCli(async () => {
      const input = tokenCreateSchema.safeParse({ ...opts, expiresInMs: lifetimeMs(opts.expiresIn) });
      if (!input.success) throw new Error(z.prettifyError(input.error).replace(/\n/g, '; '));
      const budget = budgetOption(opts);
      const db = await openConfiguredDatabase();
      try {
        const { token, row } = await transaction(db, async (tx) => {
          const created = await createToken(tx, input.data, { actor: cliActor() });
          if (budget) await setTokenBudget(tx, created.row.name, budget);
          return created;
        });
        process.stdout.write(`Created token "${row.name}" with scopes ${row.scopes.join(', ')}, ${expiryWords(row)}. It is shown only this once:\n`);
        process.stdout.write(`${token}\n`);
      } catch (error) {
        if (isUniqueViolation(error, 'api_tokens.name')) {
          await auditFailure(db, AUDIT_ACTIONS.tokenCreate, opts.name, 'CONFLICT');
          throw new Error(`a token named "${opts.name}" already exists`);
        }
        throw error;
      } finally {
        await closeDatabase(db);
      }
    }),
  );

function expiryWords(t: TokenRow): string {
  return t.expiresAt ? `expires ${t.expiresAt}` : 'never expires';
}

function stateOf(t: TokenRow, now: string): string {
  if (t.revokedAt) return `revoked ${t.revokedAt}`;
  if (t.expiresAt && t.expiresAt <= now) return `expired ${t.expiresAt}`;
  const previous = t.previousExpiresAt && t.previousExpiresAt > now ? ` (the token it replaced works until ${t.previousExpiresAt})` : '';
  return `active, ${expiryWords(t)}${previous}`;
}

program
  .command('list')
  .description('List tokens (never their values), with when each expires.')
  .action(() =>
    runCli(async () => {
      const db = await openConfiguredDatabase();
      try {
        const rows = await listTokens(db);
        const now = new Date().toISOString();
        if (!rows.length) process.stdout.write('No tokens.\n');
        for (const t of rows) {
          process.stdout.write(
            `${t.name}\t${t.scopes.join(',')}\t${t.organization ?? '-'}\t${stateOf(t, now)}\tcreated ${t.createdAt}\tlast used ${t.lastUsedAt ?? 'never'}\n`,
          );
        }
      } finally {
        await closeDatabase(db);
      }
    }),
  );

program
  .command('rotate')
  .description('Issue a new token for the same name, scopes and organization; the old one works on for the grace period.')
  .requiredOption('--name <name>', 'the token name')
  .option('--grace <duration>', `how long the old token keeps working, 0s to 30d (default ${DEFAULT_ROTATION_GRACE})`, duration('--grace', 'grace'))
  .option(...expiresIn, duration('--expires-in', 'lifetime'))
  .action((opts: { name: string; grace?: number; expiresIn?: Lifetime }) =>
    runCli(async () => {
      const db = await openConfiguredDatabase();
      try {
        const graceMs = opts.grace ?? parseDuration(DEFAULT_ROTATION_GRACE, '--grace', 'grace')!;
        const rotated = await rotateToken(db, opts.name, { graceMs, expiresInMs: lifetimeMs(opts.expiresIn) }, { actor: cliActor() });
        if (!rotated) {
          await auditFailure(db, AUDIT_ACTIONS.tokenRotate, opts.name, 'NOT_FOUND');
          throw new Error(`no active token is named "${opts.name}"`);
        }
        const { token, row } = rotated;
        process.stdout.write(
          `Rotated token "${row.name}": the old one works until ${row.previousExpiresAt}; the new one ${expiryWords(row)}. It is shown only this once:\n`,
        );
        process.stdout.write(`${token}\n`);
      } finally {
        await closeDatabase(db);
      }
    }),
  );

program
  .command('revoke')
  .description('Revoke a token by name; it (and a token it replaced) stops working at once.')
  .requiredOption('--name <name>', 'the token name')
  .action((opts: { name: string }) =>
    runCli(async () => {
      const db = await openConfiguredDatabase();
      try {
        if (!(await revokeToken(db, opts.name, { actor: cliActor() }))) {
          await auditFailure(db, AUDIT_ACTIONS.tokenRevoke, opts.name, 'NOT_FOUND');
          throw new Error(`no active token is named "${opts.name}"`);
        }
        process.stdout.write(`Revoked token "${opts.name}".\n`);
      } finally {
        await closeDatabase(db);
      }
    }),
  );

await program.parseAsync();
