// Several gateways on one PostgreSQL, on this machine's loopback (issue #15; docs/cluster.md):
//
//   npm run cluster [-- --gateways 2] [--standby] [--port 4000] [--balancer nginx|node] [--keep]
//
// Starts a PostgreSQL primary in a temporary folder (and with --standby a streaming hot standby, synchronous),
// migrates it once, starts the gateways on it as `npm start` runs them, a load balancer in front (Debian's
// nginx when present, else a small balancer in this process), and prints the URLs. Ctrl-C (SIGINT, SIGTERM)
// stops what it started, by pid, in reverse order, and removes the folder. A child that dies stops the rest.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, Agent } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const SETPRIV = '/usr/bin/setpriv';
const AS_ROOT = process.getuid?.() === 0;
const DATABASE = 'registry';
/** The standby's name in the primary's synchronous_standby_names. */
const STANDBY_NAME = 'standby';
const MAX_GATEWAYS = 16;

const USAGE = `usage: npm run cluster -- [options]
  --gateways N          gateways to start, 0-${MAX_GATEWAYS} (default 2; 0: PostgreSQL only)
  --standby             also a streaming hot standby (synchronous), given to the gateways as DATABASE_REPLICA_URLS
  --port P              the balancer's port (default 4000, or a free one when 4000 is taken; 0: a free one)
  --balancer nginx|node nginx (the default when ${NGINX} exists) or a small balancer in this process
  --keep                keep the temporary folder (logs, data) when stopping
`;

class UsageError extends Error {}

/** The command line, checked: every bad value names the option and the rule. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gateways: { type: 'string', default: '2' },
        standby: { type: 'boolean', default: false },
        port: { type: 'string' },
        balancer: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const whole = (name, value, max) => {
    if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max} (got ${JSON.stringify(value)})`);
    return Number(value);
  };
  const balancer = values.balancer ?? (executable(NGINX) ? 'nginx' : 'node');
  if (balancer !== 'nginx' && balancer !== 'node') throw new UsageError(`--balancer must be nginx or node (got ${JSON.stringify(balancer)})`);
  if (balancer === 'nginx' && !executable(NGINX))
    throw new UsageError(`--balancer nginx: no nginx at ${NGINX} (apt-get install nginx-light, or set NGINX_PATH)`);
  return {
    gateways: whole('gateways', values.gateways, MAX_GATEWAYS),
    standby: values.standby,
    port: values.port === undefined ? undefined : whole('port', values.port, 65535),
    balancer,
    keep: values.keep,
    help: values.help,
  };
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of the PostgreSQL server binaries: POSTGRES_BIN, else initdb's folder on PATH, else Debian's newest. */
function postgresBin() {
  const has = (dir) => ['initdb', 'postgres', 'pg_basebackup'].every((tool) => executable(join(dir, tool)));
  if (process.env.POSTGRES_BIN) return has(process.env.POSTGRES_BIN) ? process.env.POSTGRES_BIN : null;
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    // /usr/local/bin/initdb may be a link into /usr/lib/postgresql/<v>/bin, where pg_basebackup lives too.
    if (executable(join(dir, 'initdb'))) {
      const real = dirname(realpathSync(join(dir, 'initdb')));
      if (has(real)) return real;
    }
  }
  let versions = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v));
  } catch {}
  return (
    versions
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
      .find(has) ?? null
  );
}

let nobodyIds;
/** As root, PostgreSQL and nginx run as `nobody` (initdb refuses root): setpriv's arguments, else none. */
function asNobody() {
  if (!AS_ROOT) return [];
  const id = (flag) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  nobodyIds ??= { uid: id('-u'), gid: id('-g') };
  return [`--reuid=${nobodyIds.uid}`, `--regid=${nobodyIds.gid}`, '--clear-groups', '--'];
}

/** The command and arguments that run `file` as `nobody` under root (through setpriv), else as they are. */
export function unprivileged(file, args) {
  return AS_ROOT ? [SETPRIV, [...asNobody(), file, ...args]] : [file, args];
}

function giveToNobody(path) {
  if (!AS_ROOT) return;
  asNobody();
  chownSync(path, nobodyIds.uid, nobodyIds.gid);
}

