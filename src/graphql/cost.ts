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
      if (first != null) times = Math.max(first, 1);
      // `edges` of a paginated field are the `first` items already counted.
      else if (isListType(unwrapped) && !(paginated && (sel.name.value === 'edges' || sel.name.value === 'nodes'))) times = LIST_ESTIMATE;
      total += times * (1 + cost(sel.selectionSet, named, first != null, depth + 1));
    }
    return total;
  };
  return cost(operation.selectionSet, root, false, 0);
}
