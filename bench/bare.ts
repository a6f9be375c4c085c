// The two baselines, each a bare node:http server in its own process:
//   b0: writes the exact bytes the gateway returned, pre-serialized (the ceiling);
//   b1: runs the same SQL with prepared statements and JSON.stringifies the same shape (hand-written REST).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SCENARIOS } from './scenarios.js';

const { values } = parseArgs({
  options: { mode: { type: 'string' }, port: { type: 'string' }, file: { type: 'string' }, db: { type: 'string' }, scenario: { type: 'string' } },
});
const port = Number(values.port);
let respond: () => string | Buffer;
if (values.mode === 'b0') {
  const bytes = readFileSync(values.file!);
  respond = () => bytes;
} else if (values.mode === 'b1') {
  const db = new Database(values.db!, { readonly: true });
  db.pragma('journal_mode = WAL');
  const scenario = SCENARIOS.find((s) => s.id === Number(values.scenario));
  if (!scenario) throw new Error(`no scenario ${values.scenario}`);
  respond = scenario.handler(db);
} else {
  throw new Error('--mode b0|b1');
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
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
