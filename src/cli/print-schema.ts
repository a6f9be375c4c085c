// npm run schema:print: writes schema.graphql from the code-first schema.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { printableSchema } from '../graphql/schema.js';

// The checkout's schema.graphql, from src/cli/ (run as .ts) or from dist/src/cli/ (compiled).
const path = new URL(import.meta.url.endsWith('.ts') ? '../../schema.graphql' : '../../../schema.graphql', import.meta.url);
writeFileSync(path, `${printSchema(printableSchema())}\n`);
process.stdout.write(`Wrote ${path.pathname}\n`);
