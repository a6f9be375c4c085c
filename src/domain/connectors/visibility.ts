// Who may see which connectors. Custom connectors belong to an organization: only its tokens (with a
// scope that reads private data) and admins see them; everyone else is never told they exist.
import { sql, type SQL } from 'drizzle-orm';
import type { connectors } from '../../db/schema.js';

export type Visibility = { kind: 'all' } | { kind: 'public' } | { kind: 'organization'; organization: string };

export const PUBLIC: Visibility = Object.freeze({ kind: 'public' });
export const EVERYTHING: Visibility = Object.freeze({ kind: 'all' });

/** Scopes that let a token of an organization read that organization's private connectors. */
export const PRIVATE_READ_SCOPES = ['read:private', 'certify', 'publish', 'import'];

const organizations = new Map<string, Visibility>();

/** One frozen visibility per organization, like PUBLIC and EVERYTHING: keys built from it can be kept by identity. */
function organizationVisibility(organization: string): Visibility {
  let visibility = organizations.get(organization);
  if (!visibility) organizations.set(organization, (visibility = Object.freeze({ kind: 'organization', organization })));
  return visibility;
}

export function visibilityFor(viewer: { scopes: string[]; organization: string | null } | null): Visibility {
  if (!viewer) return PUBLIC;
  if (viewer.scopes.includes('admin')) return EVERYTHING;
  if (viewer.organization && viewer.scopes.some((s) => PRIVATE_READ_SCOPES.includes(s))) return organizationVisibility(viewer.organization);
  return PUBLIC;
}

export function canSee(visibility: Visibility, organization: string | null): boolean {
  if (organization == null || visibility.kind === 'all') return true;
  return visibility.kind === 'organization' && visibility.organization === organization;
}

/** The condition on a connectors table (or its alias) that keeps only what `visibility` may see. */
export function visibleSql(t: Pick<typeof connectors, 'organization'>, visibility: Visibility): SQL | undefined {
  if (visibility.kind === 'all') return undefined;
  if (visibility.kind === 'public') return sql`${t.organization} is null`;
  return sql`(${t.organization} is null or ${t.organization} = ${visibility.organization})`;
}
