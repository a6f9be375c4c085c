// @engine-independent: the script starts its own PostgreSQL; the balancer tests put their gateways on SQLite by name.
// `npm run cluster` (scripts/cluster.mjs, docs/cluster.md) run as a child process on loopback: PostgreSQL
// primary and streaming standby, a gateway that cannot start, the stop on SIGINT leaving no process and no
// folder; and the two balancers it may put in front of the gateways, each over two real gateway processes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer, failureLine, nginxConfig, parseOptions } from '../scripts/cluster.mjs';
import { configSchema } from '../src/config.js';
import { inCi } from './helpers/browser.js';
import { describeWithPostgres } from './helpers/postgres.js';
import { ROOT, type RunningServer, runNode, startServer, tempDir } from './helpers/process.js';
import { subscribeSse } from './helpers/sse.js';

/**
 * The gateway reads DATABASE_URL once the PostgreSQL store lands in src/ (issue #15); until then a gateway
 * started by the script ignores it, and the script refuses to go on. The tests below switch on that.
 */
const gatewaysRunOnPostgres = 'DATABASE_URL' in configSchema.shape;

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const nginxMissing = (() => {
  try {
    accessSync(NGINX, constants.X_OK);
    return null;
  } catch {
    return `no nginx at ${NGINX}`;
  }
})();

