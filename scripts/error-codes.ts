// Writes docs/error-codes.md from the one declaration of error codes (src/graphql/error-codes.ts).
// npm run -s docs:error-codes; test/error-codes.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { errorCodesDocument } from '../src/graphql/error-codes.js';

writeFileSync(new URL('../docs/error-codes.md', import.meta.url), errorCodesDocument());
