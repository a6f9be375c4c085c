// How one connector differs between two deployments: whether it is enabled, the image and version each
// serves, the support each gets under the policy, and the breaking changes one side has yet to cross.
import type { DeploymentKey, SupportLevelKey } from '../../db/schema.js';
import { compareVersions } from '../lifecycle/breaking-changes.js';
import type { PolicyCatalog, SupportAnswer } from '../support/policy.js';
import { decodeKeysetCursor, encodeKeysetCursor, InvalidCursorError, pageOf, type Cursor } from './page.js';
import {
  availabilityOf,
  breakingChangesOf,
  countDifferingConnectors,
  findConnectorBySlug,
  deploymentImage,
  differingConnectors,
  type AvailabilityRow,
  type BreakingChangeRecord as BreakingChangeRow,
  type ConnectorRow,
  type DifferingConnectorsQuery,
} from './store.js';
import { canSee, type Visibility } from './visibility.js';

export const DEPLOYMENT_DIFFERENCE_KEYS = ['enabled', 'repository', 'version', 'coverage', 'official_sla'] as const;
export type DeploymentDifferenceKey = (typeof DEPLOYMENT_DIFFERENCE_KEYS)[number];

/** The connector on one deployment. */
export interface DeploymentSide {
  deployment: DeploymentKey;
  enabled: boolean;
  dockerRepository: string;
  dockerImageTag: string;
  /** What the policy gives there, for a customer with Premium Support. */
  support: SupportAnswer;
}

/** A breaking change the side `pendingOn` has yet to cross and the side `crossedOn` already has. */
export interface PendingBreakingChange {
  breakingChange: BreakingChangeRow;
  pendingOn: DeploymentKey;
  crossedOn: DeploymentKey;
}

export interface DeploymentComparison {
  connector: ConnectorRow;
  a: DeploymentSide;
  b: DeploymentSide;
  differences: DeploymentDifferenceKey[];
  pendingBreakingChanges: PendingBreakingChange[];
}

type Pinned = Pick<AvailabilityRow, 'deployment' | 'enabled' | 'dockerRepository' | 'dockerImageTag'>;

function side(catalog: PolicyCatalog, connector: ConnectorRow, deployment: DeploymentKey, rows: readonly Pinned[]): DeploymentSide {
  const row = rows.find((r) => r.deployment === deployment);
  const enabled = row?.enabled ?? false;
  const support = catalog.answer({ supportLevel: connector.supportLevel, deployment, available: enabled, premiumSupport: true });
  return { deployment, enabled, ...deploymentImage(connector, row), support };
}

/**
 * What differs. A connector enabled on neither side differs in nothing, and one enabled on one side
 * only differs in that; the image, version and support are compared where both serve it.
 */
function differencesOf(a: DeploymentSide, b: DeploymentSide): DeploymentDifferenceKey[] {
  if (a.enabled !== b.enabled) return ['enabled'];
  if (!a.enabled) return [];
  const found: DeploymentDifferenceKey[] = [];
  if (a.dockerRepository !== b.dockerRepository) found.push('repository');
  if (a.dockerImageTag !== b.dockerImageTag) found.push('version');
  if (a.support.policy.coverage !== b.support.policy.coverage) found.push('coverage');
  if (a.support.officialSla !== b.support.officialSla) found.push('official_sla');
  return found;
}

/** Breaking changes above the lower side's version and at or below the higher side's. */
function pendingOf(a: DeploymentSide, b: DeploymentSide, changes: readonly BreakingChangeRow[]): PendingBreakingChange[] {
  if (!a.enabled || !b.enabled) return [];
  const order = compareVersions(a.dockerImageTag, b.dockerImageTag);
  if (order === 0) return [];
  const [low, high] = order < 0 ? [a, b] : [b, a];
  return changes
    .filter((c) => compareVersions(c.version, low.dockerImageTag) > 0 && compareVersions(c.version, high.dockerImageTag) <= 0)
    .sort((x, y) => compareVersions(x.version, y.version))
    .map((breakingChange) => ({ breakingChange, pendingOn: low.deployment, crossedOn: high.deployment }));
}

