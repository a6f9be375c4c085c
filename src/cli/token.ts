// npm run token:create -- --name NAME --scopes certify[,publish] [--organization ORG] [--budget N [--restore-rate N]]
// npm run token:list
// npm run token:revoke -- --name NAME
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { setTokenBudget, tokenBudgetSchema } from '../domain/tokens/budget.js';
import { createToken, listTokens, revokeToken, TOKEN_SCOPES, tokenCreateSchema } from '../domain/tokens/tokens.js';
import { isUniqueViolation } from '../db/errors.js';
import { openConfiguredDatabase, runCli } from './open.js';

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

const program = new Command('token').description('Manage API tokens. Tokens are shown once and stored only as SHA-256 hashes.');

program
  .command('create')
  .description('Create a token and print it on the last line of output.')
  .requiredOption('--name <name>', 'a unique name; it is recorded as the actor of every change the token makes')
  .requiredOption('--scopes <scopes>', `comma-separated scopes: ${TOKEN_SCOPES.join(', ')}`, scopeList)
  .option('--organization <org>', 'the organization the token belongs to')
  .option('--budget <points>', "the token's own cost budget (points it may hold); the server's COST_BUDGET otherwise")
  .option('--restore-rate <points>', 'points its budget restores per second (with --budget); COST_RESTORE_RATE otherwise')
  .action((opts: { name: string; scopes: string[]; organization?: string; budget?: string; restoreRate?: string }) =>
    runCli(() => {
      const input = tokenCreateSchema.safeParse(opts);
      if (!input.success) throw new Error(z.prettifyError(input.error).replace(/\n/g, '; '));
      const budget = budgetOption(opts);
      const db = openConfiguredDatabase();
      try {
        const { token, row } = db.transaction(() => {
          const created = createToken(db, input.data);
          if (budget) setTokenBudget(db, created.row.name, budget);
          return created;
        });
        process.stdout.write(`Created token "${row.name}" with scopes ${row.scopes.join(', ')}. It is shown only this once:\n`);
        process.stdout.write(`${token}\n`);
      } catch (error) {
        if (isUniqueViolation(error, 'api_tokens.name')) {
          throw new Error(`a token named "${opts.name}" already exists`);
        }
        throw error;
      } finally {
        db.$client.close();
      }
    }),
  );

program
  .command('list')
  .description('List tokens (never their values).')
  .action(() =>
    runCli(() => {
      const db = openConfiguredDatabase();
      try {
        const rows = listTokens(db);
        if (!rows.length) process.stdout.write('No tokens.\n');
        for (const t of rows) {
          const state = t.revokedAt ? `revoked ${t.revokedAt}` : 'active';
          process.stdout.write(
            `${t.name}\t${t.scopes.join(',')}\t${t.organization ?? '-'}\t${state}\tcreated ${t.createdAt}\tlast used ${t.lastUsedAt ?? 'never'}\n`,
          );
        }
      } finally {
        db.$client.close();
      }
    }),
  );

program
  .command('revoke')
  .description('Revoke a token by name; it stops working at once.')
  .requiredOption('--name <name>', 'the token name')
  .action((opts: { name: string }) =>
    runCli(() => {
      const db = openConfiguredDatabase();
      try {
        if (!revokeToken(db, opts.name)) throw new Error(`no active token is named "${opts.name}"`);
        process.stdout.write(`Revoked token "${opts.name}".\n`);
      } finally {
        db.$client.close();
      }
    }),
  );

await program.parseAsync();
