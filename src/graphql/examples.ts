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