interface ClusterRun {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output once it matches `pattern`; fails when the script exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

const runs: ClusterRun[] = [];

function runCluster(args: string[], env: Record<string, string> = {}): ClusterRun {
  const child = spawn(process.execPath, ['scripts/cluster.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run: ClusterRun = {
    child,
    output: () => out,
    exited,
    async waitFor(pattern, ms = 60_000) {
      const end = Date.now() + ms;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`the script exited (${child.exitCode}) before printing ${pattern}:\n${out}`);
        if (Date.now() > end) throw new Error(`the script did not print ${pattern} in ${ms / 1000} s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return out;
    },
  };
  runs.push(run);
  return run;
}

/** Stops a run with SIGINT, as Ctrl-C does; resolves with its exit code (bounded: SIGKILL after 40 s). */
async function interrupt(run: ClusterRun): Promise<number | null> {
  if (run.child.exitCode === null) run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 40_000);
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

/** The pids the script said it started. */
function startedPids(output: string): number[] {
  return [...output.matchAll(/^cluster: started .* \(pid (\d+)\)/gm)].map((m) => Number(m[1]));
}

/** Whether anything of the process group `pid` leads (a postmaster's backends, nginx's workers) still runs. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function folderOf(output: string): string {
  const folder = /^cluster: working in (\S+)$/m.exec(output)?.[1];
  if (!folder) throw new Error(`no folder in:\n${output}`);
  return folder;
}

/** A summary line's value: `  <name>  <value>  (<note>)`. */
function summary(output: string, name: string): string {
  const value = new RegExp(`^  ${name} +(\\S+) +\\(`, 'm').exec(output)?.[1];
  if (!value) throw new Error(`no "${name}" line in:\n${output}`);
  return value;
}

/** A connection string with the password the script keeps in its pgpass file. */
function withPassword(url: string, pgpass: string): string {
  const { port } = new URL(url);
  const line = readFileSync(pgpass, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`127.0.0.1:${port}:`));
  const password = line!.split(':').slice(4).join(':');
  return url.replace('postgres@', `postgres:${encodeURIComponent(password)}@`);
}

async function expectNothingLeft(output: string): Promise<void> {
  const pids = startedPids(output);
  expect(pids.length).toBeGreaterThan(0);
  expect(pids.filter(groupAlive)).toEqual([]);
  expect(existsSync(folderOf(output))).toBe(false);
}

afterEach(async () => {
  // A failed test still leaves nothing running.
  for (const run of runs.splice(0)) {
    await interrupt(run);
    for (const pid of startedPids(run.output())) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
}, 60_000);

describe('npm run cluster: the command line', () => {
  it('refuses a bad option with a line naming it and the rule, and exits 2', () => {
    const result = spawnSync(process.execPath, ['scripts/cluster.mjs', '--gateways', 'two'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('cluster: --gateways must be a whole number from 0 to 16 (got "two")');
    expect(() => parseOptions(['--balancer', 'haproxy'])).toThrow('--balancer must be nginx or node (got "haproxy")');
    expect(() => parseOptions(['--port', '70000'])).toThrow('--port must be a whole number from 0 to 65535 (got "70000")');
    expect(parseOptions(['--gateways', '3', '--standby', '--balancer', 'node'])).toMatchObject({ gateways: 3, standby: true, balancer: 'node', keep: false });
  });

  it("reduces a child's failure to the line that says why", () => {
    const config = 'Invalid configuration:\n  MAX_DEPTH: Too small: expected number to be >=1 (got "0")\n';
    expect(failureLine(config)).toBe('Invalid configuration: MAX_DEPTH: Too small: expected number to be >=1 (got "0")');
    const crash =
      'file:///x/server.js:10\n    throw error;\n    ^\n\nError: connect ECONNREFUSED 127.0.0.1:5\n    at TCPConnectWrap.afterConnect\n\nNode.js v20.20.2\n';
    expect(failureLine(crash)).toBe('Error: connect ECONNREFUSED 127.0.0.1:5');
  });
});

describeWithPostgres('npm run cluster: PostgreSQL and its gateways', () => {
  it('starts a primary and a synchronous streaming standby; a row committed on the primary is read on the standby; SIGINT leaves nothing behind', async () => {
    const run = runCluster(['--gateways', '0', '--standby']);
    const output = await run.waitFor(/^ {2}folder /m);
    const pgpass = summary(output, 'password').replace('PGPASSFILE=', '');
    const primary = new pg.Client({ connectionString: withPassword(summary(output, 'primary'), pgpass) });
    const standby = new pg.Client({ connectionString: withPassword(summary(output, 'standby'), pgpass) });
    await primary.connect();
    await standby.connect();
    try {
      // Migrated once by the script, before the standby was copied from the primary.
      const migrations = 'select count(*)::int as n from drizzle.__drizzle_migrations';
      const expected = readdirSync(join(ROOT, 'migrations-pg')).filter((f) => existsSync(join(ROOT, 'migrations-pg', f, 'migration.sql'))).length;
      expect(expected).toBeGreaterThan(0);
      expect((await primary.query(migrations)).rows[0].n).toBe(expected);
      expect((await standby.query(migrations)).rows[0].n).toBe(expected);
      const replication = await primary.query('select application_name, state, sync_state from pg_stat_replication');
      expect(replication.rows).toEqual([{ application_name: 'standby', state: 'streaming', sync_state: 'sync' }]);
      expect((await standby.query('select pg_is_in_recovery() as yes')).rows[0].yes).toBe(true);
      // remote_apply: the commit returns once the standby has applied it, so the read that follows sees it.
      const marker = `written at ${new Date().toISOString()}`;
      await primary.query('create table cluster_check (note text)');
      await primary.query('set synchronous_commit = remote_apply');
      await primary.query('insert into cluster_check values ($1)', [marker]);
      expect((await standby.query('select note from cluster_check')).rows).toEqual([{ note: marker }]);
      await expect(standby.query("insert into cluster_check values ('on the standby')")).rejects.toThrow(/read-only transaction/);
    } finally {
      await Promise.all([primary.end(), standby.end()]);
    }
    expect(await interrupt(run)).toBe(0);
    expect(run.output()).toMatch(/^cluster: stopped$/m);
    await expectNothingLeft(run.output());
  }, 120_000);

  it('says which process died when one dies on its own, stops the rest and exits 1', async () => {
    const run = runCluster(['--gateways', '0', '--standby']);
    const output = await run.waitFor(/^ {2}folder /m);
    const standby = Number(/^ {2}standby .*\(pid (\d+)/m.exec(output)![1]);
    process.kill(standby, 'SIGINT');
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(
      new RegExp(`^cluster: standby PostgreSQL \\(pid ${standby}\\) exited unexpectedly \\(exit code 0\\): .*\\ncluster: stopping the rest$`, 'm'),
    );
    await expectNothingLeft(run.output());
  }, 120_000);

  it("stops everything and exits 1 with one line naming a gateway's error when a gateway cannot start", async () => {
    const run = runCluster(['--gateways', '2'], { MAX_DEPTH: '0' });
    const code = await run.exited;
    expect(code).toBe(1);
    const reasons = run.output().match(/^cluster: gateway 1 exited before listening .*$/gm);
    expect(reasons).toHaveLength(1);
    expect(reasons![0]).toContain('MAX_DEPTH');
    expect(run.output()).not.toMatch(/started gateway 2/);
    await expectNothingLeft(run.output());
  }, 120_000);

  it.skipIf(gatewaysRunOnPostgres)(
    'refuses a gateway that ignores DATABASE_URL (one that does not run on PostgreSQL yet), with one line, and stops the rest',
    async () => {
      const run = runCluster(['--gateways', '1']);
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(
        /^cluster: gateway 1 ignored DATABASE_URL and opened the SQLite file \S+: this build of the gateway does not run on PostgreSQL yet$/m,
      );
      await expectNothingLeft(run.output());
    },
    120_000,
  );

  // Runs once the gateway reads DATABASE_URL (gatewaysRunOnPostgres above); nginx when it is here.
  const balancers = nginxMissing && !inCi ? ['node'] : ['nginx', 'node'];
  it.skipIf(!gatewaysRunOnPostgres).each(balancers)(
    'serves GraphQL through the %s balancer from two gateways on PostgreSQL with a standby, and SIGINT leaves nothing behind',
    async (kind) => {
      const run = runCluster(['--standby', '--port', '0', '--balancer', kind]);
      const output = await run.waitFor(/^ {2}folder /m, 90_000);
      const balancer = summary(output, 'balancer').replace(/\/graphql$/, '');
      const gateways = [summary(output, 'gateway 1'), summary(output, 'gateway 2')];
      expect((await fetch(`${balancer}/health`)).status).toBe(200);
      const ask = (url: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ connectors(first: 3) { edges { node { slug } } } }' }),
        }).then((r) => r.json() as Promise<{ data: unknown }>);
      const direct = await Promise.all(gateways.map(ask));
      expect(direct[0]!.data).toEqual(direct[1]!.data);
      for (let i = 0; i < 4; i++) expect((await ask(`${balancer}/graphql`)).data).toEqual(direct[0]!.data);
      // Round robin: each gateway's log holds its direct request and two through the balancer.
      const logs = [1, 2].map((i) => join(folderOf(output), `gateway-${i}.log`));
      const counts = () => logs.map((log) => (readFileSync(log, 'utf8').match(/"message":"request".*?"path":"\/graphql"/g) ?? []).length);
      for (const end = Date.now() + 5_000; counts().reduce((a, b) => a + b) < 6 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
      expect(counts()).toEqual([3, 3]);
      // The gateways seeded the registry into PostgreSQL, not into files of their own.
      const pgpass = summary(output, 'password').replace('PGPASSFILE=', '');
      const primary = new pg.Client({ connectionString: withPassword(summary(output, 'primary'), pgpass) });
      await primary.connect();
      const seeded = await primary.query('select count(*)::int as n from connectors').finally(() => primary.end());
      expect(seeded.rows[0].n).toBeGreaterThan(0);
      expect(await interrupt(run)).toBe(0);
      await expectNothingLeft(run.output());
    },
    150_000,
  );
});

// ---------------------------------------------------------------------------------------------------------
// The balancers, each in front of two real gateway processes (on SQLite files of their own: no PostgreSQL
// needed to check what the balancer does).

interface Balancer {
  url: string;
  stop(): Promise<void>;
}

async function nodeBalancer(gateways: string[]): Promise<Balancer> {
  const server = createBalancer(gateways);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function nginxBalancer(gateways: string[]): Promise<Balancer> {
  const dir = tempDir('registry-cluster-nginx-');
  const probe = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  // As the script runs it, with one process (this test may run as root; the script drops to nobody).
  writeFileSync(join(dir, 'nginx.conf'), `master_process off;\n${nginxConfig({ dir, port, gateways })}`);
  const args = ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const checked = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  expect(checked.stderr).toContain('syntax is ok');
  const child = spawn(NGINX, args, { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const url = `http://127.0.0.1:${port}`;
  for (
    let tries = 0;
    !(await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    ));
    tries++
  ) {
    if (tries > 100 || child.exitCode !== null) throw new Error(`nginx did not answer: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const graphqlRequests = (server: RunningServer) => (server.output().match(/"message":"request".*?"path":"\/graphql"/g) ?? []).length;

describe.each([
  ['the Node balancer', nodeBalancer, null],
  ['nginx with the generated configuration', nginxBalancer, nginxMissing],
] as const)('npm run cluster: %s in front of two gateways', (_name, start, missing) => {
  const skip = missing !== null && !inCi;
  const gateways: { server: RunningServer; token: string }[] = [];
  let balancer: Balancer;
  beforeAll(async () => {
    if (skip) return;
    for (const name of ['a', 'b']) {
      const env = { DATABASE_PATH: join(tempDir(), `${name}.db`), LOG_LEVEL: 'info' };
      const server = await startServer(env, [], 'sqlite');
      const token = runNode(['dist/src/cli/token.js', 'create', '--name', 'bot', '--scopes', 'certify'], env).stdout.trim().split('\n').at(-1)!;
      gateways.push({ server, token });
    }
    balancer = await start(gateways.map((g) => g.server.url));
  }, 90_000);
  afterAll(async () => {
    await balancer?.stop();
    for (const { server } of gateways.splice(0)) await server.stop();
  });

  it.skipIf(skip)('answers /health and turns GraphQL requests round robin, one each in turn', async () => {
    expect(await (await fetch(`${balancer.url}/health`)).json()).toEqual({ status: 'ok', database: true });
    const before = gateways.map((g) => graphqlRequests(g.server));
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${balancer.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      expect((await res.json()).data).toEqual({ __typename: 'Query' });
    }
    // The request log line is written after the answer: give it a moment.
    const end = Date.now() + 5_000;
    while (gateways.reduce((n, g, i) => n + graphqlRequests(g.server) - before[i]!, 0) < 6 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(gateways.map((g, i) => graphqlRequests(g.server) - before[i]!)).toEqual([3, 3]);
  });

  it.skipIf(skip)('streams a subscription through it as events happen', async () => {
    const events = await subscribeSse(
      (path, init) => fetch(`${balancer.url}${path}`, init),
      'subscription { certificationEvents { toLevel connector { slug } } }',
    );
    expect(events.contentType).toContain('text/event-stream');
    // Each gateway has its own database here: certify on both, the subscription hears the one it is on.
    for (const { server, token } of gateways) {
      await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query:
            'mutation { certifyConnector(input: {connectorSlug: "source-trello", reason: "Certified through the balancer test."}) { userErrors { code } } }',
        }),
      });
    }
    const end = Date.now() + 5_000;
    while (events.received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    // The stream is still open: the event came through before the answer ended.
    events.close();
    expect(events.received).toEqual([{ data: { certificationEvents: { toLevel: 'CERTIFIED', connector: { slug: 'source-trello' } } } }]);
  });
});
