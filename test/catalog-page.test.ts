// The catalog page over Airbyte's real 2023 OSS and cloud registries, in Chromium: chip counts against the
// API's facets, and each deployment's version against the API's availability. Every expectation is asked
// of the API in the test, for the same filter the page shows.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser } from './helpers/browser.js';
import { runNode, startServer, tempDir, type RunningServer } from './helpers/process.js';

const SHARED = fileURLToPath(new URL('../../shared/airbyte-registry/monorepo-test-fixtures-2023/', import.meta.url));

interface Facet {
  value: string | boolean;
  count: number;
}
interface Facets {
  types: Facet[];
  supportLevels: Facet[];
  deployments: Facet[];
  withSla: Facet[];
}
interface Availability {
  deployment: string;
  enabled: boolean;
  dockerRepository: string;
  dockerImageTag: string;
}

describeWithBrowser('the catalog page over the real 2023 registries', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const env = { DATABASE_PATH: join(tempDir(), 'catalog-page.db') };
  const labels: Record<string, string> = {};

  const api = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const facetsOf = async (filter: Record<string, unknown>): Promise<Facets> =>
    (
      await api(
        `query ($filter: ConnectorFilter) { connectors(first: 1, filter: $filter) {
          facets { types { value count } supportLevels { value count } deployments { value count } withSla { value count } } } }`,
        { filter },
      )
    ).connectors.facets;

  /** The chips' accessible names the page should show for these facets, in the page's order. */
  const chipNames = (f: Facets) => {
    const name = (text: string, count: number) => `${text} ${count} connector${count === 1 ? '' : 's'}`;
    const types: Record<string, string> = { SOURCE: 'Sources', DESTINATION: 'Destinations' };
    return [
      ...f.types.map((t) => name(types[String(t.value)]!, t.count)),
      ...f.supportLevels.map((l) => name(labels[String(l.value)]!, l.count)),
      ...f.deployments.map((d) => name(labels[String(d.value)]!, d.count)),
      ...f.withSla.filter((s) => s.value === true).map((s) => name('With SLA', s.count)),
    ];
  };
  /** The filter buttons' accessible names as Chromium's accessibility tree gives them. */
  const shownChipNames = async () => [...(await page.locator('#filters').ariaSnapshot()).matchAll(/- button "([^"]*)"/g)].map((m) => m[1]);

  beforeAll(async () => {
    for (const [file, registry] of [
      ['oss_registry.json', 'oss'],
      ['cloud_registry.json', 'cloud'],
    ]) {
      const run = runNode(['dist/src/cli/registry-import.js', '--quiet', '--registry', registry!, '--as-of', '2025-01-29', join(SHARED, file!)], env);
      expect(run.status, run.stderr).toBe(0);
    }
    server = await startServer(env);
    const meta = await api('{ supportLevels { key label } deployments { key label } }');
    for (const l of [...meta.supportLevels, ...meta.deployments]) labels[l.key] = l.label;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows each chip's count under the other filters, as the API's facets give it, and updates them as chips are chosen", async () => {
    const unfiltered = chipNames(await facetsOf({}));
    await expect.poll(shownChipNames).toEqual(unfiltered);

    await page.getByRole('button', { name: new RegExp(`^${labels.CLOUD} \\d+ connectors?$`) }).click();
    const onCloud = chipNames(await facetsOf({ supportedOn: 'CLOUD' }));
    expect(onCloud).not.toEqual(unfiltered);
    await expect.poll(shownChipNames).toEqual(onCloud);
    expect(await page.locator('#chip-deployment-CLOUD').getAttribute('aria-pressed')).toBe('true');

    await page.locator('#chip-level-CERTIFIED').click();
    await page.locator('#chip-type-DESTINATION').click();
    await page.fill('#search', 'postgres');
    const narrowed = { supportedOn: 'CLOUD', supportLevels: ['CERTIFIED'], type: 'DESTINATION', search: 'postgres' };
    const narrowedNames = chipNames(await facetsOf(narrowed));
    expect(narrowedNames).not.toEqual(onCloud);
    await expect.poll(shownChipNames).toEqual(narrowedNames);
    const { connectors } = await api('query ($filter: ConnectorFilter) { connectors(first: 1, filter: $filter) { totalCount } }', { filter: narrowed });
    await expect.poll(() => page.locator('#count').innerText()).toMatch(new RegExp(` of ${connectors.totalCount} connectors?$|^No connectors match\\.$`));

    // Unchoosing restores the counts of the wider list.
    for (const id of ['#chip-deployment-CLOUD', '#chip-level-CERTIFIED', '#chip-type-DESTINATION']) await page.locator(id).click();
    await page.fill('#search', '');
    await expect.poll(shownChipNames).toEqual(unfiltered);
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

    await page.fill('#search', pinned!.slug);
    await page.locator(`#rows tr[data-slug="${pinned!.slug}"]`).click();
    await expect
      .poll(() => page.locator('#versions tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))))
      .toEqual(pinned!.availability.map((a) => [labels[a.deployment], a.enabled ? 'Yes' : 'No', a.dockerImageTag, a.dockerRepository]));
    await page.fill('#search', '');
  });
});
