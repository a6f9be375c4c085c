// Statements built from plugin-drizzle's plan of a root field, kept with the parsed document. The plan
// depends only on the document, the variables its selection uses and what the caller may see, so a
// statement built once serves every later request with the same of those; the value of the field's
// own key argument (a slug) stays a placeholder.
import { Kind, visit, type ASTNode, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { type MaybePromise, runPrepared, thenNow } from '../db/maybe-async.js';
import { findKeptStatement, keptStatement } from './kept.js';

/** Statements kept per field of a document: one per combination of the variables its plan reads and visibility. */
export const KEPT_STATEMENTS_PER_FIELD = 100;

/** A kept statement that reads one row by its key argument, bound by name (either engine's: see runPrepared). */
export interface OneRowStatement {
  execute(values: Record<string, unknown>): unknown;
}

/**
 * The `plannedRows` extension of a root field whose rows (and everything beneath them: relations,
 * selected columns) come from plugin-drizzle's plan of that same field. A compiled operation then
 * reads the rows beneath directly (src/fast-lane/compiled-schema.ts). With `keptBy`, the field answers
 * one row from a statement kept by `plannedStatement` with that argument as its placeholder.
 */
export interface PlannedRows {
  keptBy?: string;
}

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

/** Keys of plans that read no variables, by their one frozen visibility object (the usual case). */
const scopeKeys = new WeakMap<object, string>();

/** The key a planned statement is kept under: the variables its plan reads and who is asking. */
function planKey(info: GraphQLResolveInfo, placeholder: string, visibility: object): string {
  const names = planVariables(info, placeholder);
  if (names.length === 0 && Object.isFrozen(visibility)) {
    let key = scopeKeys.get(visibility);
    if (key === undefined) scopeKeys.set(visibility, (key = JSON.stringify([[], visibility])));
    return key;
  }
  return JSON.stringify([names.map((name) => info.variableValues[name]), visibility]);
}

/** The statement for the field `info` resolves, built with `build` the first time (see the file's head). */
export function plannedStatement<T extends object>(ctx: Context, info: GraphQLResolveInfo, placeholder: string, build: () => T): T {
  return keptStatement(ctx.db, info.fieldNodes[0]!, planKey(info, placeholder, ctx.visibility), KEPT_STATEMENTS_PER_FIELD, build);
}

/** The statement `plannedStatement` keeps for the same field, variables and caller, if it has built one. */
export function findPlannedStatement<T extends object>(ctx: Context, info: GraphQLResolveInfo, placeholder: string): T | undefined {
  return findKeptStatement<T>(ctx.db, info.fieldNodes[0]!, planKey(info, placeholder, ctx.visibility));
}

/** The one row a kept statement reads for `key`, or null: at once on SQLite, a promise on PostgreSQL. */
export function firstRow(statement: OneRowStatement, placeholder: string, key: unknown): MaybePromise<unknown> {
  return thenNow(runPrepared<unknown[]>(statement, { [placeholder]: key }), (rows) => rows[0] ?? null);
}
