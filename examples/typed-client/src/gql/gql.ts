/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query SupportedWithSla($deployment: Deployment!, $first: Int!) {\n    connectors(filter: { supportedOn: $deployment, withSla: true }, first: $first) {\n      totalCount\n      edges {\n        node {\n          slug\n          name\n          supportLevel\n          support(deployment: $deployment) {\n            officialSla\n            channel\n          }\n        }\n      }\n    }\n  }\n": typeof types.SupportedWithSlaDocument,
    "\n  mutation CertifyDryRun($slug: String!, $reason: String!) {\n    certifyConnector(input: { connectorSlug: $slug, reason: $reason, dryRun: true }) {\n      fromLevel\n      toLevel\n      newSlaDeployments\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": typeof types.CertifyDryRunDocument,
};
const documents: Documents = {
    "\n  query SupportedWithSla($deployment: Deployment!, $first: Int!) {\n    connectors(filter: { supportedOn: $deployment, withSla: true }, first: $first) {\n      totalCount\n      edges {\n        node {\n          slug\n          name\n          supportLevel\n          support(deployment: $deployment) {\n            officialSla\n            channel\n          }\n        }\n      }\n    }\n  }\n": types.SupportedWithSlaDocument,
    "\n  mutation CertifyDryRun($slug: String!, $reason: String!) {\n    certifyConnector(input: { connectorSlug: $slug, reason: $reason, dryRun: true }) {\n      fromLevel\n      toLevel\n      newSlaDeployments\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": types.CertifyDryRunDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SupportedWithSla($deployment: Deployment!, $first: Int!) {\n    connectors(filter: { supportedOn: $deployment, withSla: true }, first: $first) {\n      totalCount\n      edges {\n        node {\n          slug\n          name\n          supportLevel\n          support(deployment: $deployment) {\n            officialSla\n            channel\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SupportedWithSla($deployment: Deployment!, $first: Int!) {\n    connectors(filter: { supportedOn: $deployment, withSla: true }, first: $first) {\n      totalCount\n      edges {\n        node {\n          slug\n          name\n          supportLevel\n          support(deployment: $deployment) {\n            officialSla\n            channel\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CertifyDryRun($slug: String!, $reason: String!) {\n    certifyConnector(input: { connectorSlug: $slug, reason: $reason, dryRun: true }) {\n      fromLevel\n      toLevel\n      newSlaDeployments\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CertifyDryRun($slug: String!, $reason: String!) {\n    certifyConnector(input: { connectorSlug: $slug, reason: $reason, dryRun: true }) {\n      fromLevel\n      toLevel\n      newSlaDeployments\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;