import { defineConfig } from 'drizzle-kit';

// The PostgreSQL schema (derived from src/db/schema.ts) and its own migrations: `npm run db:generate:pg`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg-schema.ts',
  out: './migrations-pg',
});