/** Runs a tool to completion (as `nobody` under root); throws with its output when it fails. */
function runTool(file, args, env = process.env) {
  const [cmd, argv] = unprivileged(file, args);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, env, cwd: '/' });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ');
    throw new Error(`${file.split('/').pop()} failed (${result.error?.message ?? `exit ${result.status}`}): ${output}`);
  }
  return result.stdout;
}

/** A loopback port nothing listens on at the moment of asking (`wanted` when it is free, if given). */
function freePort(wanted = 0) {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (error) => (wanted ? freePort(0).then(resolve, reject) : reject(error)));
    probe.listen(wanted, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines of a log that say why a process failed, as one line: the last error and what follows it. */
export function failureLine(log) {
  const lines = log
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !/^\s+at /.test(l) && !/^Node\.js v/.test(l) && !/^\s*\^+$/.test(l));
  let from = -1;
  lines.forEach((line, i) => {
    if (/error|invalid|fatal|refused|could not|failed/i.test(line)) from = i;
  });
  if (from < 0) from = Math.max(0, lines.length - 1);
  // An error's message and the indented lines under it (a config error names each setting on its own line).
  let end = from + 1;
  while (end < lines.length && end < from + 4 && /^\s/.test(lines[end])) end++;
  const line = lines
    .slice(from, end)
    .map((l) => l.trim())
    .join(' ');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line || '(no output)';
}

// ---------------------------------------------------------------------------------------------------------
// What this run started, in start order; stopped in reverse.

const state = { dir: null, keep: false, started: [], stopping: false, done: null };

function say(line) {
  process.stdout.write(`${line}\n`);
}

function readLog(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Starts a child in its own process group (so Ctrl-C reaches this script only, which stops the children in
 * order, and a postmaster's backends or nginx's workers can be stopped with it), its output in `log`.
 */
function launch(name, file, args, { log, env = process.env, cwd = '/', nobody = false, stopSignal = 'SIGTERM', graceMs = 15_000 }) {
  // Ctrl-C during start-up: nothing new starts after the stop began.
  if (state.stopping) throw new Error('stopping');
  const fd = openSync(log, 'a');
  const [cmd, argv] = nobody ? unprivileged(file, args) : [file, args];
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const entry = { name, child, log, starting: true, exit: null };
  entry.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((entry.exit = { code, signal })));
    child.once('error', (error) => resolve((entry.exit = { code: null, signal: null, error })));
  });
  entry.stop = () => stopChild(entry, stopSignal, graceMs);
  state.started.push(entry);
  say(`cluster: started ${name} (pid ${child.pid}), log ${log}`);
  entry.exited.then(() => {
    // While starting, the wait that sees the exit reports it (until()); afterwards it is reported here.
    if (state.stopping || entry.starting) return;
    say(`cluster: ${name} (pid ${child.pid}) exited unexpectedly (${exitWords(entry.exit)}): ${failureLine(readLog(log))}`);
    say('cluster: stopping the rest');
    shutdown(1);
  });
  return entry;
}

