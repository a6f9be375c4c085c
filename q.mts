import { openDatabase } from './src/db/client.ts';
import { createApp } from './src/app.ts';
import { HEADLINE } from './bench/scenarios.ts';
const sqls: string[] = [];
const db = openDatabase('/tmp/syn4.db', { onQuery: (q) => sqls.push(q) });
const app = createApp({ db, log: (l) => console.log(l.error), responseCache: { enabled: false } });
for (const [label, query] of [['headline', HEADLINE], ['custom only', '{ connectors(filter: {supportLevels: [CUSTOM]}, first: 50) { edges { node { slug } } } }'], ['certified desc', '{ connectors(filter: {supportLevels: [CERTIFIED]}, orderBy: {field: NAME, direction: DESC}, first: 50) { edges { node { slug } } } }']]) {
  const body = JSON.stringify({ query });
  const once = async () => { const r = await app.fetch('http://b/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body }); return r.text(); };
  for (let i = 0; i < 20; i++) await once();
  const t = performance.now(); for (let i = 0; i < 100; i++) await once(); console.log(label, ((performance.now() - t) / 100).toFixed(2), 'ms', (await once()).slice(0, 120));
}
console.log(sqls.at(-1)!.slice(0, 1500));
