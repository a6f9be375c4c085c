// One answer whichever path serves it: a request the full pipeline refuses is refused the same way
// when the response cache and the fast lane hold an answer for the same body or query. The reference
// is an app whose cache is off and which has answered nothing before (so its fast lane knows no
// operation); the subject is an app warmed with the valid request first. Both on loopback listeners.
import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { CSRF_HEADER } from '../src/http/checks.js';
import { openTestDatabase } from './helpers/database.js';
import { createHarness, serve } from './helpers/harness.js';

const QUERY = '{ connectors(first: 3) { totalCount edges { node { slug supportLevel } } } }';
const MUTATION = 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Refused-forms test certification."}) { dryRun } }';
const BODY = JSON.stringify({ query: QUERY });
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const get = (query: string, params = '') => `/graphql?query=${encodeURIComponent(query)}${params}`;

interface Form {
  path: string;
  init: RequestInit;
}

/** Requests the pipeline refuses (but NOT_REFUSED), each as close to the warmed request as the form allows. */
const REFUSED: Record<string, Form> = {
  'POST text/plain': { path: '/graphql', init: { method: 'POST', headers: { 'content-type': 'text/plain', accept: 'application/json' }, body: BODY } },
  'POST form-encoded': {
    path: '/graphql',
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: BODY },
  },
  'POST multipart': {
    path: '/graphql',
    init: { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', accept: 'application/json' }, body: BODY },
  },
  'POST text/plain with a JSON parameter': {
    path: '/graphql',
    init: { method: 'POST', headers: { 'content-type': 'text/plain; charset=application/json', accept: 'application/json' }, body: BODY },
  },
  'POST without a content type': { path: '/graphql', init: { method: 'POST', headers: { accept: 'application/json' }, body: new TextEncoder().encode(BODY) } },
  PUT: { path: '/graphql', init: { method: 'PUT', headers: JSON_HEADERS, body: BODY } },
  PATCH: { path: '/graphql', init: { method: 'PATCH', headers: JSON_HEADERS, body: BODY } },
  DELETE: { path: '/graphql', init: { method: 'DELETE', headers: JSON_HEADERS, body: BODY } },
  'GET with a cookie and no CSRF header': { path: get(QUERY), init: { headers: { accept: 'application/json', cookie: 'session=1' } } },
  'GET with Basic credentials and no CSRF header': { path: get(QUERY), init: { headers: { accept: 'application/json', authorization: 'Basic dXNlcjpwYXNz' } } },
  'a mutation over GET': { path: get(MUTATION), init: { headers: { accept: 'application/json' } } },
  'a mutation over GET with the CSRF header': { path: get(MUTATION), init: { headers: { accept: 'application/json', [CSRF_HEADER]: '1' } } },
  'a batched array': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify([{ query: QUERY }]) } },
  'a body without a query': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ variables: {} }) } },
  'a query that is not a string': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query: [QUERY] }) } },
  'an unknown member beside the query': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query: QUERY, junk: 1 }) } },
  'variables that are not an object': {
    path: '/graphql',
    init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query: QUERY, variables: [1] }) },
  },
  'junk after the JSON body': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: `${BODY}x` } },
  'an empty body': { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: '' } },
  'a token that is not valid': { path: '/graphql', init: { method: 'POST', headers: { ...JSON_HEADERS, authorization: 'Bearer crg_nope' }, body: BODY } },
  'a GET with a token that is not valid': { path: get(QUERY), init: { headers: { accept: 'application/json', authorization: 'Bearer crg_nope' } } },
  'an Accept the gateway cannot answer': {
    path: '/graphql',
    init: { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/html' }, body: BODY },
  },
  'a query string beside a JSON body': { path: get('{ __typename }'), init: { method: 'POST', headers: JSON_HEADERS, body: BODY } },
};

/**
 * Forms in the list the pipeline answers 200 all the same: a body without a query gets its error with
 * 200 (GraphQL over HTTP's rule for application/json), and a POST's query string is not read.
 */
const NOT_REFUSED = ['a body without a query', 'a query string beside a JSON body'];

async function seededApp(cache: boolean): Promise<App> {
  const db = await openTestDatabase({ seed: 'demo' });
  return createApp({ db, log: () => {}, webhooks: false, responseCache: { enabled: cache } });
}

/** What a client can tell apart: the status, the Allow header and the body. */
async function answer(response: Response) {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: response.status, allow: response.headers.get('allow'), body };
}

describe('one answer whichever path serves it', () => {
  it('refuses every refused form as the pipeline does, with the cache and the fast lane warm for the same request', async () => {
    const h = await createHarness();
    const plain = serve(await seededApp(false));
    const reference = (form: Form) => plain.fetch(form.path, form.init);
    // Warm: the cache holds the POST and the GET answers, and the fast lane knows the query.
    const warm = { path: '/graphql', init: { method: 'POST', headers: JSON_HEADERS, body: BODY } };
    const warmGet = { path: get(QUERY), init: { headers: { accept: 'application/json' } } };
    for (const form of [warm, warm, warmGet, warmGet]) await (await h.fetch(form.path, form.init)).arrayBuffer();
    const served = await h.fetch(warm.path, warm.init);
    expect(served.headers.get('x-cache')).toBe('hit');
    expect(await answer(served)).toEqual(await answer(await reference(warm)));
    expect(await answer(await h.fetch(warmGet.path, warmGet.init))).toEqual(await answer(await reference(warmGet)));

    const differences: Record<string, unknown> = {};
    for (const [name, form] of Object.entries(REFUSED)) {
      const expected = await answer(await reference(form));
      if (!NOT_REFUSED.includes(name)) expect(expected.status, `${name} is refused by the pipeline`).toBeGreaterThanOrEqual(400);
      const got = await h.fetch(form.path, form.init).then(answer, (error: Error) => ({ failed: String(error.cause ?? error) }));
      if (JSON.stringify(got) !== JSON.stringify(expected)) differences[name] = { got, expected };
    }
    expect(differences).toEqual({});
  });
});
