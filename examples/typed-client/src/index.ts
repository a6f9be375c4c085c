// The example: list connectors with an SLA on Self-Managed Enterprise, then dry-run a certification.
//   REGISTRY_ENDPOINT=http://127.0.0.1:4000/graphql REGISTRY_TOKEN=crg_… npx tsx examples/typed-client/src/index.ts
import { request } from './client.js';
import { graphql } from './gql/index.js';

const SupportedWithSla = graphql(`
  query SupportedWithSla($deployment: Deployment!, $first: Int!) {
    connectors(filter: { supportedOn: $deployment, withSla: true }, first: $first) {
      totalCount
      edges {
        node {
          slug
          name
          supportLevel
          support(deployment: $deployment) {
            officialSla
            channel
          }
        }
      }
    }
  }
`);

const CertifyDryRun = graphql(`
  mutation CertifyDryRun($slug: String!, $reason: String!) {
    certifyConnector(input: { connectorSlug: $slug, reason: $reason, dryRun: true }) {
      fromLevel
      toLevel
      newSlaDeployments
      userErrors {
        code
        message
      }
    }
  }
`);

export async function main(endpoint: string, token?: string): Promise<string[]> {
  const lines: string[] = [];
  const { connectors } = await request(endpoint, SupportedWithSla, { deployment: 'SELF_MANAGED_ENTERPRISE', first: 5 });
  lines.push(`${connectors.totalCount} connectors have an official SLA on Self-Managed Enterprise; the first ${connectors.edges.length}:`);
  for (const { node } of connectors.edges) {
    // node.supportLevel is typed as the SupportLevel union; node.support.channel as SupportChannel.
    lines.push(`  ${node.slug} (${node.supportLevel}): ${node.support.channel}`);
  }
  if (token) {
    const { certifyConnector } = await request(endpoint, CertifyDryRun, { slug: 'source-faker', reason: 'Checking what certification would change.' }, token);
    lines.push(
      certifyConnector.userErrors.length
        ? `certification refused: ${certifyConnector.userErrors.map((e) => e.code).join(', ')}`
        : `certifying source-faker would move it from ${certifyConnector.fromLevel} to ${certifyConnector.toLevel}, with an SLA on ${certifyConnector.newSlaDeployments.join(', ')}`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = await main(process.env.REGISTRY_ENDPOINT ?? 'http://127.0.0.1:4000/graphql', process.env.REGISTRY_TOKEN);
  process.stdout.write(`${lines.join('\n')}\n`);
}
