// The cluster script's Node balancer (scripts/cluster.mjs's createBalancer) in a process of its own, so the
// bench can measure its CPU apart from the load generator's.
//   node bench/balancer.mjs --port P --gateway http://127.0.0.1:A [--gateway http://127.0.0.1:B …]
import { parseArgs } from 'node:util';
import { createBalancer } from '../scripts/cluster.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, gateway: { type: 'string', multiple: true } } });
if (!values.port || !values.gateway?.length) throw new Error('--port and at least one --gateway are required');
const server = createBalancer(values.gateway);
server.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
