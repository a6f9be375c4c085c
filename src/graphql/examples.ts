// The operations GraphiQL opens with and the README shows.
export const HEADLINE_QUERY = `# Connectors with an official SLA on Self-Managed Enterprise (with Premium Support).
query SupportedWithSla {
  connectors(filter: { supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true }, first: 100) {
    totalCount
    edges {
      node {
        slug
        name
        type
        supportLevel
        dockerImageTag
        support(deployment: SELF_MANAGED_ENTERPRISE) {
          coverage
          officialSla
          channel
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

export const DETAIL_QUERY = `# One connector: its support on every deployment, breaking changes and certification history.
query ConnectorDetail($slug: String! = "source-github") {
  connector(slug: $slug) {
    id
    name
    supportLevel
    dockerImageTag
    availableOn
    supportState
    cloud: support(deployment: CLOUD) { coverage officialSla channel notes }
    selfManaged: support(deployment: SELF_MANAGED_ENTERPRISE) { coverage officialSla channel }
    oss: support(deployment: COMMUNITY_OSS) { coverage channel }
    breakingChanges { version upgradeDeadline deadlineAction message }
    certificationHistory { fromLevel toLevel actor reason createdAt }
  }
}
`;

export const MATRIX_QUERY = `# The support table: every (support level, deployment) cell, with labels to render it.
query SupportMatrix {
  supportLevels { key label whoMaintains productionReadiness }
  deployments { key label }
  supportMatrix { supportLevel deployment coverageText officialSlaAvailable maintainedBy footnote }
}
`;

export const CERTIFY_MUTATION = `# Certify a community connector. Needs a token with the certify scope in the Headers tab:
# npm run token:create -- --name me --scopes certify
mutation Certify($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) {
    connector { slug supportLevel revision }
    newSlaDeployments
    dryRun
    replayed
    userErrors { code field message }
  }
}
`;

export const CERTIFY_VARIABLES = JSON.stringify(
  { input: { connectorSlug: 'source-faker', reason: 'Passed acceptance tests for 90 days.', dryRun: true } },
  null,
  2,
);

/** The tabs GraphiQL opens with. */
export const GRAPHIQL_TABS = [
  { query: HEADLINE_QUERY },
  { query: DETAIL_QUERY, variables: JSON.stringify({ slug: 'source-github' }, null, 2) },
  { query: MATRIX_QUERY },
  { query: CERTIFY_MUTATION, variables: CERTIFY_VARIABLES, headers: JSON.stringify({ Authorization: 'Bearer crg_your-token-here' }, null, 2) },
];
