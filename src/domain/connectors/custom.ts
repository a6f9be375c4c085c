// Custom connectors: built and maintained by a customer, private to its organization.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { CONNECTOR_TYPE_KEYS, DEPLOYMENT_KEYS } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import { transaction } from '../../db/transaction.js';
import { userError, type UserError } from '../errors.js';
import { slugSchema } from './input.js';
import { insertConnector, type ConnectorRow } from './store.js';

export const registerCustomInputSchema = z.object({
  slug: slugSchema,
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }),
  type: z.enum(CONNECTOR_TYPE_KEYS),
  dockerRepository: z
    .string()
    .trim()
    .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
      message: 'must be an image repository such as registry.example.com/team/source-x',
    })
    .max(300),
  dockerImageTag: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'must be an image tag such as 1.2.0' }),
  documentationUrl: z
    .url({ message: 'must be an http(s) URL', protocol: /^https?$/ })
    .max(2000)
    .nullish(),
  language: z.string().trim().min(1).max(50).nullish(),
  availableOn: z.array(z.enum(DEPLOYMENT_KEYS)).min(1, { message: 'give at least one deployment' }).max(DEPLOYMENT_KEYS.length),
  organization: z.string().trim().min(1).max(100).nullish(),
  definitionId: z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' }).nullish(),
});
export type RegisterCustomInput = z.infer<typeof registerCustomInputSchema>;

export interface RegisterCustomResult {
  connector: ConnectorRow | null;
  userErrors: UserError[];
}

/**
 * Registers a custom connector for the caller's organization. An admin names the organization; any
 * other token registers for its own, and may not name another.
 */
export async function registerCustomConnector(
  db: Db,
  input: RegisterCustomInput,
  viewer: { organization: string | null; scopes: string[] },
): Promise<RegisterCustomResult> {
  const isAdmin = viewer.scopes.includes('admin');
  const organization = isAdmin ? (input.organization ?? viewer.organization) : viewer.organization;
  if (!organization) {
    const message = isAdmin
      ? 'organization: an admin token must name the organization that owns the connector'
      : 'This token belongs to no organization; custom connectors need one.';
    return { connector: null, userErrors: [userError(isAdmin ? 'VALIDATION' : 'FORBIDDEN', isAdmin ? ['input', 'organization'] : null, message)] };
  }
  if (!isAdmin && input.organization && input.organization !== viewer.organization) {
    return {
      connector: null,
      userErrors: [userError('FORBIDDEN', ['input', 'organization'], `organization: this token may only register connectors for ${viewer.organization}`)],
    };
  }
  try {
    const connector = await transaction(db, (tx) =>
      insertConnector(tx, {
        definitionId: input.definitionId ?? randomUUID(),
        slug: input.slug,
        name: input.name,
        type: input.type,
        supportLevel: 'custom',
        releaseStage: 'custom',
        dockerRepository: input.dockerRepository,
        dockerImageTag: input.dockerImageTag,
        documentationUrl: input.documentationUrl ?? null,
        language: input.language ?? null,
        tags: input.language ? [`language:${input.language}`] : [],
        // Every other column (icon, license, release date, …) is null: a custom connector has none.
        organization,
        availability: [...new Set(input.availableOn)].map((deployment) => ({ deployment, enabled: true })),
        breakingChanges: [],
      }),
    );
    return { connector, userErrors: [] };
  } catch (error) {
    if (isUniqueViolation(error, 'connectors.slug')) {
      return { connector: null, userErrors: [userError('CONFLICT', ['input', 'slug'], `slug: ${input.slug} is already taken`)] };
    }
    if (isUniqueViolation(error, 'connectors.definition_id')) {
      return { connector: null, userErrors: [userError('CONFLICT', ['input', 'definitionId'], 'definitionId: already taken')] };
    }
    throw error;
  }
}
