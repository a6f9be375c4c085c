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
import type { ErrorCode } from './error-codes.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxBodyBytes: number;
  introspection: boolean;
}

/**
 * Gives an Armor rejection our code, a 400 status and a message naming the limit, its setting and the
 * value found (Armor reports every limit as a "Syntax Error"; its own text gives the count found).
 */
const tag = (code: ErrorCode, what: string, setting: string, limit: number) => [
  (_ctx: unknown, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message)?.[1];
    error.message = found
      ? `The query uses ${found} ${what}; the limit is ${limit} (${setting}).`
      : `The query has more than ${limit} ${what}; the limit is ${limit} (${setting}).`;
    Object.assign(error.extensions as Record<string, unknown>, { code, limit, ...(found ? { found: Number(found) } : {}), http: { status: 400 } });
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
              `The query's estimated cost is ${cost}, over the limit of ${limits.maxCost} (MAX_COST). Ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
              { extensions: { code: 'COST_LIMIT_EXCEEDED' satisfies ErrorCode, cost, maxCost: limits.maxCost, http: { status: 400 } } },
            ),
          ],
        });
      }
    },
  };
}

/** Quoted text longer than this in an error message is cut: a message names what was wrong, it does not echo it. */
const QUOTE_MAX = 40;

// graphql-js: `Variable "$x" got invalid value <the value> [at "x.y"]; <why>[: <the value again>]`.
const VARIABLE_VALUE = /^(Variable "\$[^"]*") got invalid value .*?((?: at "[^"]*")?); (.*)$/s;

/**
 * An error message that names what is wrong without echoing what was sent: a variable's value is
 * left out, and long quoted parts (a field name, a parameter) are shortened.
 */
export function withoutEcho(message: string): string {
  const variable = VARIABLE_VALUE.exec(message);
  if (variable) message = `${variable[1]} got an invalid value${variable[2]}: ${variable[3]!.replace(/: .*$/s, '')}.`;
  return message.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) =>
    inner.length > QUOTE_MAX ? `"${inner.slice(0, QUOTE_MAX)}…" (${inner.length} characters)` : whole,
  );
}

/**
 * Request errors say what was wrong without echoing the request back: graphql-js and yoga quote a
 * bad field name, variable value or body in their messages, and yoga adds the JSON parser's message
 * (with the body's text) as `originalError`. graphql-js's request errors found while preparing
 * execution (an unknown operation name, a variable of the wrong type) get a code here too.
 */
function useRequestErrors(): Plugin {
  return {
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const one of results) {
        if (!one || typeof one !== 'object' || !('errors' in one) || !Array.isArray(one.errors)) continue;
        for (const error of one.errors as GraphQLError[]) {
          error.message = withoutEcho(error.message);
          const extensions = error.extensions as Record<string, unknown> | undefined;
          if (!extensions) continue;
          if (extensions.originalError) {
            // yoga answers 400 (not GraphQL over HTTP's 200) because the parser's error is there: keep that status.
            delete extensions.originalError;
            extensions.http = { status: 400 };
          }
          if (!extensions.code) extensions.code = 'BAD_REQUEST' satisfies ErrorCode;
        }
      }
    },
  };
}

export function limitPlugins(limits: Limits): Plugin[] {
  const plugins: Plugin[] = [
    useRequestErrors(),
    maxTokensPlugin({ n: limits.maxTokens, onReject: tag('TOKEN_LIMIT_EXCEEDED', 'tokens', 'MAX_TOKENS', limits.maxTokens) }) as Plugin,
    maxDepthPlugin({
      n: limits.maxDepth,
      flattenFragments: true,
      onReject: tag('DEPTH_LIMIT_EXCEEDED', 'levels of nested selections', 'MAX_DEPTH', limits.maxDepth),
    }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, onReject: tag('ALIAS_LIMIT_EXCEEDED', 'aliases', 'MAX_ALIASES', limits.maxAliases) }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject: tag('DIRECTIVE_LIMIT_EXCEEDED', 'directives', 'MAX_DIRECTIVES', limits.maxDirectives) }) as Plugin,
    useCostLimit(limits),
  ];
  if (!limits.introspection) {
    plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  }
  return plugins;
}
