// Which errors reach the client as they are. Bad input we expect becomes a client error; anything
// else is masked, logged, and named by the request id so a user can quote it.
import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as defaultMaskError } from 'graphql-yoga';
import { isConnectionLost } from '../db/errors.js';
import { InvalidCursorError } from '../domain/connectors/page.js';
import { InputValidationError } from '../domain/errors.js';
import type { ErrorCode } from './error-codes.js';

type ErrorLog = (line: { level: 'error'; message: string } & Record<string, unknown>) => void;

export function createMaskError(log: ErrorLog, requestId: () => string | undefined) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    // Duck-typed: a GraphQLError from another copy of graphql must be unwrapped too.
    const original = error instanceof Error && 'originalError' in error ? (error as GraphQLError).originalError : error;
    if (original instanceof InputValidationError) {
      return createGraphQLError(original.message, {
        extensions: { code: 'BAD_USER_INPUT' satisfies ErrorCode satisfies ErrorCode, userErrors: original.userErrors },
      });
    }
    if (original instanceof InvalidCursorError) {
      return createGraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT' satisfies ErrorCode satisfies ErrorCode } });
    }
    const masked = defaultMaskError(error, message, isDev) as GraphQLError;
    if (masked.message !== message) return masked; // an error meant for the client, passed through as it is
    const id = requestId() ?? 'unknown';
    const cause = original instanceof Error ? original : error instanceof Error ? error : new Error(String(error));
    const causes: string[] = [];
    for (let e: unknown = cause; e instanceof Error && causes.length < 5; e = e.cause) causes.push(e.message);
    // A lost database connection is worth retrying (the pool reconnects), so the client is told that much.
    const lost = isConnectionLost(cause);
    log({ level: 'error', message: lost ? 'database connection lost' : 'unexpected error', requestId: id, error: causes.join(' <- '), stack: cause.stack });
    const said = lost ? `${message} The database could not be reached; retry shortly.` : message;
    return createGraphQLError(`${said} Quote request id ${id} when you report it.`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode, requestId: id },
    });
  };
}
