// compareDeployments and deploymentDifferences: a connector, or the whole catalog, on two deployments.
import {
  compareDeployments,
  countDeploymentDifferences,
  type DEPLOYMENT_DIFFERENCE_KEYS,
  deploymentDifferencesPage,
  type DeploymentComparison as Comparison,
  type DeploymentSide as Side,
  type PendingBreakingChange as Pending,
} from '../domain/connectors/deployment-diff.js';
import { MAX_PAGE_SIZE } from '../domain/connectors/page.js';
import { builder } from './builder.js';
import { connectionType } from './connection.js';
import { BreakingChange, Connector } from './connector.js';
import { DeploymentEnum, keyed } from './enums.js';
import { SupportAnswerRef } from './support.js';

const DeploymentDifferenceEnum = builder.enumType('DeploymentDifference', {
  description: 'What differs for a connector between two deployments.',
  values: keyed<(typeof DEPLOYMENT_DIFFERENCE_KEYS)[number]>({
    enabled: 'It is enabled on one and not the other (then nothing else is compared).',
    repository: 'The two serve different images, e.g. a -strict-encrypt image on Cloud.',
    version: 'The two serve different versions.',
    coverage: 'The support policy promises different support.',
    official_sla: 'An official SLA (with Premium Support) applies on one and not the other.',
  }),
});

const DeploymentSide = builder.objectRef<Side>('DeploymentSide').implement({
  description: 'A connector on one of the two deployments compared.',
  fields: (t) => ({
    deployment: t.expose('deployment', { type: DeploymentEnum, description: 'The deployment.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether the connector is available there.' }),
    version: t.exposeString('dockerImageTag', { description: 'The version it serves there (the image tag).' }),
    dockerRepository: t.exposeString('dockerRepository', { description: 'The image repository it serves there.' }),
    image: t.string({ description: 'The image it serves there, dockerRepository:tag.', resolve: (s) => `${s.dockerRepository}:${s.dockerImageTag}` }),
    support: t.field({
      type: SupportAnswerRef,
      description: 'The support there under the policy, for a customer with Premium Support: coverage, SLA tier, whether an official SLA applies.',
      resolve: (s) => s.support,
    }),
  }),
});

const PendingBreakingChange = builder.objectRef<Pending>('PendingBreakingChange').implement({
  description: 'A breaking change one deployment has crossed and the other has not yet: its version is above the lower version and at or below the higher.',
  fields: (t) => ({
    breakingChange: t.field({ type: BreakingChange, description: 'The breaking change.', resolve: (p) => p.breakingChange }),
    pendingOn: t.expose('pendingOn', { type: DeploymentEnum, description: 'The deployment still below its version: its users have this upgrade ahead.' }),
    crossedOn: t.expose('crossedOn', { type: DeploymentEnum, description: 'The deployment already at or above its version.' }),
  }),
});

const DeploymentComparison = builder.objectRef<Comparison>('DeploymentComparison').implement({
  description: 'One connector on two deployments, side by side.',
  fields: (t) => ({
    connector: t.field({ type: Connector, description: 'The connector compared.', resolve: (c) => c.connector }),
    a: t.field({ type: DeploymentSide, description: 'The connector on deployment a.', resolve: (c) => c.a }),
    b: t.field({ type: DeploymentSide, description: 'The connector on deployment b.', resolve: (c) => c.b }),
    differences: t.field({ type: [DeploymentDifferenceEnum], description: 'What differs; empty when nothing does.', resolve: (c) => c.differences }),
    pendingBreakingChanges: t.field({
      type: [PendingBreakingChange],
      description: 'Breaking changes between the two versions, lowest version first (only when the connector is enabled on both).',
      resolve: (c) => c.pendingBreakingChanges,
    }),
  }),
});

const DeploymentComparisonConnection = connectionType(
  'DeploymentComparison',
  DeploymentComparison,
  'comparison of a connector on two deployments',
  'comparisons of connectors on two deployments',
);

builder.queryFields((t) => ({
  compareDeployments: t.field({
    type: DeploymentComparison,
    nullable: true,
    description:
      'One connector on two deployments: version, image, whether it is enabled, its support and SLA on each, and the breaking changes one side has yet to cross. Null when there is no such connector.',
    args: {
      slug: t.arg.string({ required: true, description: 'The slug, e.g. destination-postgres.' }),
      a: t.arg({ type: DeploymentEnum, required: true, description: 'The first deployment.' }),
      b: t.arg({ type: DeploymentEnum, required: true, description: 'The second deployment.' }),
    },
    resolve: (_root, args, ctx) => compareDeployments(ctx.db, ctx.catalog, { slug: args.slug, a: args.a, b: args.b, visibility: ctx.visibility }),
  }),
  deploymentDifferences: t.field({
    type: DeploymentComparisonConnection,
    description: 'Every connector you may see that differs between two deployments (see DeploymentDifference), in name order, a page at a time.',
    args: {
      a: t.arg({ type: DeploymentEnum, required: true, description: 'The first deployment.' }),
      b: t.arg({ type: DeploymentEnum, required: true, description: 'The second deployment.' }),
      first: t.arg.int({
        required: true,
        description: `How many connectors to return, 1 to ${MAX_PAGE_SIZE}.`,
        validate: { int: true, min: [1, { message: 'must be at least 1' }], max: [MAX_PAGE_SIZE, { message: `must be at most ${MAX_PAGE_SIZE}` }] },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page of the same two deployments: return the connectors after it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const input = { db: ctx.db, catalog: ctx.catalog, visibility: ctx.visibility, a: args.a, b: args.b };
      return { ...(await deploymentDifferencesPage({ ...input, first: args.first, after: args.after })), count: () => countDeploymentDifferences(input) };
    },
  }),
}));