function exitWords(exit) {
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

class ChildFailed extends Error {}

/** Waits until `probe` returns a value, failing when the child exits first or after `ms`. */
async function until(entry, ms, what, probe) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (entry.exit) throw new ChildFailed(`${entry.name} exited before ${what} (${exitWords(entry.exit)}): ${failureLine(readLog(entry.log))}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new ChildFailed(`${entry.name} did not get to ${what} in ${ms / 1000} s: ${failureLine(readLog(entry.log))}`);
    await sleep(150);
  }
}

/** Stops a child by its pid, bounded in time; then whatever is left of its process group. */
async function stopChild(entry, signal, graceMs) {
  const { pid } = entry.child;
  if (!entry.exit && pid) {
    try {
      process.kill(pid, signal);
    } catch {}
    const stopped = await Promise.race([entry.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!stopped) say(`cluster: ${entry.name} (pid ${pid}) did not stop in ${graceMs / 1000} s; killing it`);
  }
  killGroup(pid);
  await Promise.race([entry.exited, sleep(5_000)]);
}

function killGroup(pid) {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}

/** Stops everything in reverse order, removes the folder (unless --keep) and exits with `code`. */
function shutdown(code) {
  state.done ??= (async () => {
    state.stopping = true;
    for (const entry of [...state.started].reverse()) await entry.stop();
    if (state.dir && !state.keep) rmSync(state.dir, { recursive: true, force: true });
    say(state.keep && state.dir ? `cluster: stopped; kept ${state.dir}` : 'cluster: stopped');
    process.exit(code);
  })();
  return state.done;
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

async function pgClient(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  return client;
}

async function query(url, sql, params = []) {
  const client = await pgClient(url);
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Starts `postgres` on a free port, trying another when one is taken meanwhile; resolves once it accepts connections. */
async function startPostgres(name, data, settings, password) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = join(state.dir, `${name}.log`);
    const args = ['-D', data, '-p', String(port), '-k', state.dir, ...settings.flatMap((s) => ['-c', s])];
    const entry = launch(`${name} PostgreSQL`, join(state.bin, 'postgres'), args, { log, nobody: true, stopSignal: 'SIGINT' });
    const url = (database) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    try {
      await until(entry, 60_000, 'accepting connections', () => query(url('postgres'), 'select 1').then(() => true));
      entry.starting = false;
      return { entry, port, url };
    } catch (error) {
      if (attempt >= 3 || !/could not bind|already in use/i.test(readLog(log))) throw error;
      await entry.stop();
      state.started.splice(state.started.indexOf(entry), 1);
    }
  }
}

/** initdb, start, create the database, migrate it once (under the gateways' advisory lock). */
async function startPrimary(password) {
  const data = join(state.dir, 'primary');
  const pwfile = join(state.dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  giveToNobody(pwfile);
  // C collation: text sorts by bytes, as SQLite's BINARY does (docs/postgresql.md).
  runTool(join(state.bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  rmSync(pwfile);
  const settings = ['listen_addresses=127.0.0.1', 'wal_level=replica', 'max_wal_senders=8', 'hot_standby=on', 'password_encryption=scram-sha-256'];
  const primary = await startPostgres('primary', data, settings, password);
  await query(primary.url('postgres'), `create database ${DATABASE}`);
  const { migratePostgres } = await import(pathToFileURL(join(ROOT, 'dist', 'src', 'db', 'migrate-pg.js')).href);
  const { applied, total } = await migratePostgres(primary.url(DATABASE), { folder: join(ROOT, 'migrations-pg') });
  say(`cluster: migrated ${DATABASE} (${applied} of ${total} migrations applied now)`);
  return primary;
}

/**
 * A hot standby streaming from the primary (pg_basebackup -R), made synchronous once it streams, so a
 * transaction that asks for synchronous_commit = remote_apply is visible on it when its commit returns.
 */
// Replies each second (not every ten): it becomes the synchronous standby, and answers, without delay.
const STANDBY_SETTINGS = ['listen_addresses=127.0.0.1', 'hot_standby=on', 'wal_receiver_status_interval=1s'];

async function startStandby(primary, password) {
  const replicator = randomBytes(18).toString('base64url');
  await query(primary.url('postgres'), `create role replicator with replication login password '${replicator}'`);
  const data = join(state.dir, 'standby');
  const conninfo = `host=127.0.0.1 port=${primary.port} user=replicator application_name=${STANDBY_NAME}`;
  runTool(join(state.bin, 'pg_basebackup'), ['-D', data, '-d', conninfo, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], {
    ...process.env,
    PGPASSWORD: replicator,
  });
  // The last primary_conninfo wins: this one carries the password, in the standby's own (0600) folder.
  appendFileSync(join(data, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo} password=${replicator}'\n`);
  const standby = await startPostgres('standby', data, STANDBY_SETTINGS, password);
  const streaming = "select sync_state from pg_stat_replication where application_name = $1 and state = 'streaming'";
  await until(standby.entry, 30_000, 'streaming from the primary', async () => (await query(primary.url('postgres'), streaming, [STANDBY_NAME])).length > 0);
  await query(primary.url('postgres'), `alter system set synchronous_standby_names = '"${STANDBY_NAME}"'`);
  await query(primary.url('postgres'), 'select pg_reload_conf()');
  await until(
    standby.entry,
    30_000,
    'synchronous replication',
    async () => (await query(primary.url('postgres'), streaming, [STANDBY_NAME]))[0]?.sync_state === 'sync',
  );
  return standby;
}

// ---------------------------------------------------------------------------------------------------------
// Gateways and the balancer

