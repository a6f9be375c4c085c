import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser } from './helpers/browser.js';
import { ROOT, startServer, tempDir, type RunningServer } from './helpers/process.js';

describeWithBrowser('GraphiQL in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer({ DATABASE_PATH: join(tempDir(), 'graphiql.db') });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens with the example tabs, runs the headline query and shows its results, with no request leaving the machine', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) outside.push(r.url());
    });
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs.map((t) => t.trim())).toEqual(['SupportedWithSla', 'ConnectorDetail', 'SupportMatrix', 'Certify']);
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    // CodeMirror renders spaces as non-breaking ones: compare with white space folded.
    const text = async () => (await response.innerText()).replace(/\s+/g, ' ');
    await expect.poll(text, { timeout: 15_000 }).toMatch(/"totalCount": 34,/);
    expect(await text()).toContain('"slug": "destination-bigquery"');
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', 'graphiql.png') });
    expect(outside).toEqual([]);
    await page.close();
  });
});
