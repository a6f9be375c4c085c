// GraphQL limits: graphql-armor's checks on the document and our cost estimate, before anything
// executes. Every rejection has a clear message, an `extensions.code` and an HTTP status; the limits
// are settings (see config.ts). The HTTP checks before parsing live in src/http/checks.ts.
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { estimateCost } from './cost.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxBodyBytes: number;
  introspection: boolean;
}

/** Gives an Armor rejection our code and a 400 status. */
const tag = (code: string) => [
  (_ctx: unknown, error: GraphQLError) => {
    (error.extensions as Record<string, unknown>).code = code;
    (error.extensions as Record<string, unknown>).http = { status: 400 };
  },
];

/** Rejects an operation whose estimated cost is over the budget, before it runs. */
function useCostLimit(limits: Limits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = estimateCost(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
      if (cost > limits.maxCost) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(
              `The query's estimated cost is ${cost}, over the budget of ${limits.maxCost}. Ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
              { extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost: limits.maxCost, http: { status: 400 } } },
            ),
          ],
        });
      }
    },
  };
}

/**
 * graphql-js reports request errors found while preparing execution (an unknown operation name, a
 * subscription this schema does not serve, a variable of the wrong type) without a code; give them one.
 */
function useRequestErrorCodes(): Plugin {
  return {
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const one of results) {
        if (!one || typeof one !== 'object' || !('errors' in one) || !Array.isArray(one.errors)) continue;
        for (const error of one.errors as GraphQLError[]) {
          const extensions = error.extensions as Record<string, unknown> | undefined;
          if (extensions && !extensions.code) extensions.code = 'BAD_REQUEST';
        }
      }
    },
  };
}

export function limitPlugins(limits: Limits): Plugin[] {
  const plugins: Plugin[] = [
    useRequestErrorCodes(),
    maxTokensPlugin({ n: limits.maxTokens, onReject: tag('TOKEN_LIMIT_EXCEEDED') }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, onReject: tag('DEPTH_LIMIT_EXCEEDED') }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, onReject: tag('ALIAS_LIMIT_EXCEEDED') }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject: tag('DIRECTIVE_LIMIT_EXCEEDED') }) as Plugin,
    useCostLimit(limits),
  ];
  if (!limits.introspection) {
    plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  }
  return plugins;
}
