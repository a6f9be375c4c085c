// The audit log in GraphQL: read-only, admin tokens only. Nothing in the API writes it directly; the
// acts it records write it (src/graphql/audit-plugin.ts, the domain's token and import functions).
import { type AUDIT_OUTCOMES, countAudit, listAudit, MAX_AUDIT_PAGE, type AuditRow } from '../domain/audit/store.js';
import { builder } from './builder.js';
import { connectionType } from './connection.js';
import { keyed } from './enums.js';

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  description: 'How a privileged act ended.',
  values: keyed({
    succeeded: 'It was done (a dry run or a replay included: see detail).',
    refused: 'The caller was not allowed: no valid token, a missing scope, another organization, repeated failed authentication.',
    failed: 'It was allowed but not done: invalid input, not found, a conflict (see code).',
  } satisfies Record<(typeof AUDIT_OUTCOMES)[number], string>),
});

const AuditLogEntryRef = builder.objectRef<AuditRow>('AuditLogEntry').implement({
  description: 'One privileged act, as recorded when it happened. Entries are never changed or removed.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The entry number, increasing over time.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When it happened (ISO-8601, UTC).' }),
    actor: t.exposeString('actor', {
      nullable: true,
      description: 'Who acted: the name of the token, or `cli:<user>` for the command line; null for a caller with no valid token.',
    }),
    action: t.exposeString('action', {
      description:
        'What was done: a mutation name (e.g. `certifyConnector`), or `token.create`, `token.rotate`, `token.revoke`, `registry.import`, `auth.failures`.',
    }),
    target: t.exposeString('target', { nullable: true, description: 'What it was done to, e.g. `connector:source-faker`, `webhook:3`, a token name.' }),
    clientAddress: t.exposeString('clientAddress', { nullable: true, description: 'The address the request came from; null for the command line.' }),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum, description: 'How it ended.' }),
    code: t.exposeString('code', {
      nullable: true,
      description: 'The error code of a refused or failed act (e.g. FORBIDDEN, VALIDATION); null when it succeeded.',
    }),
    detail: t.expose('detail', { type: 'JSON', description: 'What else was recorded: the input (secrets redacted), userErrors, counts.' }),
    importId: t.exposeID('importId', { nullable: true, description: 'The registry import it records (see imports).' }),
  }),
});

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  description: 'Which audit entries to return; every field given must match.',
  fields: (t) => ({
    action: t.string({ description: 'Only this action, e.g. `registerWebhook` or `token.rotate`.' }),
    actor: t.string({ description: 'Only this actor (a token name or `cli:<user>`).' }),
    outcome: t.field({ type: AuditOutcomeEnum, description: 'Only acts that ended this way.' }),
    since: t.field({ type: 'DateTime', description: 'Only acts at or after this time.' }),
    until: t.field({ type: 'DateTime', description: 'Only acts at or before this time.' }),
  }),
});

const AuditLogConnection = connectionType('AuditLog', AuditLogEntryRef, 'audit entry', 'audit entries');

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditLogConnection,
    description: 'The audit log of privileged acts, newest first. Admin tokens only.',
    authScopes: { admin: true },
    args: {
      filter: t.arg({ type: AuditLogFilter, description: 'Which entries; all when omitted.' }),
      first: t.arg.int({
        required: true,
        description: `How many entries to return, 1 to ${MAX_AUDIT_PAGE}.`,
        validate: { int: true, min: [1, { message: 'must be at least 1' }], max: [MAX_AUDIT_PAGE, { message: `must be at most ${MAX_AUDIT_PAGE}` }] },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page: return the entries before it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const filter = args.filter ?? {};
      return { ...(await listAudit(ctx.db, filter, { first: args.first, after: args.after })), count: (c) => countAudit(c.db, filter) };
    },
  }),
);
