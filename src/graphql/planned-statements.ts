// Statements built from plugin-drizzle's plan of a field, kept with the parsed document (src/db/kept.ts).
// The plan depends only on the document, the variables and what the caller may see, so a statement
// built once serves every later request with the same of those; values that vary per request stay
// placeholders.
import { Kind, visit, type ASTNode, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { Db } from '../db/client.js';
import { keptStatement } from '../db/kept.js';

/** Statements kept per field of a document: one per combination of variables and visibility. */
export const KEPT_STATEMENTS_PER_FIELD = 100;

const argumentVariables = new WeakMap<FieldNode, string | null>();

/**
 * The variable given as the field's `argument`, when it is used nowhere else in the field's
 * selection (where it could change the plan); null otherwise. Worked out once per field node.
 */
function onlyForArgument(info: GraphQLResolveInfo, argument: string): string | null {
  const node = info.fieldNodes[0]!;
  let name = argumentVariables.get(node);
  if (name !== undefined) return name;
  const value = node.arguments?.find((a) => a.name.value === argument)?.value;
  name = value?.kind === Kind.VARIABLE ? value.name.value : null;
  if (name !== null) {
    // Every use of the variable in the fields and the fragments spread beneath them.
    let uses = 0;
    const fragments = new Set<string>();
    const count = (root: ASTNode) =>
      visit(root, {
        Variable: (v) => void (v.name.value === name && uses++),
        FragmentSpread: (spread) => {
          const fragment = info.fragments[spread.name.value];
          if (fragment && !fragments.has(spread.name.value)) {
            fragments.add(spread.name.value);
            count(fragment);
          }
        },
      });
    for (const field of info.fieldNodes) count(field);
    if (uses !== 1) name = null;
  }
  argumentVariables.set(node, name);
  return name;
}

/**
 * The statement for the field `info` resolves, built with `build` the first time. `placeholderArgument`
 * names the argument passed as a placeholder: a variable given only for it is left out of the key, so
 * `connector(slug: $slug)` keeps one statement, not one per slug. `scope` is everything else the
 * statement is built from (e.g. the visibility).
 */
export function plannedStatement<T extends object>(db: Db, info: GraphQLResolveInfo, placeholderArgument: string, scope: unknown[], build: () => T): T {
  const variables = { ...info.variableValues };
  const only = onlyForArgument(info, placeholderArgument);
  if (only) delete variables[only];
  return keptStatement(db, info.fieldNodes[0]!, JSON.stringify([variables, scope]), KEPT_STATEMENTS_PER_FIELD, build);
}
