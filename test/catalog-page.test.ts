// The catalog page over Airbyte's real 2023 OSS and cloud registries, in Chromium: chip counts against the
// API's facets, each deployment's version against the API's availability, the changelog against the API's
// changes, and the catalog as of a day before a certification the test makes. Every expectation is asked
// of the API in the test.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser } from './helpers/browser.js';
import { chipNames, facetsOf, graphql, labelsOf, shownChipNames } from './helpers/catalog-page.js';
import { ROOT, runNode, startServer, tempDir, type RunningServer } from './helpers/process.js';
import { describeWithRealData, REAL } from './helpers/real-data.js';

interface Availability {
  deployment: string;
  enabled: boolean;
  dockerRepository: string;
  dockerImageTag: string;
}

// It reads the real registries and drives Chromium: skipped when either is missing.
describeWithRealData('the catalog page over the real 2023 registries', catalogPage, describeWithBrowser);

function catalogPage(): void {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  // No demo connectors: the registry is the two imported files, as when they are imported before the first start.
  const env = { DATABASE_PATH: join(tempDir(), 'catalog-page.db'), SEED: 'none' };
  let labels: Record<string, string> = {};
  let token = '';
  // The language chips, in the order the unfiltered list's facet gives them (the page's first answer).
  let languages: string[] = [];
  const api = (query: string, variables: Record<string, unknown> = {}) => graphql(server.url, query, variables);
  const facets = (filter: Record<string, unknown>) => facetsOf(server.url, filter);
  const names = (f: Awaited<ReturnType<typeof facets>>) => chipNames(f, labels, languages);
  const shown = () => shownChipNames(page);

  beforeAll(async () => {
    // The server first: it names the database the CLIs then use (on PostgreSQL, one of the test cluster's).
    server = await startServer(env);
    for (const [file, registry] of [
      [REAL.oss2023, 'oss'],
      [REAL.cloud2023, 'cloud'],
    ]) {
      const run = runNode(['dist/src/cli/registry-import.js', '--quiet', '--registry', registry!, '--as-of', '2025-01-29', file!], env);
      expect(run.status, run.stderr).toBe(0);
    }
    token = runNode(['dist/src/cli/token.js', 'create', '--name', 'catalog-page-bot', '--scopes', 'certify'], env).stdout.trim().split('\n').at(-1)!;
    labels = await labelsOf(server.url);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // A missing element fails its step within the test's own time, naming the step.
    page.setDefaultTimeout(5000);
    await page.goto(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows each chip's count under the other filters, as the API's facets give it, and updates them as chips are chosen", async () => {
    const all = await facets({});
    languages = all.languages.map((l) => String(l.value));
    const unfiltered = names(all);
    await expect.poll(shown).toEqual(unfiltered);

    await page.getByRole('button', { name: new RegExp(`^${labels.CLOUD} \\d+ connectors?$`) }).click();
    const cloudFacets = await facets({ supportedOn: 'CLOUD' });
    const onCloud = names(cloudFacets);
    expect(onCloud).not.toEqual(unfiltered);
    await expect.poll(shown).toEqual(onCloud);
    expect(await page.locator('#chip-deployment-CLOUD').getAttribute('aria-pressed')).toBe('true');

    // Then the support level and the type with the most connectors on Cloud.
    const most = (f: { value: unknown; count: number }[]) => String([...f].sort((a, b) => b.count - a.count)[0]!.value);
    const level = most(cloudFacets.supportLevels);
    const type = most(cloudFacets.types);
    await page.locator(`#chip-level-${level}`).click();
    await page.locator(`#chip-type-${type}`).click();
    const chosen = { supportedOn: 'CLOUD', supportLevels: [level], type };
    const chosenNames = names(await facets(chosen));
    expect(chosenNames).not.toEqual(onCloud);
    await expect.poll(shown).toEqual(chosenNames);

    // Search narrows the counts too: by the first word of the first name the chosen chips list.
    const { connectors } = await api('query ($filter: ConnectorFilter) { connectors(first: 1, filter: $filter) { edges { node { name } } } }', {
      filter: chosen,
    });
    const word = connectors.edges[0].node.name.split(' ')[0];
    await page.fill('#search', word);
    const searched = await api('query ($filter: ConnectorFilter) { connectors(first: 1, filter: $filter) { totalCount } }', {
      filter: { ...chosen, search: word },
    });
    const total: number = searched.connectors.totalCount;
    await expect.poll(shown).toEqual(names(await facets({ ...chosen, search: word })));
    await expect.poll(() => page.locator('#count').innerText()).toBe(`1–${Math.min(total, 20)} of ${total} connector${total === 1 ? '' : 's'}`);

    // Unchoosing restores the counts of the wider list.
    for (const id of ['#chip-deployment-CLOUD', `#chip-level-${level}`, `#chip-type-${type}`]) await page.locator(id).click();
    await page.fill('#search', '');
    await expect.poll(shown).toEqual(unfiltered);
  });

  it("shows the version and image each deployment serves, as the API's availability gives them", async () => {
    // A connector whose deployments serve different versions: the case the table is for.
    const all: { slug: string; availability: Availability[] }[] = [];
    let after: string | null = null;
    do {
      const { connectors } = await api(
        'query ($after: String) { connectors(first: 100, after: $after) { edges { node { slug availability { deployment enabled dockerRepository dockerImageTag } } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      all.push(...connectors.edges.map((e: { node: (typeof all)[number] }) => e.node));
      after = connectors.pageInfo.hasNextPage ? connectors.pageInfo.endCursor : null;
    } while (after);
    const pinned = all.find((c) => new Set(c.availability.filter((a) => a.enabled).map((a) => `${a.dockerRepository}:${a.dockerImageTag}`)).size > 1);
    expect(pinned, 'the 2023 registries pin another version on some deployment').toBeDefined();

    await page.goto(server.url);
    await page.fill('#search', pinned!.slug);
    await page.locator(`#rows tr[data-slug="${pinned!.slug}"]`).click();
    await expect
      .poll(() => page.locator('#versions tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))))
      .toEqual(pinned!.availability.map((a) => [labels[a.deployment], a.enabled ? 'Yes' : 'No', a.dockerImageTag, a.dockerRepository]));
    await page.fill('#search', '');
  });

  // A community connector (by the API), certified by the test today; the day before is what the picker asks for.
  let subject: { slug: string; name: string };
  const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  it("lists the changes the API records, newest first, and shows a connector's detail as of a day before its certification", async () => {
    const { connectors } = await api('{ connectors(first: 1, filter: {supportLevels: [COMMUNITY]}) { edges { node { slug name } } } }');
    subject = connectors.edges[0].node;
    const { slug, name } = subject;
    const certified = await graphql(
      server.url,
      'mutation ($slug: String!) { certifyConnector(input: {connectorSlug: $slug, reason: "Certified while the catalog page watches."}) { userErrors { message } } }',
      { slug },
      token,
    );
    expect(certified.certifyConnector.userErrors).toEqual([]);
    const changes: { effectiveAt: string; field: string }[] = [];
    let after: string | null = null;
    do {
      const { connector } = await api(
        'query ($slug: String!, $after: String) { connector(slug: $slug) { changes(first: 100, after: $after) { edges { node { effectiveAt field } } pageInfo { hasNextPage endCursor } } } }',
        { slug, after },
      );
      changes.push(...connector.changes.edges.map((e: { node: (typeof changes)[number] }) => e.node));
      after = connector.changes.pageInfo.hasNextPage ? connector.changes.pageInfo.endCursor : null;
    } while (after);
    expect(changes.at(-1)!.field).toBe('SUPPORT_LEVEL');

    await page.goto(server.url);
    await page.fill('#search', slug);
    await page.getByRole('button', { name, exact: true }).press('Enter');
    const shownTimes = () => page.locator('#changes li time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    await expect.poll(shownTimes).toEqual(changes.map((c) => c.effectiveAt).reverse());
    expect(await page.locator('#changes li').first().innerText()).toContain(`Support level: ${labels.COMMUNITY} → ${labels.CERTIFIED}`);
    expect(await page.locator('#detail .badge').innerText()).toBe(labels.CERTIFIED);

    // The end of the day before, UTC, is before the certification, whatever the time now.
    const day = yesterday();
    const asOf = `${day}T23:59:59.999Z`;
    const then = await api('query ($slug: String!, $asOf: DateTime) { connector(slug: $slug, asOf: $asOf) { supportLevel } }', { slug, asOf });
    expect(then.connector.supportLevel).toBe('COMMUNITY');
    await page.fill('#as-of', day);
    await expect.poll(() => page.locator('#as-of-notice').innerText()).toContain(`Showing the catalog as of ${day}`);
    await expect.poll(() => page.locator('#detail .badge').innerText()).toBe(labels.COMMUNITY);
    const effectiveBy = changes.filter((c) => Date.parse(c.effectiveAt) <= Date.parse(asOf)).map((c) => c.effectiveAt);
    expect(effectiveBy.length).toBe(changes.length - 1);
    await expect.poll(shownTimes).toEqual(effectiveBy.reverse());
    // The chips count the catalog as it was: the API's facets as of the same instant.
    const facetsThen = await facetsOf(server.url, { search: slug }, asOf);
    const certifiedCount = (f: typeof facetsThen) => f.supportLevels.find((l) => l.value === 'CERTIFIED')!.count;
    expect(certifiedCount(facetsThen)).toBe(certifiedCount(await facets({ search: slug })) - 1);
    await expect.poll(shown).toEqual(names(facetsThen));
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', 'catalog-as-of.png'), fullPage: true });

    await page.getByRole('button', { name: 'Back to now' }).click();
    await expect.poll(() => page.locator('#detail .badge').innerText()).toBe(labels.CERTIFIED);
    expect(await page.locator('#as-of-notice').innerText()).toBe('');
    expect(await page.inputValue('#as-of')).toBe('');
    await expect.poll(shownTimes).toEqual(changes.map((c) => c.effectiveAt).reverse());
    await expect.poll(shown).toEqual(names(await facets({ search: slug })));
  });

  it('lists the catalog as of a day before the certification, with the support level it had then', async () => {
    const { slug } = subject;
    const day = yesterday();
    const { connectors } = await api(
      'query ($asOf: DateTime, $slug: String!) { connectors(first: 5, asOf: $asOf, filter: {search: $slug}) { edges { node { slug supportLevel } } } }',
      {
        asOf: `${day}T23:59:59.999Z`,
        slug,
      },
    );
    expect(connectors.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ slug, supportLevel: 'COMMUNITY' });
    await page.goto(server.url);
    await page.fill('#search', slug);
    await expect.poll(() => page.locator(`#rows tr[data-slug="${slug}"] .badge`).innerText()).toBe(labels.CERTIFIED);
    await page.fill('#as-of', day);
    await expect.poll(() => page.locator(`#rows tr[data-slug="${slug}"] .badge`).innerText()).toBe(labels.COMMUNITY);
    expect(await page.locator('#error').innerText()).toBe('');
    await page.getByRole('button', { name: 'Back to now' }).click();
    await expect.poll(() => page.locator(`#rows tr[data-slug="${slug}"] .badge`).innerText()).toBe(labels.CERTIFIED);
  });
}
