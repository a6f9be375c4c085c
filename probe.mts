import { serverAudits } from 'graphql-http';
import { createHarness } from './test/helpers/harness.ts';
const h = createHarness();
const audits = serverAudits({ url: 'http://yoga/graphql', fetchFn: (input: any, init: any) => h.app.fetch(input, init) });
const results = await Promise.all(audits.map(async (a) => ({ name: a.name, ...(await a.fn()) })));
for (const r of results) if (r.status !== 'ok') console.log(r.status, r.name, '|', (r as any).reason);
console.log(results.length, results.filter((r) => r.status === 'ok').length);
