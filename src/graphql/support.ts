// The support policy as the API shows it: levels, deployments, SLA tiers, the matrix, and answers.
import type { DeploymentRow, PolicyRow, SlaTierRow, SupportAnswer, SupportLevelRow } from '../domain/support/policy.js';
import { builder } from './builder.js';
import { CoverageEnum, DeploymentEnum, MaintainerEnum, SlaTierKindEnum, SupportChannelEnum, SupportLevelEnum } from './enums.js';

export const SupportLevelDetails = builder.objectRef<SupportLevelRow>('SupportLevelDetails').implement({
  description: 'A support level with the wording of the support table.',
  fields: (t) => ({
    key: t.expose('key', { type: SupportLevelEnum, description: 'The stable key.' }),
    label: t.exposeString('label', { description: 'Display label, e.g. "Certified". Labels change; keys do not.' }),
    availability: t.exposeString('availability', { description: 'Who can use connectors of this level.' }),
    whoBuilds: t.exposeString('whoBuilds', { description: 'Who builds them.' }),
    whoMaintains: t.exposeString('whoMaintains', { description: 'Who maintains them.' }),
    productionReadiness: t.exposeString('productionReadiness', { description: 'Whether they are production ready.' }),
    breakingChangePolicy: t.exposeString('breakingChangePolicy', { description: 'How breaking changes are handled.' }),
    minUpgradeWindowDays: t.exposeInt('minUpgradeWindowDays', {
      description: 'The least number of days between announcing a breaking change and its upgrade deadline.',
    }),
    description: t.exposeString('description', { description: 'What the level means.' }),
  }),
});

export const DeploymentDetails = builder.objectRef<DeploymentRow>('DeploymentDetails').implement({
  description: 'A deployment with its display label.',
  fields: (t) => ({
    key: t.expose('key', { type: DeploymentEnum, description: 'The stable key.' }),
    label: t.exposeString('label', { description: 'Display label, e.g. "Self-Managed Enterprise".' }),
    description: t.exposeString('description', { description: 'What the deployment is.' }),
  }),
});

export const SlaTier = builder.objectRef<SlaTierRow>('SlaTier').implement({
  description: 'A kind of support a customer can get, with its conditions.',
  fields: (t) => ({
    key: t.expose('key', { type: SlaTierKindEnum, description: 'The stable key.' }),
    label: t.exposeString('label', { description: 'Display label.' }),
    description: t.exposeString('description', { description: 'What the tier gives.' }),
    conditions: t.exposeString('conditions', { description: 'What a customer needs to get it.' }),
    officialSla: t.exposeBoolean('officialSla', { description: 'Whether the tier is an official support SLA.' }),
    requiresPremiumSupport: t.exposeBoolean('requiresPremiumSupport', {
      description: 'Whether Premium Support must be in the contract.',
    }),
  }),
});

export const SupportPolicy = builder.objectRef<PolicyRow>('SupportPolicy').implement({
  description: 'One cell of the support table: what a support level gets on a deployment.',
  fields: (t) => ({
    supportLevel: t.expose('supportLevel', { type: SupportLevelEnum, description: 'The row: the support level.' }),
    deployment: t.expose('deployment', { type: DeploymentEnum, description: 'The column: the deployment.' }),
    coverage: t.expose('coverage', { type: CoverageEnum, description: 'The support promised.' }),
    coverageText: t.exposeString('coverageText', {
      description: 'The cell as the support table writes it, footnote marks included, e.g. "Supported*".',
    }),
    slaTier: t.field({
      type: SlaTier,
      description: 'The kind of support and its conditions.',
      resolve: (p, _args, ctx) => ctx.catalog.tier(p.slaTier),
    }),
    officialSlaAvailable: t.boolean({
      description: 'Whether an official SLA is available here (with Premium Support).',
      resolve: (p, _args, ctx) => ctx.catalog.tier(p.slaTier).officialSla,
    }),
    premiumSupportRequired: t.exposeBoolean('premiumSupportRequired', {
      description: 'Whether the SLA needs Premium Support in the contract.',
    }),
    maintainedBy: t.expose('maintainedBy', { type: MaintainerEnum, description: 'Who owns maintenance and upgrades.' }),
    footnote: t.exposeString('footnote', { nullable: true, description: 'The footnote of the cell, if any.' }),
  }),
});

export const SupportAnswerRef = builder.objectRef<SupportAnswer>('SupportAnswer').implement({
  description: 'The support one connector gets on one deployment, for a customer with or without Premium Support.',
  fields: (t) => ({
    deployment: t.expose('deployment', { type: DeploymentEnum, description: 'The deployment asked about.' }),
    supportLevel: t.expose('supportLevel', { type: SupportLevelEnum, description: "The connector's support level." }),
    available: t.exposeBoolean('available', { description: 'Whether the connector is available on the deployment.' }),
    premiumSupport: t.exposeBoolean('premiumSupport', { description: 'Whether the answer assumes Premium Support.' }),
    coverage: t.field({
      type: CoverageEnum,
      description: 'The support the policy promises.',
      resolve: (a) => a.policy.coverage,
    }),
    slaTier: t.field({ type: SlaTier, description: 'The kind of support and its conditions.', resolve: (a) => a.tier }),
    officialSla: t.exposeBoolean('officialSla', {
      description: 'Whether an official SLA applies: the connector is available here, the policy offers an SLA, and the customer has Premium Support.',
    }),
    channel: t.expose('channel', { type: SupportChannelEnum, description: 'Where to take a problem.' }),
    maintainedBy: t.field({
      type: MaintainerEnum,
      description: 'Who owns maintenance and upgrades.',
      resolve: (a) => a.policy.maintainedBy,
    }),
    notes: t.stringList({
      description: 'The footnotes and conditions that apply, in words.',
      resolve: (a) => {
        const notes: string[] = [];
        if (!a.available) notes.push('The connector is not available on this deployment.');
        if (a.policy.footnote) notes.push(a.policy.footnote);
        if (a.available && a.tier.officialSla && !a.premiumSupport) {
          notes.push('Without Premium Support no official SLA applies; use the support portal.');
        }
        return notes;
      },
    }),
  }),
});

builder.queryFields((t) => ({
  supportLevels: t.field({
    type: [SupportLevelDetails],
    description: 'Every support level, in display order.',
    resolve: (_root, _args, ctx) => [...ctx.catalog.levels],
  }),
  deployments: t.field({
    type: [DeploymentDetails],
    description: 'Every deployment, in display order.',
    resolve: (_root, _args, ctx) => [...ctx.catalog.deployments],
  }),
  slaTiers: t.field({
    type: [SlaTier],
    description: 'Every kind of support a customer can get.',
    resolve: (_root, _args, ctx) => [...ctx.catalog.tiers],
  }),
  supportMatrix: t.field({
    type: [SupportPolicy],
    description: 'Every cell of the support table: one per support level and deployment, in display order.',
    resolve: (_root, _args, ctx) => ctx.catalog.levels.flatMap((l) => ctx.catalog.deployments.map((d) => ctx.catalog.policy(l.key, d.key))),
  }),
}));
