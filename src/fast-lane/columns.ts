// Which table columns a selection reads, derived from what each field declares it reads (`reads`),
// never from a second hand-kept list. A list or detail whose fields all declare their columns is
// read with just those columns; one field that declares nothing (it may need anything) makes the
// caller read whole rows.
import { getNamedType, isObjectType, Kind, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** What a field tells the fast lane it reads of its parent row. */
export interface Reads {
  /** The parent row's columns the field reads. */
  columns: readonly string[];
  /** Set for a field whose data plugin-drizzle's plan loads beside the row (a relation, a `select` field). */
  planned?: true;
}

/**
 * The extensions of a field that reads only `columns` of its parent row. `rowProperty` when its
 * resolver returns the row's property of the field's own name, so a compiled operation reads it inline.
 */
export function reads(columns: readonly string[], options: { rowProperty?: boolean; planned?: boolean } = {}): { reads: Reads; rowProperty?: true } {
  const declared: Reads = { columns, ...(options.planned ? { planned: true as const } : {}) };
  return options.rowProperty ? { reads: declared, rowProperty: true } : { reads: declared };
}

/** The extensions of a field that only passes its parent's property of the same name on (a page's edges). */
export const ROW_PROPERTY = { rowProperty: true } as const;

function readsOf(field: GraphQLField<unknown, unknown> | undefined): Reads | undefined {
  return field?.extensions?.reads as Reads | undefined;
}

type Start = 'connection' | 'node';
type Level = 'connection' | 'edge' | 'node';

const known = new Map<string, WeakMap<FieldNode, ReadonlySet<string> | null>>();

/**
 * The columns the nodes of the field `info` resolves read: from a connection's selection
 * (`edges { node { … } }`) or from a node's own. Null when a field declares nothing, or declares a
 * planned relation and `withPlanned` is false. Directives are not evaluated (a field under
 * `@include(if: false)` still counts). Worked out once per field node when the field is asked once.
 */
export function selectedColumns(info: GraphQLResolveInfo, start: Start, withPlanned: boolean): ReadonlySet<string> | null {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  const memo = `${start}:${withPlanned}`;
  let byNode = known.get(memo);
  if (!byNode) known.set(memo, (byNode = new WeakMap()));
  if (single && byNode.has(single)) return byNode.get(single)!;
  const type = getNamedType(info.returnType);
  const nodeType = start === 'node' ? type : nodeTypeOf(type);
  const columns = new Set<string>();
  const all = !!nodeType && info.fieldNodes.every((node) => visit(node.selectionSet, start, nodeType, info.fragments, withPlanned, columns));
  const result = all ? columns : null;
  if (single) byNode.set(single, result);
  return result;
}

/** The node type of a connection type (`edges { node }`). */
function nodeTypeOf(connection: ReturnType<typeof getNamedType>) {
  if (!isObjectType(connection)) return undefined;
  const edge = getNamedType(connection.getFields().edges?.type);
  return isObjectType(edge) ? getNamedType(edge.getFields().node?.type) : undefined;
}

function visit(
  set: SelectionSetNode | undefined,
  level: Level,
  nodeType: ReturnType<typeof getNamedType>,
  fragments: GraphQLResolveInfo['fragments'],
  withPlanned: boolean,
  columns: Set<string>,
): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      if (!fragment || !visit(fragment.selectionSet, level, nodeType, fragments, withPlanned, columns)) return false;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!visit(selection.selectionSet, level, nodeType, fragments, withPlanned, columns)) return false;
    } else if (level === 'connection') {
      if (selection.name.value === 'edges' && !visit(selection.selectionSet, 'edge', nodeType, fragments, withPlanned, columns)) return false;
    } else if (level === 'edge') {
      if (selection.name.value === 'node' && !visit(selection.selectionSet, 'node', nodeType, fragments, withPlanned, columns)) return false;
    } else {
      const name = selection.name.value;
      if (name === '__typename') continue;
      const declared = isObjectType(nodeType) ? readsOf(nodeType.getFields()[name]) : undefined;
      if (!declared || (declared.planned && !withPlanned)) return false;
      for (const column of declared.columns) columns.add(column);
    }
  }
  return true;
}

const onlyNodes = new WeakMap<FieldNode, boolean>();

/**
 * Whether a connection's selection asks for nothing but its nodes (`edges { node { … } }`, fragments
 * included): no cursor, no pageInfo, no count. Its rows then need no column beyond what the nodes read.
 * Worked out once per field node.
 */
export function selectsOnlyNodes(info: GraphQLResolveInfo): boolean {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  let only = single ? onlyNodes.get(single) : undefined;
  if (only === undefined) {
    only = info.fieldNodes.every((node) => nothingBut(node.selectionSet, 'edges', info.fragments, (edges) => nothingBut(edges, 'node', info.fragments)));
    if (single) onlyNodes.set(single, only);
  }
  return only;
}

/** Whether `set` selects only the field `name` (and __typename), and `inner` holds for each selection of it. */
function nothingBut(
  set: SelectionSetNode | undefined,
  name: string,
  fragments: GraphQLResolveInfo['fragments'],
  inner: (set: SelectionSetNode | undefined) => boolean = () => true,
): boolean {
  return (set?.selections ?? []).every((selection) => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      return !!fragment && nothingBut(fragment.selectionSet, name, fragments, inner);
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) return nothingBut(selection.selectionSet, name, fragments, inner);
    if (selection.name.value === '__typename') return true;
    return selection.name.value === name && inner(selection.selectionSet);
  });
}
