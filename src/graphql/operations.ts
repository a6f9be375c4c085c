// Operations the gateway has already answered once through the full GraphQL pipeline. A document that
// yoga parsed, validated, checked against every limit (tokens, depth, aliases, directives,
// introspection) and executed without an error is kept here with its parsed form, so the next request
// carrying the same text can run straight away. Nothing a caller says can put a document here: only a
// successful answer from the full pipeline does.
import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { estimateCost } from './cost.js';

export interface KnownOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The Content-Type yoga answered this operation with, for the Accept header it was asked with. */
  contentType: string;
  /** The estimated cost, when it does not depend on variables; null when it must be estimated per request. */
  fixedCost: number | null;
}

/** The operation `operationName` picks in `document` (the only one when no name is given). */
function pickOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName == null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((o) => o.name?.value === operationName);
}

export class KnownOperations {
  private readonly known: LRUCache<string, KnownOperation>;

  constructor(
    private readonly schema: GraphQLSchema,
    max: number,
  ) {
    this.known = new LRUCache({ max });
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
    this.known.set(key, { document: input.document, operationName: input.operationName, contentType: input.contentType, fixedCost });
  }

  get size(): number {
    return this.known.size;
  }
}
