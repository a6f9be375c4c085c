// @engine-independent: runs the schema-change script on files; no database.
// The schema-change policy script (scripts/schema-check.mjs), run as CI runs it, on small fixture
// schemas and changelogs, and on the project's own files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { runNode, tempDir } from './helpers/process.js';

const SCRIPT = 'scripts/schema-check.mjs';

const RELEASED = `
"""A connector."""
type Connector {
  """Its slug."""
  slug: String!
  """When it was made."""
  createdAt: String!
  """Its support level."""
  level: Level!
}
"""Support levels."""
enum Level { COMMUNITY CERTIFIED }
type Query { connector(slug: String!): Connector }
`;

/** Runs the check on these files; its exit status and its output. */
function check(files: { schema: string; released?: string; changelog: string }) {
  const dir = tempDir('schema-policy-');
  const paths = { schema: join(dir, 'schema.graphql'), released: join(dir, 'released.graphql'), changelog: join(dir, 'CHANGELOG.md') };
  writeFileSync(paths.schema, files.schema);
  writeFileSync(paths.released, files.released ?? RELEASED);
  writeFileSync(paths.changelog, files.changelog);
  const run = runNode([SCRIPT, '--schema', paths.schema, '--released', paths.released, '--changelog', paths.changelog], {});
  return { status: run.status, output: run.stdout + run.stderr };
}

const changelog = (unreleased: string) =>
  `# Changelog\n\n## Unreleased\n\n### Schema\n${unreleased}\n\n## 0.1.0\n\n- **Breaking:** \`Connector.level\` was renamed.\n`;
const retyped = RELEASED.replace('createdAt: String!', 'createdAt: DateTime!').replace('type Query', '"""A time."""\nscalar DateTime\ntype Query');
const withoutLevel = RELEASED.replace('"""Its support level."""\n  level: Level!\n', '');

describe('the schema-change policy', () => {
  it('fails on a breaking change the Unreleased section does not list, naming it', () => {
    // What graphql-js reports, computed here: the change the script must name.
    const [change] = findBreakingChanges(buildSchema(RELEASED), buildSchema(retyped));
    const run = check({ schema: retyped, changelog: changelog('- Added `Connector.slug` docs. Not breaking.') });
    expect(run.status).toBe(1);
    expect(run.output).toContain(`breaking change not listed in CHANGELOG.md's Unreleased section: ${change!.description}`);
    expect(run.output).toContain('name `Connector.createdAt` in an entry that says "Breaking"');
  });

  it('does not count an entry in a released section, nor one that does not say it is breaking', () => {
    expect(check({ schema: withoutLevel, changelog: changelog('- Removed `Connector.level`.') }).status).toBe(1);
    expect(check({ schema: withoutLevel, changelog: changelog('- Nothing here.') }).status).toBe(1);
  });

  it('passes when an entry that says "Breaking" names the change, whole or by its field', () => {
    expect(check({ schema: retyped, changelog: changelog('- **Breaking:** `Connector.createdAt` is a `DateTime`.') }).status).toBe(0);
    expect(check({ schema: retyped, changelog: changelog('- **Breaking for typed clients:** timestamps (`createdAt`) are `DateTime`.') }).status).toBe(0);
    expect(check({ schema: withoutLevel, changelog: changelog('- Breaking: `Connector.level` was removed; read `supportLevel`.') }).status).toBe(0);
  });

  it('names an enum value removed as Enum.VALUE', () => {
    const schema = RELEASED.replace('enum Level { COMMUNITY CERTIFIED }', 'enum Level { COMMUNITY }');
    const run = check({ schema, changelog: changelog('- Nothing.') });
    expect(run.status).toBe(1);
    expect(run.output).toContain('`Level.CERTIFIED`');
    expect(check({ schema, changelog: changelog('- Breaking: `Level.CERTIFIED` is gone.') }).status).toBe(0);
  });

  const deprecated = (reason: string) => RELEASED.replace('slug: String!', `slug: String! @deprecated(reason: ${JSON.stringify(reason)})`);

  it('fails on a deprecation whose removal is less than 90 days after it', () => {
    // 2026-11-30 + 89 days = 2027-02-27.
    const run = check({ schema: deprecated('Use `id`. Deprecated: 2026-11-30. Removal: 2027-02-27.'), changelog: changelog('') });
    expect(run.status).toBe(1);
    expect(run.output).toContain('Connector.slug is to be removed 89 days after its deprecation (2026-11-30 → 2027-02-27); the policy is at least 90 days');
  });

  it('fails on a deprecation without the dates in its reason', () => {
    const run = check({ schema: deprecated('Use `id`.'), changelog: changelog('') });
    expect(run.status).toBe(1);
    expect(run.output).toContain('Connector.slug is deprecated with reason "Use `id`.", which does not end "Deprecated: YYYY-MM-DD. Removal: YYYY-MM-DD."');
  });

  it('passes a deprecation removed 90 days or more after it', () => {
    const run = check({ schema: deprecated('Use `id`. Deprecated: 2026-11-30. Removal: 2027-02-28.'), changelog: changelog('') });
    expect(run).toEqual({ status: 0, output: 'schema-check: 0 breaking change(s) since the released schema, 1 deprecation(s)\n' });
  });

  it("passes on the project's own schema, released schema and changelog", () => {
    const run = runNode([SCRIPT], {});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
