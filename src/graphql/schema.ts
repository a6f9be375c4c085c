// Registers every type module, then builds the schema.
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './enums.js';
import './errors.js';
import './support.js';
import './connector.js';
import './availability.js';
import './registry-fields.js';
import './certification.js';
import './lifecycle.js';
import './custom.js';
import './live.js';
import './webhooks.js';
import './imports.js';
import './audit.js';
import './deployment-diff.js';
import './history.js';

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

export function printableSchema(): GraphQLSchema {
  return lexicographicSortSchema(buildSchema());
}
