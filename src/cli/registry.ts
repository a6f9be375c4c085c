#!/usr/bin/env node
// The `registry` command for scripts and people: `npx registry certify source-faker --reason "…"`.
// certify, query and export talk to a server (--endpoint / REGISTRY_ENDPOINT, --token / REGISTRY_TOKEN);
// import, token and backup work on the database file (DATABASE_PATH) where the server runs.
import { closeDatabase } from '../db/client.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { oneLine } from '../domain/registry/load.js';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4000/graphql';

interface Global {
  endpoint: string;
  token?: string;
  json: boolean;
}

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

/** One line, whatever the text held: whitespace collapsed, cut to `max` characters. */

/** Why fetch could not get an answer, in words: its errors hide the reason in `cause` (an AggregateError for localhost's two addresses). */
function unreachable(error: unknown, url: URL): string {
  const e = error as Error & { cause?: unknown };
  if (e?.name === 'TimeoutError') return 'no answer within 60 s';
  const cause = (e?.cause ?? e) as (Error & { code?: string; errors?: Error[] }) | undefined;
  const code = cause?.code ?? (cause?.errors?.[0] as { code?: string } | undefined)?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the gateway running there?)',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be resolved',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'the host is unreachable',
    UND_ERR_SOCKET: 'the connection closed before an answer came',
  };
  // fetch refuses the ports browsers block (9, 25, 6000, …) without trying them.
  if (cause?.message === 'bad port') return `fetch refuses to connect to port ${url.port} (a port browsers block)`;
  if (code && words[code]) return words[code];
  const message = cause?.message || cause?.errors?.[0]?.message || e?.message;
  return message ? oneLine(message, 200) : (code ?? 'no answer');
}

/**
 * Sends one GraphQL request to the gateway and returns its `data`. Whatever answers instead (nothing,
 * a web page, a 404, JSON of another shape) becomes one CliError line naming the endpoint.
 */
async function graphql(g: Global, query: string, variables?: Record<string, unknown>): Promise<any> {
  const endpoint = g.endpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint ${JSON.stringify(endpoint)} is not a URL; give the gateway's GraphQL endpoint, e.g. ${DEFAULT_ENDPOINT}`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--endpoint ${endpoint} is not an http(s) URL; give the gateway's GraphQL endpoint, e.g. ${DEFAULT_ENDPOINT}`, 2);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (g.token) headers.authorization = `Bearer ${g.token}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(60_000) });
    text = await res.text();
  } catch (error) {
    throw new CliError(`cannot reach ${endpoint}: ${unreachable(error, url)}`, 3);
  }
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const type = res.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
  // A page (the catalog at /, another site) means the path is wrong more often than the host.
  const hint = url.pathname.endsWith('/graphql') ? '' : ' (the gateway answers GraphQL at /graphql)';
  const notThisApi = (what: string) => new CliError(`${endpoint} is not this GraphQL API: it answered ${status}, ${what}${hint}`, 3);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw notThisApi(text.trim() ? `${type} that is not JSON (${JSON.stringify(oneLine(text, 60))})` : 'with an empty body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('data' in body || 'errors' in body)) {
    throw notThisApi('JSON with neither data nor errors');
  }
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (errors != null && !(Array.isArray(errors) && errors.length === 0)) {
    const first = Array.isArray(errors) ? (errors[0] as { message?: unknown; extensions?: { code?: unknown } } | undefined) : undefined;
    if (!first || typeof first.message !== 'string') throw notThisApi('errors that are not GraphQL errors');
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'ERROR';
    throw new CliError(`${code}: ${oneLine(first.message, 500)}`, code === 'UNAUTHENTICATED' || code === 'TOKEN_EXPIRED' || code === 'FORBIDDEN' ? 4 : 1);
  }
  if (typeof data !== 'object' || data === null) throw notThisApi('with no data');
  return data;
}

