// Operations the gateway has already answered once through the full GraphQL pipeline. A document that
// yoga parsed, validated, checked against every limit (tokens, depth, aliases, directives,
// introspection) and executed without an error is kept here with its parsed form, so the next request
// carrying the same text can run straight away. Nothing a caller says can put a document here: only a
// successful answer from the full pipeline does.
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type NonNullTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Context } from '../context.js';
import { estimateCost } from './cost.js';
import { NOT_KEPT, type PlannedRows } from './planned-statements.js';

export interface KnownOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The Content-Type yoga answered this operation with, for the Accept header it was asked with. */
  contentType: string;
  /** The estimated cost, when it does not depend on variables; null when it must be estimated per request. */
  fixedCost: number | null;
  /** The operation compiled by graphql-jit, when it is safe to run that way (see `jitSafe`); else null. */
  compiled: CompiledQuery | null;
  /**
   * Required variables with a default, compiled as nullable ones (see `compile`): a request that
   * sends one of them as null runs on graphql-js, which refuses it as the full pipeline does.
   */
  loosened: readonly string[];
}

/** Whether a request with these variables may run the compiled operation. */
export function runsCompiled(known: KnownOperation, variables: Readonly<Record<string, unknown>>): boolean {
  if (!known.compiled) return false;
  for (const name of known.loosened) if (variables[name] === null) return false;
  return true;
}

/**
 * Whether graphql-jit may run this document. plugin-drizzle resolves relation and `select` fields
 * (marked `pothosDrizzleSelect`) through mappings it records per request and finds again by the
 * identity of graphql-js's response-path objects; graphql-jit builds a new path object on every call,
 * so such a field would miss its mapping and load its rows with a second statement. In the schema
 * graphql-jit runs on, such fields read the row directly instead (see `compiledSchema`), which is
 * right only for rows plugin-drizzle loaded for this document's own plan: so every such field must lie
 * beneath a root field marked `plannedRows` (its rows are its own plan's), and read only its row (no
 * auth scopes of its own or of its type). Documents with other such fields run on graphql-js.
 *
 * The plan merges every field's selection into one query, and a field whose selection conflicts with
 * one already merged (the same relation with other arguments) would be left out of it and load on its
 * own: reading the row would then give it the other field's rows. The gateway's relation selections
 * do not depend on arguments, and the two that load the same relation (Connector.breakingChanges and
 * supportState) share one order, BREAKING_CHANGES_ORDER (test/fast-path.test.ts compares them with graphql-js).
 */
function jitSafe(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): boolean {
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
 * - a field marked ROW_PROPERTY (its resolver returns the parent's property of the field's name,
 *   nothing else) has no resolver, so the compiled code reads the property inline;
 * - a plugin-drizzle field resolves with its own resolver on the parent row, without the mapping
 *   lookup plugin-drizzle wraps it in (see `jitSafe` for when that is right);
 * - a root field marked `plannedRows` with a `kept` function answers from a statement kept for the
 *   document when there is one, without planning again.
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
      const kept = (extensions.plannedRows as PlannedRows | undefined)?.kept;
      const full = field.resolve;
      if (kept && full) {
        return {
          ...field,
          resolve: (root, args, ctx, info) => {
            const rows = kept(root, args, ctx as Context, info);
            return rows === NOT_KEPT ? full(root, args, ctx, info) : rows;
          },
        };
      }
      return field;
    },
  });
}

/**
 * For a field whose arguments plugin-zod validates: its own resolver behind the same validators,
 * parsed synchronously. plugin-zod parses asynchronously, which made every list query a promise, so
 * each request read in one turn of the event loop waited with its whole result in memory until the
 * next (see fast-path.ts). Only for a field with nothing else in front of its resolver (no auth
 * scopes of its own or of its type, no argument mapping such as global IDs, no field-level
 * `validate`). Invalid arguments throw, the compiled operation ends with an error, and the request
 * goes to yoga, which words the error as it always does. Null when this does not apply.
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
  return (root, raw, ctx, info) => resolve(root, args.parse(raw), ctx, info);
}

/**
 * The operation compiled by graphql-jit, or null. graphql-jit (0.8.9) takes a required variable that
 * a request leaves out as missing even when it has a default (`$slug: String! = "source-github"`),
 * where graphql-js uses the default; it applies the default only to a nullable variable. Such
 * variables are therefore compiled as nullable ones: left out, they take their default; given a
 * value, it is coerced as before; given null, graphql-js runs the request instead (`runsCompiled`).
 */
function compile(schema: GraphQLSchema, jitSchema: GraphQLSchema, document: DocumentNode, operationName: string | null): { compiled: CompiledQuery | null; loosened: string[] } {
  if (!jitSafe(schema, document, operationName)) return { compiled: null, loosened: [] };
  const operation = pickOperation(document, operationName)!;
  const loosened = (operation.variableDefinitions ?? []).filter(requiredWithDefault).map((v) => v.variable.name.value);
  const compiledDocument = loosened.length
    ? visit(document, {
        VariableDefinition: (v) => (requiredWithDefault(v) ? { ...v, type: v.type.type } : undefined),
        // Only the picked operation's variables: another operation in the document keeps its own.
        OperationDefinition: (o) => (o === operation ? undefined : false),
      })
    : document;
  const compiled = compileQuery(jitSchema, compiledDocument, operationName ?? undefined);
  return isCompiledQuery(compiled) ? { compiled, loosened } : { compiled: null, loosened: [] };
}

/** A variable of a non-null type with a default value. */
function requiredWithDefault(v: VariableDefinitionNode): v is VariableDefinitionNode & { type: NonNullTypeNode } {
  return v.defaultValue !== undefined && v.type.kind === Kind.NON_NULL_TYPE;
}

/** The operation `operationName` picks in `document` (the only one when no name is given). */
function pickOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName == null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((o) => o.name?.value === operationName);
}

export class KnownOperations {
  private readonly known: LRUCache<string, KnownOperation>;
  private readonly jitSchema: GraphQLSchema;

  constructor(
    private readonly schema: GraphQLSchema,
    max: number,
  ) {
    this.known = new LRUCache({ max });
    this.jitSchema = compiledSchema(schema);
  }

  private static key(accept: string, query: string, operationName: string | null): string {
    return `${accept}\n${operationName ?? ''}\n${query}`;
  }

  get(accept: string, query: string, operationName: string | null): KnownOperation | undefined {
    return this.known.get(KnownOperations.key(accept, query, operationName));
  }

  /** Keeps a query operation that the full pipeline just answered with 200 and no errors. */
  learn(input: { accept: string; query: string; operationName: string | null; document: DocumentNode; contentType: string }): void {
    const operation = pickOperation(input.document, input.operationName);
    if (operation?.operation !== 'query') return;
    const key = KnownOperations.key(input.accept, input.query, input.operationName);
    if (this.known.has(key)) return;
    const fixedCost = operation.variableDefinitions?.length ? null : estimateCost(this.schema, input.document, input.operationName);
    this.known.set(key, {
      document: input.document,
      operationName: input.operationName,
      contentType: input.contentType,
      fixedCost,
      ...compile(this.schema, this.jitSchema, input.document, input.operationName),
    });
  }

  get size(): number {
    return this.known.size;
  }
}
