// Live updates over Server-Sent Events: POST a subscription with `Accept: text/event-stream`.
import { filter, pipe } from 'graphql-yoga';
import { canSee } from '../domain/connectors/visibility.js';
import { builder } from './builder.js';
import { BreakingChange, CertificationEvent } from './connector.js';

builder.subscriptionType({
  description: 'Live updates, delivered over Server-Sent Events (send the subscription with Accept: text/event-stream).',
});

builder.subscriptionField('certificationEvents', (t) =>
  t.field({
    type: CertificationEvent,
    description:
      'Every support-level change from now on, made through the API on any gateway sharing this database or by a registry import, such as a community connector newly certified.',
    subscribe: (_root, _args, ctx) =>
      pipe(
        ctx.events.subscribe('certification'),
        filter((e) => canSee(ctx.visibility, e.organization)),
      ),
    resolve: (e) => e.event,
  }),
);

builder.subscriptionField('breakingChangeAnnounced', (t) =>
  t.field({
    type: BreakingChange,
    description: 'Every breaking change announced from now on, on any gateway sharing this database.',
    subscribe: (_root, _args, ctx) =>
      pipe(
        ctx.events.subscribe('breakingChange'),
        filter((e) => canSee(ctx.visibility, e.organization)),
      ),
    resolve: (e) => e.breakingChange,
  }),
);
