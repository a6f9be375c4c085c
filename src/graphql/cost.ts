// A GitHub/Shopify-style cost estimate: every object a query can return counts once, and everything
// below a paginated field counts `first` times. Scalars are free. Lists without `first` (a connector's
// breaking changes, say) are assumed to hold LIST_ESTIMATE items.
import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../domain/connectors/page.js';

export const LIST_ESTIMATE = 5;

function intValue(node: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!node) return null;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) {
    const v = variables[node.name.value];
    return typeof v === 'number' ? v : null;
  }
  return null;
}

export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName)) operation ??= def;
  }
  if (!operation) return 0;
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;

  const cost = (set: SelectionSetNode, type: GraphQLCompositeType, paginated: boolean, depth: number): number => {
    if (depth > 50) return 0; // validated documents are acyclic; this only bounds the walk
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        const on = frag && schema.getType(frag.typeCondition.name.value);
        if (frag && on && isCompositeType(on)) total += cost(frag.selectionSet, on, paginated, depth + 1);
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) total += cost(sel.selectionSet, on, paginated, depth + 1);
        continue;
      }
      if (!sel.selectionSet || !('getFields' in type)) continue;
      const field = type.getFields()[sel.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      if (!isCompositeType(named)) continue;
      const first = intValue(sel.arguments?.find((a) => a.name.value === 'first')?.value, variables);
      const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
      let times = 1;
      // A `first` over the page size is refused by its own rule (BAD_USER_INPUT, naming `first`), not
      // as an expensive query: counted as the largest page, it reaches that rule.
      if (first != null) times = Math.min(Math.max(first, 1), MAX_PAGE_SIZE);
      // `edges` of a paginated field are the `first` items already counted.
      else if (isListType(unwrapped) && !(paginated && (sel.name.value === 'edges' || sel.name.value === 'nodes'))) times = LIST_ESTIMATE;
      total += times * (1 + cost(sel.selectionSet, named, first != null, depth + 1));
    }
    return total;
  };
  return cost(operation.selectionSet, root, false, 0);
}

/** The selections of `set` by response key, fragments merged in (the keys the answer's objects have). */
function collectFields(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  into = new Map<string, SelectionSetNode[]>(),
  depth = 0,
): Map<string, SelectionSetNode[]> {
  if (depth > 50) return into;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const key = sel.alias?.value ?? sel.name.value;
      const sets = into.get(key) ?? [];
      if (sel.selectionSet) sets.push(sel.selectionSet);
      into.set(key, sets);
    } else {
      const inner = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
      if (inner) collectFields(inner, fragments, into, depth + 1);
    }
  }
  return into;
}

/**
 * What an answer really cost, in the estimate's unit: every object it returns counts once (a list
 * counts its items, not its `first`). Counted from the data along the document, so a JSON scalar's
 * objects are not counted.
 */
export function actualCost(document: DocumentNode, operationName: string | null | undefined, data: unknown): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName)) operation ??= def;
  }
  if (!operation || !data || typeof data !== 'object') return 0;
  const count = (sets: SelectionSetNode[], value: unknown, depth: number): number => {
    if (value === null || typeof value !== 'object' || depth > 100) return 0;
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + count(sets, item, depth + 1), 0);
    return 1 + objectCost(sets, value as Record<string, unknown>, depth);
  };
  const objectCost = (sets: SelectionSetNode[], object: Record<string, unknown>, depth: number): number => {
    const fields = new Map<string, SelectionSetNode[]>();
    for (const set of sets) collectFields(set, fragments, fields);
    let total = 0;
    for (const [key, inner] of fields) if (inner.length && key in object) total += count(inner, object[key], depth + 1);
    return total;
  };
  return objectCost([operation.selectionSet], data as Record<string, unknown>, 0);
}
