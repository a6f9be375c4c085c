/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Where a connector runs. */
export type Deployment =
  /** Airbyte Cloud, the hosted service. */
  | 'CLOUD'
  /** Community (OSS): Airbyte Open Source, self-hosted without a contract. */
  | 'COMMUNITY_OSS'
  /** Powered by Airbyte: Airbyte embedded in a partner product. */
  | 'POWERED_BY_AIRBYTE'
  /** Self-Managed Enterprise: run by the customer under an enterprise contract. */
  | 'SELF_MANAGED_ENTERPRISE';

/** Where a customer takes a problem with a connector. */
export type SupportChannel =
  /** The community Slack. */
  | 'COMMUNITY_SLACK'
  /** Nowhere: no support. */
  | 'NONE'
  /** Premium Support, under the official SLA. */
  | 'PREMIUM_SUPPORT'
  /** The support portal: addressed as soon as possible, without an SLA. */
  | 'SUPPORT_PORTAL';

/** Who maintains a connector and what support it comes with. Stable keys; display labels are in `supportLevels`. */
export type SupportLevel =
  /** Removed for low use or lack of maintenance; no updates or support. */
  | 'ARCHIVED'
  /** Maintained by the vendor and production ready; breaking changes come with an adequate upgrade window. */
  | 'CERTIFIED'
  /** Maintained by users; no SLA, may break without notice, may be certified at any time. */
  | 'COMMUNITY'
  /** Built and maintained by a customer for its own use. */
  | 'CUSTOM'
  /** A premium connector maintained by the vendor; needs an extra license. */
  | 'ENTERPRISE';

/** Why a mutation refused its input. Branch on this, not on the message. */
export type UserErrorCode =
  /** The change conflicts with the current state. */
  | 'CONFLICT'
  /** The token may not change this connector. */
  | 'FORBIDDEN'
  /** The connector is not at a level this change applies to. */
  | 'INVALID_TRANSITION'
  /** The connector named does not exist. */
  | 'NOT_FOUND'
  /** The connector changed since the revision you gave. */
  | 'STALE_REVISION'
  /** An input field breaks a rule; `field` names it. */
  | 'VALIDATION';

export type SupportedWithSlaQueryVariables = Exact<{
  deployment: Deployment;
  first: number;
}>;


export type SupportedWithSlaQuery = { connectors: { totalCount: number, edges: Array<{ node: { slug: string, name: string, supportLevel: SupportLevel, support: { officialSla: boolean, channel: SupportChannel } } }> } };

export type CertifyDryRunMutationVariables = Exact<{
  slug: string;
  reason: string;
}>;


export type CertifyDryRunMutation = { certifyConnector: { fromLevel: SupportLevel | null, toLevel: SupportLevel | null, newSlaDeployments: Array<Deployment>, userErrors: Array<{ code: UserErrorCode, message: string }> } };


export const SupportedWithSlaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SupportedWithSla"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"deployment"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Deployment"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectors"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"supportedOn"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deployment"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"withSla"},"value":{"kind":"BooleanValue","value":true}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"supportLevel"}},{"kind":"Field","name":{"kind":"Name","value":"support"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"deployment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deployment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"officialSla"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<SupportedWithSlaQuery, SupportedWithSlaQueryVariables>;
export const CertifyDryRunDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CertifyDryRun"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"slug"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"certifyConnector"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"connectorSlug"},"value":{"kind":"Variable","name":{"kind":"Name","value":"slug"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"dryRun"},"value":{"kind":"BooleanValue","value":true}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromLevel"}},{"kind":"Field","name":{"kind":"Name","value":"toLevel"}},{"kind":"Field","name":{"kind":"Name","value":"newSlaDeployments"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<CertifyDryRunMutation, CertifyDryRunMutationVariables>;