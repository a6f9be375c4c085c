import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

const REGISTER = `mutation($input: RegisterCustomConnectorInput!) {
  registerCustomConnector(input: $input) { connector { slug supportLevel releaseStage availableOn dockerImageTag } userErrors { code field message } }
}`;
const INPUT = {
  slug: 'source-globex-ledger',
  name: 'Globex Ledger',
  type: 'SOURCE',
  dockerRepository: 'registry.globex.example/source-ledger',
  dockerImageTag: '1.0.0',
  availableOn: ['CLOUD', 'SELF_MANAGED_ENTERPRISE'],
};

describe('registerCustomConnector', () => {
  let h: Harness;
  let globex: string;
  beforeEach(async () => {
    h = await createHarness();
    globex = (await createToken(h.db, { name: 'globex-ci', scopes: ['certify'], organization: 'globex' })).token;
  });
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('registers a custom connector that only its organization and admins can see', async () => {
    const res = await h.gql(REGISTER, { input: INPUT }, globex);
    expect(res.data!.registerCustomConnector).toEqual({
      connector: {
        slug: 'source-globex-ledger',
        supportLevel: 'CUSTOM',
        releaseStage: 'CUSTOM',
        availableOn: ['CLOUD', 'SELF_MANAGED_ENTERPRISE'],
        dockerImageTag: '1.0.0',
      },
      userErrors: [],
    });
    const q = `{ connector(slug: "source-globex-ledger") { slug support(deployment: CLOUD) { slaTier { key } maintainedBy } } }`;
    expect((await h.gql(q)).data!.connector).toBeNull();
    const acme = (await createToken(h.db, { name: 'acme', scopes: ['read:private'], organization: 'acme' })).token;
    expect((await h.gql(q, {}, acme)).data!.connector).toBeNull();
    expect((await h.gql(q, {}, globex)).data!.connector).toEqual({
      slug: 'source-globex-ledger',
      support: { slaTier: { key: 'BEST_EFFORT_SLA' }, maintainedBy: 'CUSTOMER' },
    });
    const admin = await h.token('root', ['admin']);
    expect((await h.gql(q, {}, admin)).data!.connector).not.toBeNull();
    // The registry export follows the same rule.
    const anonymousExport = await (await h.get('/registries/v0/cloud_registry.json')).json();
    expect(anonymousExport.sources.some((s: any) => s.name === 'Globex Ledger')).toBe(false);
    const ownExport = await h.get('/registries/v0/cloud_registry.json', { authorization: `Bearer ${globex}` });
    expect(ownExport.headers.get('cache-control')).toBe('private, no-cache');
    expect((await ownExport.json()).sources.some((s: any) => s.name === 'Globex Ledger')).toBe(true);
    const badToken = await h.get('/registries/v0/cloud_registry.json', { authorization: 'Bearer crg_nope' });
    expect(badToken.status).toBe(401);
  });

  it('refuses another organization, a taken slug, bad input, and tokens without an organization or scope, writing nothing', async () => {
    const before = await snapshot(h.db);
    const other = await h.gql(REGISTER, { input: { ...INPUT, organization: 'acme' } }, globex);
    expect(other.data!.registerCustomConnector.userErrors).toEqual([
      { code: 'FORBIDDEN', field: ['input', 'organization'], message: 'organization: this token may only register connectors for globex' },
    ]);
    const taken = await h.gql(REGISTER, { input: { ...INPUT, slug: 'source-postgres' } }, globex);
    expect(taken.data!.registerCustomConnector.userErrors).toEqual([
      { code: 'CONFLICT', field: ['input', 'slug'], message: 'slug: source-postgres is already taken' },
    ]);
    const invalid = await h.gql(REGISTER, { input: { ...INPUT, dockerImageTag: 'latest; rm -rf /', availableOn: [] } }, globex);
    expect(invalid.data!.registerCustomConnector.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'dockerImageTag'], message: 'dockerImageTag: must be an image tag such as 1.2.0' },
      { code: 'VALIDATION', field: ['input', 'availableOn'], message: 'availableOn: give at least one deployment' },
    ]);
    const orphan = await h.token('no-org', ['certify']);
    expect((await h.gql(REGISTER, { input: INPUT }, orphan)).data!.registerCustomConnector.userErrors[0].code).toBe('FORBIDDEN');
    const adminWithoutOrg = await h.gql(REGISTER, { input: INPUT }, await h.token('root', ['admin']));
    expect(adminWithoutOrg.data!.registerCustomConnector.userErrors[0]).toMatchObject({ code: 'VALIDATION', field: ['input', 'organization'] });
    const reader = (await createToken(h.db, { name: 'reader', scopes: ['read:private'], organization: 'globex' })).token;
    expect((await h.gql(REGISTER, { input: INPUT }, reader)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await h.gql(REGISTER, { input: INPUT })).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    // Only the token rows (made above) differ.
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('lets an admin register for a named organization', async () => {
    const res = await h.gql(REGISTER, { input: { ...INPUT, organization: 'globex' } }, await h.token('root', ['admin']));
    expect(res.data!.registerCustomConnector.userErrors).toEqual([]);
    expect((await h.gql(`{ connector(slug: "source-globex-ledger") { slug } }`, {}, globex)).data!.connector).toEqual({ slug: 'source-globex-ledger' });
  });
});
