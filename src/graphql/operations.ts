// Operations the gateway has already answered once through the full GraphQL pipeline. A document that
// yoga parsed, validated, checked against every limit (tokens, depth, aliases, directives,
// introspection) and executed without an error is kept here with its parsed form, so the next request
// carrying the same text can run straight away. Nothing a caller says can put a document here: only a
// successful answer from the full pipeline does.
import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { estimateCost } from './cost.js';

export interface KnownOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The Content-Type yoga answered this operation with, for the Accept header it was asked with. */
  contentType: string;
  /** The estimated cost, when it does not depend on variables; null when it must be estimated per request. */
  fixedCost: number | null;
  /** The operation compiled by graphql-jit, when it is safe to run that way (see `jitSafe`); else null. */
  compiled: CompiledQuery | null;
}

/**
 * Whether graphql-jit may run this document. plugin-drizzle resolves relation and `select` fields
 * (marked `pothosDrizzleSelect`) through mappings it records per request and finds again by the
 * identity of graphql-js's response-path objects; graphql-jit builds a new path object on every call,
 * so such a field would miss its mapping and load its rows with a second statement. Documents without
 * them (the lists of connectors, the support policy) run compiled; the others run on graphql-js.
 */
function jitSafe(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let safe = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        if (typeInfo.getFieldDef()?.extensions?.pothosDrizzleSelect) safe = false;
      },
    }),
  );
  return safe;
}

/**
 * The schema graphql-jit compiles against: the same types and resolvers, except that a field marked
 * ROW_PROPERTY (its resolver returns the parent's property of the field's name, nothing else) has no
 * resolver, so the compiled code reads the property inline instead of calling a function per field.
 */
export function compiledSchema(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => (field.extensions?.rowProperty === true ? { ...field, resolve: undefined } : field),
  });
}

function compile(schema: GraphQLSchema, jitSchema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | null {
  if (!jitSafe(schema, document)) return null;
  const compiled = compileQuery(jitSchema, document, operationName ?? undefined);
  return isCompiledQuery(compiled) ? compiled : null;
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
      compiled: compile(this.schema, this.jitSchema, input.document, input.operationName),
    });
  }

  get size(): number {
    return this.known.size;
  }
}
