import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { describeWithBrowser, launchBrowser } from './helpers/browser.js';
import { chipNames, facetsOf, labelsOf, shownChipNames } from './helpers/catalog-page.js';
import { ROOT, runNode, startServer, tempDir, type RunningServer } from './helpers/process.js';

const PUBLIC = SEED_CONNECTORS.filter((c) => !c.organization);

describeWithBrowser('the catalog page in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const env = { DATABASE_PATH: join(tempDir(), 'catalog.db') };
  let token = '';

  const api = (query: string) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    }).then((r) => r.json());
  const count = () => page.locator('#count').innerText();
  const slugs = () => page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-slug')));

  beforeAll(async () => {
    server = await startServer(env);
    token = runNode(['dist/src/cli/token.js', 'create', '--name', 'catalog-bot', '--scopes', 'certify,publish'], env).stdout.trim().split('\n').at(-1)!;
    // An upcoming change with a deadline far enough ahead that this test keeps its meaning for years.
    await api(
      'mutation { announceBreakingChange(input: {connectorSlug: "source-github", version: "9.0.0", upgradeDeadline: "2036-01-01", message: "Version 9.0.0 drops the legacy streams."}) { userErrors { code } } }',
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the public connectors a page at a time, with support-level badges', async () => {
    await expect.poll(count).toBe(`1–20 of ${PUBLIC.length} connectors`);
    expect(await page.locator('#rows .badge').first().innerText()).toMatch(/^(Certified|Community|Enterprise|Archived)$/);
    const first = await slugs();
    await page.click('#next');
    await expect.poll(count).toBe(`21–40 of ${PUBLIC.length} connectors`);
    const second = await slugs();
    expect(second.some((s) => first.includes(s))).toBe(false);
    await page.click('#prev');
    await expect.poll(slugs).toEqual(first);
  });

  it('filters by deployment and SLA, support level, type and search with chips', async () => {
    await page.click('#chip-deployment-SELF_MANAGED_ENTERPRISE');
    await page.click('#chip-sla-true');
    const withSla = PUBLIC.filter(
      (c) => ['certified', 'enterprise'].includes(c.supportLevel) && c.availability.some((a) => a.deployment === 'self_managed_enterprise'),
    );
    await expect.poll(count).toBe(`1–20 of ${withSla.length} connectors`);
    await page.click('#chip-sla-true');
    await page.click('#chip-deployment-SELF_MANAGED_ENTERPRISE');
    await page.click('#chip-level-ARCHIVED');
    await expect
      .poll(async () => (await slugs()).sort())
      .toEqual(
        PUBLIC.filter((c) => c.supportLevel === 'archived')
          .map((c) => c.slug)
          .sort(),
      );
    await page.click('#chip-level-ARCHIVED');
    await page.click('#chip-type-DESTINATION');
    await page.fill('#search', 'snow');
    await expect.poll(slugs).toEqual(['destination-snowflake']);
    await page.fill('#search', '');
    await page.click('#chip-type-DESTINATION');
    await expect.poll(count).toBe(`1–20 of ${PUBLIC.length} connectors`);
  });

  it('counts connectors by language on chips, as the API does, and filters by one', async () => {
    const labels = await labelsOf(server.url);
    const all = await facetsOf(server.url, {});
    // The seed's languages, most connectors first: the order of the chips.
    const languages = [...new Set(PUBLIC.map((c) => c.language).filter(Boolean))].sort(
      (a, b) => PUBLIC.filter((c) => c.language === b).length - PUBLIC.filter((c) => c.language === a).length || (a! < b! ? -1 : 1),
    ) as string[];
    expect(all.languages.map((l) => l.value)).toEqual(languages);
    await expect.poll(() => shownChipNames(page)).toEqual(chipNames(all, labels, languages));

    const [top] = languages;
    await page.click('#chip-type-SOURCE');
    await page.getByRole('button', { name: new RegExp(`^${top} \\d+ connectors?$`) }).click();
    const chosen = await facetsOf(server.url, { type: 'SOURCE', language: top });
    await expect.poll(() => shownChipNames(page)).toEqual(chipNames(chosen, labels, languages));
    const sources = PUBLIC.filter((c) => c.type === 'source' && c.language === top).length;
    await expect.poll(count).toBe(`1–${Math.min(sources, 20)} of ${sources} connector${sources === 1 ? '' : 's'}`);
    await page.click(`#chip-language-${top}`);
    await page.click('#chip-type-SOURCE');
    await expect.poll(count).toBe(`1–20 of ${PUBLIC.length} connectors`);
  });

  it("shows a connector's support on every deployment and its upcoming breaking changes", async () => {
    await page.fill('#search', 'github');
    await expect.poll(slugs).toEqual(['source-github']);
    // From the keyboard: the name is a button.
    await page.getByRole('button', { name: 'GitHub', exact: true }).press('Enter');
    await page.locator('#support tbody tr').nth(3).waitFor();
    const cells = await page.locator('#support tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells).toEqual([
      ['Cloud', 'supported', 'Yes', 'premium support'],
      ['Powered by Airbyte', 'supported', 'Yes', 'premium support'],
      ['Self-Managed Enterprise', 'supported', 'Yes', 'premium support'],
      ['Community (OSS)', 'slack only', 'No', 'community slack'],
    ]);
    expect(await page.locator('#upcoming').innerText()).toContain('9.0.0 by 2036-01-01: Version 9.0.0 drops the legacy streams.');
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', 'catalog.png'), fullPage: true });
  });

  it('announces a certification as it happens', async () => {
    await page.fill('#search', '');
    await api(
      'mutation { certifyConnector(input: {connectorSlug: "destination-duckdb", reason: "Certified while the catalog watches."}) { userErrors { code } } }',
    );
    await expect.poll(() => page.locator('#live').innerText(), { timeout: 10_000 }).toBe('Newly certified: DuckDB');
  });
});
