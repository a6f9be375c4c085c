// Statements built from plugin-drizzle's plan of a field, kept with the parsed document (src/db/kept.ts).
// The plan depends only on the document, the variables and what the caller may see, so a statement
// built once serves every later request with the same of those; values that vary per request stay
// placeholders.
import { Kind, visit, type ASTNode, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { Db } from '../db/client.js';
import { findKeptStatement, keptStatement } from '../db/kept.js';

/** Statements kept per field of a document: one per combination of the variables its plan reads and visibility. */
export const KEPT_STATEMENTS_PER_FIELD = 100;

const fieldVariables = new WeakMap<FieldNode, string[]>();

/**
 * The variables the plan of the field `info` resolves can depend on: those used in its arguments,
 * directives and selection (fragments spread beneath included), less `argument`'s own variable when
 * it is used nowhere else (it is passed as a placeholder). Worked out once per field node.
 */
function planVariables(info: GraphQLResolveInfo, argument: string): string[] {
  const node = info.fieldNodes[0]!;
  let names = fieldVariables.get(node);
  if (names) return names;
  const uses = new Map<string, number>();
  const fragments = new Set<string>();
  const count = (root: ASTNode) =>
    visit(root, {
      Variable: (v) => void uses.set(v.name.value, (uses.get(v.name.value) ?? 0) + 1),
      FragmentSpread: (spread) => {
        const fragment = info.fragments[spread.name.value];
        if (fragment && !fragments.has(spread.name.value)) {
          fragments.add(spread.name.value);
          count(fragment);
        }
      },
    });
  for (const field of info.fieldNodes) count(field);
  const value = node.arguments?.find((a) => a.name.value === argument)?.value;
  if (value?.kind === Kind.VARIABLE && uses.get(value.name.value) === 1) uses.delete(value.name.value);
  names = [...uses.keys()].sort();
  fieldVariables.set(node, names);
  return names;
}

/** Keys of plans that read no variables, by their one frozen scope object (the usual visibility). */
const scopeKeys = new WeakMap<object, string>();

/** The key a planned statement is kept under for the field `info` resolves. */
function planKey(info: GraphQLResolveInfo, placeholderArgument: string, scope: unknown[]): string {
  const names = planVariables(info, placeholderArgument);
  const only = scope.length === 1 ? scope[0] : undefined;
  if (names.length === 0 && typeof only === 'object' && only !== null && Object.isFrozen(only)) {
    let key = scopeKeys.get(only);
    if (key === undefined) scopeKeys.set(only, (key = JSON.stringify([[], scope])));
    return key;
  }
  return JSON.stringify([names.map((name) => info.variableValues[name]), scope]);
}

/**
 * The statement for the field `info` resolves, built with `build` the first time. It is kept per
 * value of the variables its plan can depend on and per `scope` (everything else it is built from,
 * e.g. the visibility). `placeholderArgument` names the argument passed as a placeholder: a variable
 * given only for it is not part of the key, so `connector(slug: $slug)` keeps one statement, not one
 * per slug.
 */
export function plannedStatement<T extends object>(db: Db, info: GraphQLResolveInfo, placeholderArgument: string, scope: unknown[], build: () => T): T {
  return keptStatement(db, info.fieldNodes[0]!, planKey(info, placeholderArgument, scope), KEPT_STATEMENTS_PER_FIELD, build);
}

/** The statement `plannedStatement` keeps for the same field, variables and scope, if it has built one. */
export function findPlannedStatement<T extends object>(db: Db, info: GraphQLResolveInfo, placeholderArgument: string, scope: unknown[]): T | undefined {
  return findKeptStatement<T>(db, info.fieldNodes[0]!, planKey(info, placeholderArgument, scope));
}

/** What a `plannedRows.kept` function returns when no statement is kept for the request yet. */
export const NOT_KEPT: unique symbol = Symbol('not kept');

/**
 * The `plannedRows` extension of a root field whose rows (and everything beneath them: relations,
 * selected columns) come from plugin-drizzle's plan of that same field. In a compiled operation
 * (src/graphql/operations.ts) the fields beneath then read those rows directly instead of looking up
 * the mappings plugin-drizzle records per request. `kept`, when given, answers from a statement kept
 * for the document without planning again, or returns NOT_KEPT to have the field resolved in full.
 */
export interface PlannedRows {
  kept?: (root: unknown, args: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) => unknown;
}
