// PostGraphile v5 over the bench's PostgreSQL database, as a user would run it in library mode: the Amber
// preset over the `public` tables plus the `bench` schema's functions (bench/postgraphile.ts), production
// mode, no GraphiQL, on a loopback port; /health answers for the bench's start-up wait.
//   node bench/postgraphile-server.mjs --url postgres://… --port N --schemas public,bench
// Plain JavaScript run without tsx, on purpose: PostGraphile's packages augment graphql-js's types (`grafast`
// extensions), which would change how the gateway's own source type-checks if tsc saw them.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

// PostGraphile v5 declares Node >= 22 and calls Promise.withResolvers (Node 22) per request; this machine and
// the gateway run Node 20, so the method is supplied here, as core-js would.
Promise.withResolvers ??= function withResolvers() {
  let resolve;
  let reject;
  const promise = new this((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const { values } = parseArgs({ options: { url: { type: 'string' }, port: { type: 'string' }, schemas: { type: 'string', default: 'public' } } });
const connectionString = `${values.url}${values.url.includes('?') ? '&' : '?'}application_name=bench-postgraphile`;
const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: values.schemas.split(',') })],
  grafast: { explain: false },
  grafserv: { graphiql: false, watch: false },
});
// createHandler is deprecated only for websockets, which the bench does not use; it lets /health be answered first.
const handle = pgl.createServ(grafserv).createHandler();
const server = createServer((req, res) => {
  if (req.url === '/health') res.writeHead(200).end('ok');
  else handle(req, res);
});
server.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
});
