// npm run schema:print: writes schema.graphql from the code-first schema.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { printableSchema } from '../graphql/schema.js';

const path = new URL('../../schema.graphql', import.meta.url);
writeFileSync(path, `${printSchema(printableSchema())}\n`);
process.stdout.write(`Wrote ${path.pathname}\n`);