/** The settings every gateway gets: the user's environment, and the cluster's database, address and shared key. */
function gatewayEnv(primary, standby) {
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: primary.url(DATABASE) };
  // The SQLite setting would only mislead: with DATABASE_URL a gateway must not open a file.
  delete env.DATABASE_PATH;
  if (standby) env.DATABASE_REPLICA_URLS = standby.url(DATABASE);
  // One key for all: a webhook secret sealed by one gateway is opened by another.
  env.SECRETS_KEY ||= randomBytes(32).toString('base64');
  // The balancer is a proxy on loopback: its X-Forwarded-For names the client (fair use counts per client).
  env.TRUSTED_PROXIES ||= '127.0.0.1';
  return env;
}

/** Starts gateway `i` as `npm start` does, waits for it to listen and for /health; checks it uses PostgreSQL. */
async function startGateway(i, env) {
  const cwd = join(state.dir, `gateway-${i}`);
  mkdirSync(cwd);
  const log = join(state.dir, `gateway-${i}.log`);
  const entry = launch(`gateway ${i}`, process.execPath, [join(ROOT, 'scripts', 'run.mjs'), 'bundle/server/server.js'], { cwd, env, log });
  const url = await until(entry, 60_000, 'listening', async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(readLog(log))?.[1]);
  await until(entry, 30_000, 'answering /health', async () => (await fetch(`${url}/health`)).ok);
  // A gateway that does not know DATABASE_URL opens the default SQLite file, relative to its folder.
  const sqlite = join(cwd, 'data', 'registry.db');
  if (existsSync(sqlite)) {
    throw new ChildFailed(`${entry.name} ignored DATABASE_URL and opened the SQLite file ${sqlite}: this build of the gateway does not run on PostgreSQL yet`);
  }
  entry.starting = false;
  return { entry, url };
}

/**
 * nginx in front of the gateways, everything in `dir`: round robin with kept-alive upstream connections;
 * streamed answers (subscriptions over SSE or multipart on /graphql and /graphql/stream) pass unbuffered;
 * /graphql/stream goes by client address, since a reserved stream lives in the gateway that reserved it.
 */
export function nginxConfig({ dir, port, gateways }) {
  const servers = gateways.map((g) => `    server ${new URL(g).host};`).join('\n');
  return `# Generated by scripts/cluster.mjs; removed with its folder when the cluster stops.
daemon off;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # The gateways enforce MAX_BODY_BYTES themselves.
  client_max_body_size 0;
  # A zone shares each upstream's state between the workers, so round robin is one turn for all of them.
  upstream gateways {
    zone gateways 64k;
${servers}
    keepalive 32;
  }
  upstream gateways_by_client {
    zone gateways_by_client 64k;
    hash $remote_addr consistent;
${servers}
  }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    location / {
      proxy_pass http://gateways;
    }
    location /graphql {
      proxy_pass http://gateways;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
    location /graphql/stream {
      proxy_pass http://gateways_by_client;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/**
 * Writes nginx's configuration in front of `gateways` into the new folder `dir` (nobody's under root) and
 * checks it (nginx -t); the program and arguments that run it in the foreground (as nobody: unprivileged()).
 */
export function prepareNginx({ dir, port, gateways }) {
  mkdirSync(dir);
  giveToNobody(dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ dir, port, gateways }));
  const args = ['-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log')];
  runTool(NGINX, ['-t', '-q', ...args]);
  return { file: NGINX, args };
}

async function startNginx(port, gateways) {
  const dir = join(state.dir, 'nginx');
  const { file, args } = prepareNginx({ dir, port, gateways });
  const entry = launch('balancer (nginx)', file, args, { log: join(dir, 'output.log'), nobody: true });
  const url = `http://127.0.0.1:${port}`;
  await until(entry, 30_000, 'answering /health', async () => (await fetch(`${url}/health`)).ok);
  entry.starting = false;
  return { entry, url };
}

function hash(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer'];

/**
 * The balancer when nginx is absent: round robin, /graphql/stream by client address (as nginx's
 * configuration above), answers piped as they come (so server-sent events stream), X-Forwarded-For added.
 */
export function createBalancer(gateways) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const targets = gateways.map((g) => new URL(g));
  let next = 0;
  return createServer((req, res) => {
    const client = req.socket.remoteAddress ?? '';
    const sticky = req.url === '/graphql/stream' || req.url.startsWith('/graphql/stream?');
    const target = targets[(sticky ? hash(client) : next++) % targets.length];
    const headers = { ...req.headers, 'x-forwarded-for': [req.headers['x-forwarded-for'], client].filter(Boolean).join(', '), 'x-forwarded-proto': 'http' };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      const back = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete back[name];
      res.writeHead(answer.statusCode ?? 502, back);
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end(`bad gateway: ${target.host}: ${error.code ?? error.message}\n`);
    });
    // A client that leaves (a closed event stream) closes its upstream request, so the gateway sees it too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
}

