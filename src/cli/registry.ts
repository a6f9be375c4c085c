#!/usr/bin/env node
// The `registry` command for scripts and people: `npx registry certify source-faker --reason "…"`.
// certify, query and export talk to a server (--endpoint / REGISTRY_ENDPOINT, --token / REGISTRY_TOKEN);
// import, token and backup work on the database file (DATABASE_PATH) where the server runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';

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

async function graphql(g: Global, query: string, variables?: Record<string, unknown>): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (g.token) headers.authorization = `Bearer ${g.token}`;
  let res: Response;
  try {
    res = await fetch(g.endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new CliError(`cannot reach ${g.endpoint}: ${(error as Error).cause ?? (error as Error).message}`, 3);
  }
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${g.endpoint} answered HTTP ${res.status} with something that is not JSON: ${text.slice(0, 200)}`, 3);
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new CliError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`, e.extensions?.code === 'UNAUTHENTICATED' || e.extensions?.code === 'FORBIDDEN' ? 4 : 1);
  }
  return body.data;
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
      input: { connectorSlug: slug, reason: o.reason, evidence: o.evidence, dryRun: o.dryRun, expectedRevision: o.expectedRevision, idempotencyKey: o.idempotencyKey },
    });
    const p = data.certifyConnector;
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
    const read = (v: string) => (v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v);
    let variables: Record<string, unknown> | undefined;
    if (o.variables) {
      try {
        variables = JSON.parse(read(o.variables));
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
    const res = await fetch(url, { headers: g.token ? { authorization: `Bearer ${g.token}` } : {} });
    if (!res.ok) throw new CliError(`${url}: HTTP ${res.status}`, res.status === 401 ? 4 : 1);
    const text = await res.text();
    if (o.out === '-') process.stdout.write(text);
    else {
      writeFileSync(o.out, text);
      const doc = JSON.parse(text);
      process.stderr.write(`Wrote ${doc.sources.length} sources and ${doc.destinations.length} destinations to ${o.out}\n`);
    }
  });

// Commands that work on the database file run the project's own scripts, so there is one implementation.
// They sit beside this file, compiled (.js) or not (.ts, run with the same node flags, e.g. tsx's loader).
const scriptExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
for (const [name, script, description] of [
  ['import', 'registry-import', 'Import a registry file, URL or metadata folder into DATABASE_PATH (see registry import --help).'],
  ['token', 'token', 'Create, list and revoke API tokens in DATABASE_PATH (see registry token --help).'],
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
      const r = spawnSync(process.execPath, [...process.execArgv, target, ...args], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CliError) {
    if (error.message) process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else throw error;
}