/** Compares a connector on deployments a and b, from its availability rows and breaking changes. */
export function compareOn(
  catalog: PolicyCatalog,
  connector: ConnectorRow,
  availability: readonly Pinned[],
  changes: readonly BreakingChangeRow[],
  deployments: { a: DeploymentKey; b: DeploymentKey },
): DeploymentComparison {
  const a = side(catalog, connector, deployments.a, availability);
  const b = side(catalog, connector, deployments.b, availability);
  return { connector, a, b, differences: differencesOf(a, b), pendingBreakingChanges: pendingOf(a, b, changes) };
}

/** The levels whose support differs between two deployments (when the connector is enabled on both). */
export function levelsSupportedDifferently(catalog: PolicyCatalog, a: DeploymentKey, b: DeploymentKey): SupportLevelKey[] {
  return catalog.levels
    .map((l) => l.key)
    .filter((level) => {
      const [x, y] = [
        catalog.answer({ supportLevel: level, deployment: a, available: true, premiumSupport: true }),
        catalog.answer({ supportLevel: level, deployment: b, available: true, premiumSupport: true }),
      ];
      return x.policy.coverage !== y.policy.coverage || x.officialSla !== y.officialSla;
    });
}

export interface DifferencesPageInput {
  db: Parameters<typeof differingConnectors>[0];
  catalog: PolicyCatalog;
  visibility: Visibility;
  a: DeploymentKey;
  b: DeploymentKey;
  first: number;
  after: string | null | undefined;
}

/** A cursor belongs to one pair of deployments: the ordering tag names them. */
const cursorField = (a: DeploymentKey, b: DeploymentKey) => `differences:${a}:${b}`;

function query(input: DifferencesPageInput, cursor: Cursor | null, limit: number | null): DifferingConnectorsQuery {
  const { a, b, visibility } = input;
  return {
    a,
    b,
    visibility,
    levels: levelsSupportedDifferently(input.catalog, a, b),
    after: cursor ? { nameKey: cursor.v, slug: cursor.s! } : null,
    limit,
  };
}

function decodeDifferencesCursor(text: string, a: DeploymentKey, b: DeploymentKey): Cursor {
  let cursor: Cursor;
  try {
    cursor = decodeKeysetCursor(text, cursorField(a, b), 'asc');
  } catch (error) {
    if (error instanceof InvalidCursorError && /another orderBy/.test(error.message)) {
      throw new InvalidCursorError('after: the cursor belongs to another pair of deployments; start again without `after`');
    }
    throw error;
  }
  if (typeof cursor.s !== 'string') throw new InvalidCursorError('after: not a cursor returned by this connection');
  return cursor;
}

/** One page of the connectors that differ between a and b, in name order, each compared. */
export async function deploymentDifferencesPage(input: DifferencesPageInput) {
  const cursor = input.after ? decodeDifferencesCursor(input.after, input.a, input.b) : null;
  const found = await differingConnectors(input.db, query(input, cursor, input.first + 1));
  const changes = await breakingChangesOf(
    input.db,
    found.map((f) => f.connector.id),
  );
  const rows = found.map((f) => compareOn(input.catalog, f.connector, f.availability, changes.get(f.connector.id) ?? [], input));
  return pageOf(rows, input.first, input.after, (r) =>
    encodeKeysetCursor({ f: cursorField(input.a, input.b), d: 'asc', v: r.connector.nameKey, id: r.connector.id, s: r.connector.slug }),
  );
}

/** How many connectors differ between a and b. */
export function countDeploymentDifferences(input: Omit<DifferencesPageInput, 'first' | 'after'>): Promise<number> {
  return countDifferingConnectors(input.db, query({ ...input, first: 0, after: null }, null, null));
}

/** One connector compared on a and b, or null when there is no such connector or the caller may not see it. */
export async function compareDeployments(
  db: Parameters<typeof differingConnectors>[0],
  catalog: PolicyCatalog,
  input: { slug: string; a: DeploymentKey; b: DeploymentKey; visibility: Visibility },
): Promise<DeploymentComparison | null> {
  const connector = await findConnectorBySlug(db, input.slug);
  if (!connector || !canSee(input.visibility, connector.organization)) return null;
  const [availability, changes] = await Promise.all([availabilityOf(db, connector.id), breakingChangesOf(db, [connector.id])]);
  return compareOn(catalog, connector, availability, changes.get(connector.id) ?? [], input);
}
