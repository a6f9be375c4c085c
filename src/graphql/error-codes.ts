// Every `extensions.code` a top-level error can carry, declared once: where errors are made they name
// a code from here, docs/error-codes.md is generated from it (scripts/error-codes.ts), and
// test/error-codes.test.ts checks the README's table and the code against it. A mutation's expected
// failures are `userErrors` with codes of their own (UserErrorCode in the schema), not these.

export interface ErrorCodeDeclaration {
  /** When a caller gets it. */
  when: string;
  /** The HTTP status it comes with. */
  http: string;
}

export const ERROR_CODES = {
  GRAPHQL_PARSE_FAILED: { when: 'the document is not GraphQL (a syntax error)', http: '400 with `Accept: application/graphql-response+json`, else 200' },
  GRAPHQL_VALIDATION_FAILED: {
    when: 'the document does not fit the schema: an unknown field, a missing `first`, an argument of the wrong type',
    http: '400 with `Accept: application/graphql-response+json`, else 200',
  },
  BAD_USER_INPUT: { when: 'an argument breaks its rule: `first` outside 1..100 (any size), a malformed cursor', http: '200' },
  BAD_REQUEST: {
    when: 'a batch, malformed JSON, an unknown body parameter, a variable of the wrong type, a mutation over GET',
    http: '400 (405 for a mutation over GET)',
  },
  DEPTH_LIMIT_EXCEEDED: { when: 'a selection deeper than `MAX_DEPTH`', http: '400' },
  ALIAS_LIMIT_EXCEEDED: { when: 'more aliases than `MAX_ALIASES`', http: '400' },
  DIRECTIVE_LIMIT_EXCEEDED: { when: 'more directives than `MAX_DIRECTIVES`', http: '400' },
  TOKEN_LIMIT_EXCEEDED: { when: 'more tokens in the document than `MAX_TOKENS`', http: '400 with `Accept: application/graphql-response+json`, else 200' },
  COST_LIMIT_EXCEEDED: { when: "an estimated cost over `MAX_COST`, or over the caller's whole budget", http: '400' },
  THROTTLED: { when: "an estimated cost over what the caller's budget holds now; `Retry-After` says when it will", http: '429' },
  PERSISTED_QUERY_NOT_FOUND: { when: 'a `documentId` or persisted-query hash that is not in persisted-documents.json', http: '400' },
  PERSISTED_QUERY_ID_REQUIRED: { when: 'with `PERSISTED_ONLY`, a request that names no persisted operation at all', http: '400' },
  PERSISTED_QUERY_ONLY: { when: 'with `PERSISTED_ONLY`, the text of an operation that is not persisted (admin tokens excepted)', http: '403' },
  STREAM_NOT_FOUND: { when: 'on `/graphql/stream`, a stream token that names no reserved or open stream', http: '404' },
  STREAM_CONFLICT: { when: 'on `/graphql/stream`, a stream opened twice, or an operation id used twice in one stream', http: '409' },
  TOO_MANY_STREAMS: { when: 'on `/graphql/stream`, more reserved streams waiting to be opened than the server keeps', http: '503' },
  CSRF_HEADER_REQUIRED: { when: 'a GET query that carries a cookie or non-Bearer credentials, without the `x-graphql-csrf` header', http: '403' },
  UNSUPPORTED_MEDIA_TYPE: { when: 'a content type other than JSON or `application/graphql`', http: '415' },
  PAYLOAD_TOO_LARGE: { when: 'a body over `MAX_BODY_BYTES` (declared or chunked)', http: '413' },
  UNAUTHENTICATED: { when: 'a malformed, unknown or revoked token, or none where one is needed', http: '401' },
  TOKEN_EXPIRED: { when: 'a token past its expiry, or a rotated-out token past its grace period', http: '401' },
  FORBIDDEN: { when: 'a token without the scope a field needs', http: '403' },
  INTERNAL_SERVER_ERROR: {
    when: 'an unexpected error: masked, logged with its cause, named by a `requestId`',
    http: '200 in `errors` (500 if the answer breaks off)',
  },
} as const satisfies Record<string, ErrorCodeDeclaration>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The Markdown table of the codes: docs/error-codes.md and the README's table are this. */
export function errorCodesTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, { when, http }]) => `| \`${code}\` | ${when} | ${http} |`);
  return ['| `extensions.code` | when | HTTP |', '| --- | --- | --- |', ...rows].join('\n');
}

/** docs/error-codes.md, whole. */
export function errorCodesDocument(): string {
  return `# Error codes

<!-- Generated from src/graphql/error-codes.ts by \`npm run -s docs:error-codes\`; do not edit. -->

Every top-level error carries an \`extensions.code\`; this is the whole list. A mutation's expected
failures are \`userErrors\` with codes of their own (\`UserErrorCode\` in the schema). Messages name
the rule and the value at fault (a limit names its setting), never echo what was sent back: a
variable's value is left out and long names are cut. A refused query still reports its cost
(\`extensions.cost\`, see [fair-use.md](fair-use.md)).

${errorCodesTable()}
`;
}
