// What the catalog page's filter chips should say, asked of the API, and what Chromium says they say.
import type { Page } from 'playwright-core';

export interface Facet {
  value: string | boolean;
  count: number;
}
export interface Facets {
  types: Facet[];
  supportLevels: Facet[];
  deployments: Facet[];
  withSla: Facet[];
  languages: Facet[];
}

/** Posts a GraphQL request to a running server and returns its data, throwing on errors. */
export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** The list's facets for a filter (as of an instant, when given), as the API gives them. */
export async function facetsOf(url: string, filter: Record<string, unknown>, asOf?: string): Promise<Facets> {
  const data = await graphql(
    url,
    `query ($filter: ConnectorFilter, $asOf: DateTime) { connectors(first: 1, filter: $filter, asOf: $asOf) {
      facets { types { value count } supportLevels { value count } deployments { value count } withSla { value count } languages { value count } } } }`,
    { filter, asOf },
  );
  return data.connectors.facets;
}

/** The display labels of support levels and deployments, by key. */
export async function labelsOf(url: string): Promise<Record<string, string>> {
  const meta = await graphql(url, '{ supportLevels { key label } deployments { key label } }');
  return Object.fromEntries([...meta.supportLevels, ...meta.deployments].map((l: { key: string; label: string }) => [l.key, l.label]));
}

/**
 * The chips' accessible names the page should show for these facets, in the page's order. `languages`
 * are the language chips the page has (the facet leaves out languages without a connector: those chips stay, at 0).
 */
export function chipNames(f: Facets, labels: Record<string, string>, languages: string[]): string[] {
  const name = (text: string, count: number) => `${text} ${count} connector${count === 1 ? '' : 's'}`;
  const types: Record<string, string> = { SOURCE: 'Sources', DESTINATION: 'Destinations' };
  return [
    ...f.types.map((t) => name(types[String(t.value)]!, t.count)),
    ...f.supportLevels.map((l) => name(labels[String(l.value)]!, l.count)),
    ...f.deployments.map((d) => name(labels[String(d.value)]!, d.count)),
    ...f.withSla.filter((s) => s.value === true).map((s) => name('With SLA', s.count)),
    ...languages.map((l) => name(l, f.languages.find((x) => x.value === l)?.count ?? 0)),
  ];
}

/** The filter buttons' accessible names, as Chromium's accessibility tree gives them. */
export async function shownChipNames(page: Page): Promise<string[]> {
  const tree = await page.locator('#filters').ariaSnapshot();
  return [...tree.matchAll(/- button "([^"]*)"/g)].map((m) => m[1]!);
}