function out(g: Global, value: unknown, human: () => string): void {
  process.stdout.write(g.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

const program = new Command('registry')
  .description('Query and change a connector registry gateway from scripts.')
  .addOption(new Option('--endpoint <url>', 'the GraphQL endpoint').env('REGISTRY_ENDPOINT').default(DEFAULT_ENDPOINT))
  .addOption(new Option('--token <token>', 'an API token (prefer the environment variable)').env('REGISTRY_TOKEN'))
  .option('--json', 'print machine-readable JSON', false)
  .showHelpAfterError();

const globals = (): Global => program.opts<Global>();

const CERTIFY = `mutation Certify($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) {
    connector { slug supportLevel revision }
    event { id actor createdAt }
    fromLevel toLevel newSlaDeployments dryRun replayed
    userErrors { code field message }
  }
}`;

program
  .command('certify <slug>')
  .description('Certify a community connector (needs a token with the certify scope).')
  .requiredOption('--reason <text>', 'why, 10 to 2000 characters (kept in the audit log)')
  .option('--evidence <text>', 'links or notes backing the decision')
  .option('--dry-run', 'report what would change, write nothing', false)
  .option('--expected-revision <n>', "refuse if the connector's revision is not this one", positiveInt)
  .option('--idempotency-key <key>', 'makes a retry safe: the same key returns the first result')
  .action(async (slug: string, o: { reason: string; evidence?: string; dryRun: boolean; expectedRevision?: number; idempotencyKey?: string }) => {
    const g = globals();
    const data = await graphql(g, CERTIFY, {
      input: {
        connectorSlug: slug,
        reason: o.reason,
        evidence: o.evidence,
        dryRun: o.dryRun,
        expectedRevision: o.expectedRevision,
        idempotencyKey: o.idempotencyKey,
      },
    });
    const p = data.certifyConnector;
    // Another GraphQL API can answer with data, just not this mutation's payload.
    if (typeof p !== 'object' || p === null || !Array.isArray(p.userErrors)) {
      throw new CliError(`${g.endpoint} is not this GraphQL API: its answer has no certifyConnector payload`, 3);
    }
    out(g, p, () => {
      if (p.userErrors.length) return p.userErrors.map((e: any) => `refused: ${e.code}${e.field ? ` (${e.field.join('.')})` : ''}: ${e.message}`).join('\n');
      const sla = p.newSlaDeployments.length ? `; an official SLA now applies on ${p.newSlaDeployments.join(', ')}` : '';
      if (p.dryRun) return `dry run: ${slug} would go from ${p.fromLevel} to ${p.toLevel}${sla}. Nothing was written.`;
      return `${p.connector.slug} is ${p.connector.supportLevel} (revision ${p.connector.revision})${sla}${p.replayed ? ' [replayed: this key was used before; nothing new was written]' : ''}.`;
    });
    if (p.userErrors.length) throw new CliError('', 2);
  });

program
  .command('query <document>')
  .description('Send a GraphQL document (text, or @file) and print the data.')
  .option('--variables <json>', 'variables as JSON (or @file)')
  .action(async (document: string, o: { variables?: string }) => {
    const g = globals();
    const read = (v: string) => {
      if (!v.startsWith('@')) return v;
      try {
        return readFileSync(v.slice(1), 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${v.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
      }
    };
    let variables: Record<string, unknown> | undefined;
    if (o.variables) {
      const text = read(o.variables);
      try {
        variables = JSON.parse(text);
      } catch (error) {
        throw new CliError(`--variables is not JSON: ${(error as Error).message}`, 2);
      }
    }
    const data = await graphql(g, read(document), variables);
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  });

program
  .command('export')
  .description("Download the registry in Airbyte's format from the server.")
  .addOption(new Option('--registry <registry>', 'which registry').choices(['oss', 'cloud']).makeOptionMandatory())
  .requiredOption('--out <file>', 'where to write it ("-" for standard output)')
  .action(async (o: { registry: string; out: string }) => {
    const g = globals();
    const url = new URL(`/registries/v0/${o.registry}_registry.json`, g.endpoint);
    let res: Response;
    try {
      res = await fetch(url, { headers: g.token ? { authorization: `Bearer ${g.token}` } : {} });
    } catch (error) {
      throw new CliError(`cannot reach ${url}: ${unreachable(error, url)}`, 3);
    }
    if (!res.ok) throw new CliError(`${url}: HTTP ${res.status}`, res.status === 401 ? 4 : 1);
    const text = await res.text();
    let parsed: { sources?: unknown; destinations?: unknown } | null = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // answered below
    }
    if (!parsed || !Array.isArray(parsed.sources) || !Array.isArray(parsed.destinations)) {
      throw new CliError(
        `${url} is not this gateway's registry export: it answered ${res.headers.get('content-type') ?? 'no content type'} ("${oneLine(text, 80)}")`,
        3,
      );
    }
    if (o.out === '-') process.stdout.write(text);
    else {
      writeFileSync(o.out, text);
      process.stderr.write(`Wrote ${(parsed.sources as unknown[]).length} sources and ${(parsed.destinations as unknown[]).length} destinations to ${o.out}\n`);
    }
  });

program
  .command('imports')
  .description('List the registry imports logged in DATABASE_PATH, newest first: who ran each, from what, and what it did.')
  .option('--limit <n>', 'how many to list', positiveInt, 20)
  .action(async (o: { limit: number }) => {
    const g = globals();
    const { openConfiguredDatabase } = await import('./open.js');
    const { importCounts, listImports } = await import('../domain/registry/log.js');
    const { countsLine } = await import('../domain/registry/plan.js');
    const db = await openConfiguredDatabase();
    try {
      const rows = (await listImports(db, { first: o.limit })).edges.map((e) => e.node);
      out(g, rows, () =>
        rows.length
          ? rows
              .map((r) => {
                const told = [r.registries.join(' and ') || 'no registry', r.asOf ? `as of ${r.asOf}` : '', r.forced ? 'forced' : '']
                  .filter(Boolean)
                  .join(', ');
                return [
                  `import ${r.id}  ${r.startedAt}  by ${r.actor}  (${told})`,
                  `  ${r.source}  sha256 ${r.contentHash}`,
                  `  ${countsLine(importCounts(r))}`,
                ].join('\n');
              })
              .join('\n')
          : 'No imports logged.',
      );
    } finally {
      await closeDatabase(db);
    }
  });

function isoTime(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('must be an ISO-8601 date or time, e.g. 2026-11-30 or 2026-11-30T12:00:00Z');
  }
  return at;
}

program
  .command('audit')
  .description('Print the audit log of DATABASE_PATH, oldest first: every privileged act, who did it, from where and how it ended.')
  .option('--since <time>', 'only acts at or after this time (ISO-8601)', isoTime)
  .option('--until <time>', 'only acts at or before this time (ISO-8601)', isoTime)
  .option('--action <action>', 'only this action, e.g. token.rotate or certifyConnector')
  .option('--actor <actor>', 'only this actor, e.g. a token name or cli:<user>')
  .addOption(new Option('--outcome <outcome>', 'only acts that ended this way').choices(['succeeded', 'refused', 'failed']))
  .option('--json-lines', 'one JSON object per line, for log shippers', false)
  .action(async (o: { since?: Date; until?: Date; action?: string; actor?: string; outcome?: 'succeeded' | 'refused' | 'failed'; jsonLines: boolean }) => {
    const { openConfiguredDatabase } = await import('./open.js');
    const { auditRows } = await import('../domain/audit/store.js');
    const db = await openConfiguredDatabase();
    try {
      let rows = 0;
      for await (const r of auditRows(db, o)) {
        rows++;
        const line = o.jsonLines
          ? JSON.stringify(r)
          : `${r.at}  ${r.outcome}${r.code ? ` ${r.code}` : ''}  ${r.action}  ${r.target ?? '-'}  by ${r.actor ?? 'anonymous'}${r.clientAddress ? ` from ${r.clientAddress}` : ''}`;
        process.stdout.write(`${line}\n`);
      }
      if (!rows && !o.jsonLines) process.stdout.write('No audit entries.\n');
    } finally {
      await closeDatabase(db);
    }
  });

// Commands that work on the database file run the project's own scripts, so there is one implementation.
// They sit beside this file, compiled (.js) or not (.ts, run with the same node flags, e.g. tsx's loader).
const scriptExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
for (const [name, script, description] of [
  ['import', 'registry-import', 'Import a registry file, URL or metadata folder into DATABASE_PATH (see registry import --help).'],
  ['token', 'token', 'Create, list, rotate and revoke API tokens in DATABASE_PATH (see registry token --help).'],
  ['backup', 'backup', 'Take an online backup of DATABASE_PATH.'],
] as const) {
  program
    .command(name)
    .description(description)
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { spawnSync } = await import('node:child_process');
      const target = fileURLToPath(new URL(`./${script}${scriptExtension}`, import.meta.url));
      // `registry import --json …`: commander reads --json as the global option; the import prints JSON too.
      const forwarded = name === 'import' && globals().json ? ['--json', ...args] : args;
      const r = spawnSync(process.execPath, [...process.execArgv, target, ...forwarded], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CliError) {
    if (error.message) process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // A bug, not a refusal: one line still, the stack only when asked for.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}
