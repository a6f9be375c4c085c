// A minimal typed GraphQL client: the document carries its result and variable types, so the
// compiler checks every field a caller reads and every variable it sends.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export class GraphQLRequestError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
}

export async function request<Result, Variables>(
  endpoint: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  token?: string,
): Promise<Result> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as { data?: Result; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  return body.data as Result;
}
