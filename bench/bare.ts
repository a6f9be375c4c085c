// The two baselines, each a bare node:http server in its own process:
//   b0: writes the exact bytes the gateway returned, pre-serialized (the ceiling);
//   b1: runs the same SQL with prepared statements and JSON.stringifies the same shape (hand-written REST);
//   b1-pg: b1 on PostgreSQL (`pg` named prepared statements over a pool of pg's default 10 connections).
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SCENARIOS } from './scenarios.js';
import { PG_HANDLERS } from './scenarios-pg.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    port: { type: 'string' },
    file: { type: 'string' },
    db: { type: 'string' },
    scenario: { type: 'string' },
    url: { type: 'string' },
  },
});
const port = Number(values.port);
let respond: () => string | Buffer | Promise<string>;
if (values.mode === 'b0') {
  const bytes = readFileSync(values.file!);
  respond = () => bytes;
} else if (values.mode === 'b1') {
  const db = new Database(values.db!, { readonly: true });
  db.pragma('journal_mode = WAL');
  const scenario = SCENARIOS.find((s) => s.id === Number(values.scenario));
  if (!scenario) throw new Error(`no scenario ${values.scenario}`);
  respond = scenario.handler(db);
} else if (values.mode === 'b1-pg') {
  // Ids are bigint on PostgreSQL; as numbers, as the gateway reads them.
  pg.types.setTypeParser(20, Number);
  const handler = PG_HANDLERS[Number(values.scenario)];
  if (!handler) throw new Error(`no PostgreSQL scenario ${values.scenario}`);
  respond = await handler(new pg.Pool({ connectionString: values.url!, application_name: 'bench-b1' }));
} else {
  throw new Error('--mode b0|b1|b1-pg');
}

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200).end('ok');
    return;
  }
  // Read the request body as a GraphQL server would have to, then answer.
  req.on('data', () => {});
  req.on('end', () => {
    const body = respond();
    if (typeof body === 'string' || Buffer.isBuffer(body)) write(res, body);
    else
      body.then(
        (text) => write(res, text),
        (error: Error) => res.writeHead(500).end(error.message),
      );
  });
});
function write(res: ServerResponse, body: string | Buffer): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
