// The schema graphql-jit compiles against, and which documents it may run. This is the one module that
// reads Pothos plugin internals (the field extensions plugin-drizzle, plugin-zod and plugin-scope-auth
// leave on the schema); each use names the plugin behaviour it relies on.
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { z } from 'zod';
import type { Context } from '../context.js';
import { deepFreeze } from './kept.js';
import { findPlannedStatement, firstRow, type OneRowStatement, type PlannedRows } from './planned-statements.js';

/** The operation `operationName` picks in `document` (the only one when no name is given). */
export function pickOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName == null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((o) => o.name?.value === operationName);
}

/**
 * Whether graphql-jit may run this document. plugin-drizzle resolves relation and `select` fields
 * (marked `pothosDrizzleSelect`) through mappings it records per request and finds again by the
 * identity of graphql-js's response-path objects; graphql-jit builds a new path object on every call,
 * so such a field would miss its mapping and load its rows with a second statement. In the compiled
 * schema such fields read the row directly instead, which is right only for rows plugin-drizzle
 * loaded for this document's own plan: so every such field must lie beneath a root field marked
 * `plannedRows`, and read only its row (no auth scopes of its own or of its type).
 *
 * The plan merges every field's selection into one query; a field whose selection conflicts with one
 * already merged (the same relation with other arguments) would load on its own, and reading the row
 * would give it the other field's rows. The gateway's fields that load the same relation share one
 * order (BREAKING_CHANGES_ORDER), which test/fast-path.test.ts checks against graphql-js.
 */
export function jitSafe(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): boolean {
  const operation = pickOperation(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk = (type: GraphQLNamedType | undefined, set: SelectionSetNode, planned: boolean): boolean => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        if (!isObjectType(type) && !isInterfaceType(type)) return false;
        const field = type.getFields()[selection.name.value];
        if (!field) return false;
        if (field.extensions?.pothosDrizzleSelect && !(planned && readsOnlyItsRow(type, field))) return false;
        const plannedBeneath = planned || (type === root && field.extensions?.plannedRows != null);
        if (selection.selectionSet && !walk(getNamedType(field.type), selection.selectionSet, plannedBeneath)) return false;
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) return false;
        const on = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        if (!walk(on, fragment.selectionSet, planned)) return false;
      }
    }
    return true;
  };
  return walk(root, operation.selectionSet, false);
}

/** Whether a field or type has plugin-scope-auth's scopes in front of its resolvers. */
function authScoped(extensions: { pothosOptions?: unknown } | null | undefined): boolean {
  return !!(extensions?.pothosOptions as { authScopes?: unknown } | undefined)?.authScopes;
}

/** Whether a plugin-drizzle field's own resolver reads the parent row and nothing else stands in front of it. */
function readsOnlyItsRow(type: GraphQLObjectType | GraphQLInterfaceType, field: GraphQLField<unknown, unknown>): boolean {
  return typeof field.extensions?.pothosOriginalResolve === 'function' && !authScoped(field.extensions) && !authScoped(type.extensions);
}

/**
 * The schema graphql-jit compiles against: the same types and resolvers, except that
 * - a field marked `rowProperty` has no resolver, so the compiled code reads the property inline;
 * - a plugin-drizzle field resolves with its own resolver on the parent row, without the mapping
 *   lookup plugin-drizzle wraps it in (see `jitSafe` for when that is right);
 * - a field whose arguments only plugin-zod checks validates them synchronously (`syncValidation`);
 * - a root field marked `plannedRows` with `keptBy` answers from its kept statement when there is one,
 *   without planning again.
 */
export function compiledSchema(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, name, typeName) => {
      const extensions = field.extensions ?? {};
      if (extensions.rowProperty === true) return { ...field, resolve: undefined };
      if (extensions.pothosDrizzleSelect && typeof extensions.pothosOriginalResolve === 'function') {
        // An exposed column of the field's own name is read inline too.
        if (extensions.pothosExposedField === name) return { ...field, resolve: undefined };
        return { ...field, resolve: extensions.pothosOriginalResolve as GraphQLFieldResolver<unknown, unknown> };
      }
      const validated = authScoped(schema.getType(typeName)?.extensions) ? null : syncValidation(field);
      if (validated) return { ...field, resolve: validated };
      const keptBy = (extensions.plannedRows as PlannedRows | undefined)?.keptBy;
      const full = field.resolve;
      if (keptBy && full) {
        return {
          ...field,
          resolve: (root, args, ctx, info) => {
            const statement = findPlannedStatement<OneRowStatement>(ctx as Context, info, keptBy);
            return statement ? firstRow(statement, keptBy, args[keptBy]) : full(root, args, ctx, info);
          },
        };
      }
      return field;
    },
  });
}

/**
 * For a field whose arguments plugin-zod validates: its own resolver behind the same validators,
 * parsed synchronously (plugin-zod parses asynchronously, which makes every list a promise). Only for
 * a field with nothing else in front of its resolver (no auth scopes, no argument mapping such as
 * global IDs, no field-level `validate`). Invalid arguments throw, the compiled operation ends with an
 * error, and the request goes to yoga, which words the error as it always does. Null otherwise.
 */
function syncValidation(field: GraphQLFieldConfig<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> | null {
  const extensions = field.extensions ?? {};
  const original = extensions.pothosOriginalResolve;
  const options = extensions.pothosOptions as { validate?: unknown } | undefined;
  const mappers = extensions.pothosArgMappers as unknown[] | undefined;
  const validators = Object.entries(field.args ?? {}).filter(([, arg]) => arg.extensions?.validator);
  if (!validators.length || typeof original !== 'function' || authScoped(extensions) || options?.validate || mappers?.length) return null;
  const args = z.looseObject(Object.fromEntries(validators.map(([name, arg]) => [name, arg.extensions!.validator as z.ZodType])));
  const resolve = original as GraphQLFieldResolver<unknown, unknown>;
  // Arguments written as literals parse to the same value on every request: parsed once per field node.
  const parsed = new WeakMap<FieldNode, Readonly<Record<string, unknown>>>();
  return (root, raw, ctx, info) => {
    // (`fieldNodes` is absent only when a test calls the resolver by hand.)
    const node = info.fieldNodes?.length === 1 ? info.fieldNodes[0]! : null;
    if (!node || usesVariables(node)) return resolve(root, args.parse(raw), ctx, info);
    let values = parsed.get(node);
    if (!values) parsed.set(node, (values = deepFreeze(args.parse(raw))));
    return resolve(root, values, ctx, info);
  };
}

const variableUse = new WeakMap<FieldNode, boolean>();

/** Whether a field's arguments name a variable anywhere (their values may then change from one request to the next). */
function usesVariables(node: FieldNode): boolean {
  let uses = variableUse.get(node);
  if (uses === undefined) {
    uses = false;
    for (const argument of node.arguments ?? []) visit(argument, { Variable: () => void (uses = true) });
    variableUse.set(node, uses);
  }
  return uses;
}
