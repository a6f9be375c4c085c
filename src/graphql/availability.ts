// Where a connector runs, deployment by deployment, with the image and version each one serves: the
// cloud registry and registryOverrides pin other images than the OSS default (a -strict-encrypt image on Cloud).
import { availabilityByDeployment, type DeploymentAvailability as Availability } from '../domain/connectors/store.js';
import { builder } from './builder.js';
import { plannedWith } from './columns.js';
import { Connector } from './connector.js';
import { DeploymentEnum } from './enums.js';

export const DeploymentAvailability = builder.objectRef<Availability>('DeploymentAvailability').implement({
  description: 'A connector on one deployment: whether it is enabled there, and the image and version that deployment serves.',
  fields: (t) => ({
    deployment: t.expose('deployment', { type: DeploymentEnum, description: 'The deployment.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether the connector is available on this deployment.' }),
    dockerRepository: t.exposeString('dockerRepository', {
      description:
        "The image this deployment runs, e.g. airbyte/destination-postgres-strict-encrypt on Cloud: the one its registry pins, else the connector's own dockerRepository.",
    }),
    dockerImageTag: t.exposeString('dockerImageTag', {
      description: "The version this deployment runs: the one its registry pins, else the connector's own dockerImageTag.",
    }),
  }),
});

builder.drizzleObjectField(Connector, 'availability', (t) =>
  t.field({
    type: [DeploymentAvailability],
    description: 'Every deployment, in display order, with whether the connector is enabled there and the image and version it serves there.',
    // The availability rows load with the connector in the list's one statement.
    select: {
      columns: { dockerRepository: true, dockerImageTag: true },
      with: { availability: { columns: { deployment: true, enabled: true, dockerRepository: true, dockerImageTag: true } } },
    },
    extensions: plannedWith('dockerRepository', 'dockerImageTag'),
    resolve: (c, _args, ctx) =>
      availabilityByDeployment(
        c,
        c.availability,
        ctx.catalog.deployments.map((d) => d.key),
      ),
  }),
);
