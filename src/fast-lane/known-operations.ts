// Operations the gateway has already answered once through the full GraphQL pipeline. A document that
// yoga parsed, validated, checked against every limit and executed without an error is kept here with
// its parsed form (and compiled by graphql-jit where that is safe), so the next request carrying the
// same text can run straight away. Nothing a caller says can put a document here: only a successful
// answer from the full pipeline does.
import { Kind, visit, type DocumentNode, type GraphQLSchema, type NonNullTypeNode, type VariableDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { compiledSchema, jitSafe, pickOperation } from './compiled-schema.js';

/** The estimated cost of an operation (the same estimate the full pipeline's cost limit makes). */
export type EstimateCost = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null, variables?: Record<string, unknown>) => number;

export interface KnownOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The Content-Type yoga answered this operation with, for the Accept header it was asked with. */
  contentType: string;
  /** The estimated cost, when it does not depend on variables; null when it must be estimated per request. */
  fixedCost: number | null;
  /** The operation compiled by graphql-jit, when it is safe to run that way (see `jitSafe`); else null. */
  compiled: CompiledQuery | null;
  /** Required variables with a default, compiled as nullable ones (see `compile`). */
  loosened: readonly string[];
}

/** Whether a request with these variables may run the compiled operation. */
export function runsCompiled(known: KnownOperation, variables: Readonly<Record<string, unknown>>): boolean {
  if (!known.compiled) return false;
  for (const name of known.loosened) if (variables[name] === null) return false;
  return true;
}

/** A variable of a non-null type with a default value. */
function requiredWithDefault(v: VariableDefinitionNode): v is VariableDefinitionNode & { type: NonNullTypeNode } {
  return v.defaultValue !== undefined && v.type.kind === Kind.NON_NULL_TYPE;
}

/**
 * The operation compiled by graphql-jit, or null. graphql-jit (0.8.9) takes a required variable that
 * a request leaves out as missing even when it has a default, where graphql-js uses the default; it
 * applies the default only to a nullable variable. Such variables are therefore compiled as nullable
 * ones: left out, they take their default; given null, graphql-js runs the request (`runsCompiled`).
 */
function compile(
  schema: GraphQLSchema,
  jitSchema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
): { compiled: CompiledQuery | null; loosened: string[] } {
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

export class KnownOperations {
  private readonly known: LRUCache<string, KnownOperation>;
  private readonly jitSchema: GraphQLSchema;

  constructor(
    private readonly schema: GraphQLSchema,
    max: number,
    private readonly estimateCost: EstimateCost,
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

  /** The cost of running `known` with `variables`. */
  costOf(known: KnownOperation, variables: Record<string, unknown>): number {
    return known.fixedCost ?? this.estimateCost(this.schema, known.document, known.operationName, variables);
  }

  /** Keeps a query operation that the full pipeline just answered with 200 and no errors. */
  learn(input: { accept: string; query: string; operationName: string | null; document: DocumentNode; contentType: string }): void {
    const operation = pickOperation(input.document, input.operationName);
    if (operation?.operation !== 'query') return;
    const key = KnownOperations.key(input.accept, input.query, input.operationName);
    if (this.known.has(key)) return;
    const fixedCost = operation.variableDefinitions?.length ? null : this.estimateCost(this.schema, input.document, input.operationName);
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