async function startNodeBalancer(port, gateways) {
  const server = createBalancer(gateways);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const entry = {
    name: 'balancer (node)',
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
  state.started.push(entry);
  return { entry, url: `http://127.0.0.1:${server.address().port}` };
}

// ---------------------------------------------------------------------------------------------------------

function printSummary({ balancer, gateways, primary, standby, options }) {
  const pgUrl = (db) => `postgres://postgres@127.0.0.1:${db.port}/${DATABASE}`;
  const rows = [];
  if (balancer)
    rows.push(['balancer', `${balancer.url}/graphql`, options.balancer === 'nginx' ? `nginx, pid ${balancer.entry.child.pid}` : 'node, in this process']);
  for (const [i, g] of gateways.entries()) rows.push([`gateway ${i + 1}`, `${g.url}/graphql`, `pid ${g.entry.child.pid}`]);
  rows.push(['primary', pgUrl(primary), `pid ${primary.entry.child.pid}`]);
  if (standby) rows.push(['standby', pgUrl(standby), `pid ${standby.entry.child.pid}, hot standby, synchronous`]);
  rows.push(['password', `PGPASSFILE=${join(state.dir, 'pgpass')}`, options.keep ? 'local only' : 'local only, removed on stop']);
  rows.push(['folder', state.dir, options.keep ? 'kept on stop' : 'removed on stop']);
  const width = Math.max(...rows.map((r) => r[1].length));
  say('cluster: ready; Ctrl-C stops it all');
  for (const [name, value, note] of rows) say(`  ${name.padEnd(10)} ${value.padEnd(width)}  (${note})`);
}

async function startAll(options) {
  const password = randomBytes(18).toString('base64url');
  const primary = await startPrimary(password);
  const standby = options.standby ? await startStandby(primary, password) : null;
  const pgpass = [primary, standby].filter(Boolean).map((db) => `127.0.0.1:${db.port}:*:postgres:${password}\n`);
  writeFileSync(join(state.dir, 'pgpass'), pgpass.join(''), { mode: 0o600 });
  const gateways = [];
  if (options.gateways > 0) {
    const env = gatewayEnv(primary, standby);
    // The first alone (it seeds an empty database), then the others together.
    gateways.push(await startGateway(1, env));
    const rest = Array.from({ length: options.gateways - 1 }, (_, i) => startGateway(i + 2, env));
    gateways.push(...(await Promise.all(rest)));
  }
  let balancer = null;
  if (gateways.length) {
    const urls = gateways.map((g) => g.url);
    const port = options.port ?? (await freePort(4000));
    balancer = options.balancer === 'nginx' ? await startNginx(port || (await freePort()), urls) : await startNodeBalancer(port, urls);
  }
  printSummary({ balancer, gateways, primary, standby, options });
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`cluster: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) return void process.stdout.write(USAGE);
  state.bin = postgresBin();
  if (!state.bin)
    return fail(
      'no PostgreSQL server binaries (initdb, postgres, pg_basebackup) on PATH or under /usr/lib/postgresql/*/bin: apt-get install postgresql, or set POSTGRES_BIN',
    );
  if (AS_ROOT && !executable(SETPRIV)) return fail('running as root, and no setpriv to run PostgreSQL as nobody (install util-linux)');
  const { ensureBuilt } = await import('./ensure-build.mjs');
  await ensureBuilt();
  state.keep = options.keep;
  state.dir = mkdtempSync(join(tmpdir(), 'registry-cluster-'));
  giveToNobody(state.dir);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(0));
  // Should this script itself crash, its children do not outlive it.
  process.on('exit', () => {
    for (const entry of state.started) if (entry.child && !entry.exit) killGroup(entry.child.pid);
  });
  say(`cluster: working in ${state.dir}`);
  try {
    await startAll(options);
  } catch (error) {
    if (state.stopping) return;
    fail(error instanceof ChildFailed ? error.message : `${error.message}`);
  }
}

function fail(reason) {
  process.stderr.write(`cluster: ${reason}\n`);
  if (state.dir) return shutdown(1);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
