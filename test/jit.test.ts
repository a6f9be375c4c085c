// @engine-independent: graphql-jit against graphql-js on schemas in memory; no database.
// graphql-jit runs the fast path's compiled operations. The gateway's own schema has interfaces but no
// union, so this corpus runs on a small schema that has both. A clean result must come out of
// graphql-jit byte for byte as graphql-js writes it. A result with errors need only fail the same way
// (the same data, errors at the same paths): the fast path never writes one, it hands the request to
// yoga, and graphql-jit does word some errors differently and puts `data` before `errors`.
import {
  buildSchema,
  execute,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType as ObjectType,
  GraphQLSchema,
  GraphQLString,
  isObjectType,
  parse,
  type ExecutionResult,
  type GraphQLObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compiledSchema } from '../src/fast-lane/compiled-schema.js';
import { buildSchema as buildGatewaySchema } from '../src/graphql/schema.js';

const schema = buildSchema(`
  type Query {
    search(term: String!): [Result!]!
    item(id: ID!): Item
    items(first: Int = 2): [Item!]!
    broken: String!
    fragile: String
    nested: Holder
  }
  union Result = Connector | Level
  interface Item { id: ID! name: String! }
  type Connector implements Item { id: ID! name: String! level: Level! tags: [String!]! }
  type Level implements Item { id: ID! name: String! rank: Int! }
  type Holder { inner: String! sibling: String }
`);

const levels = [
  { __typename: 'Level', id: 'l1', name: 'certified', rank: 1 },
  { __typename: 'Level', id: 'l2', name: 'community', rank: 2 },
];
const connectors = [
  { __typename: 'Connector', id: 'c1', name: 'source-postgres', level: levels[0], tags: ['language:java'] },
  { __typename: 'Connector', id: 'c2', name: 'source-faker', level: levels[1], tags: [] },
];
const resolvers: Record<string, (args: any) => unknown> = {
  search: ({ term }: { term: string }) => [...connectors, ...levels].filter((x) => x.name.includes(term)),
  item: ({ id }: { id: string }) => [...connectors, ...levels].find((x) => x.id === id) ?? null,
  items: ({ first }: { first: number }) => [...connectors, ...levels].slice(0, first),
  broken: () => {
    throw new Error('broken on purpose');
  },
  fragile: () => Promise.reject(new Error('fragile on purpose')),
  nested: () => ({ inner: null, sibling: 'kept' }),
};
for (const [name, resolve] of Object.entries(resolvers)) schema.getQueryType()!.getFields()[name]!.resolve = (_root, args) => resolve(args);

const CORPUS: { query: string; variables?: Record<string, unknown>; operationName?: string }[] = [
  { query: '{ search(term: "c") { __typename ... on Connector { name tags level { rank } } ... on Level { name rank } } }' },
  { query: 'query S($t: String!) { search(term: $t) { ...Named ... on Level { rank } } } fragment Named on Item { id name }', variables: { t: 'source' } },
  { query: '{ item(id: "c2") { __typename id ... on Connector { level { name } } } missing: item(id: "zz") { id } }' },
  { query: 'query I($n: Int) { items(first: $n) { id ...L } } fragment L on Level { rank }', variables: { n: 4 } },
  { query: '{ items { name } }' },
  {
    query: 'query D($a: Boolean!, $b: Boolean!) { items(first: 4) { id name @include(if: $a) ... on Connector @skip(if: $b) { tags } } }',
    variables: { a: false, b: true },
  },
  {
    query: 'query D($a: Boolean!, $b: Boolean!) { items(first: 4) { id name @include(if: $a) ... on Connector @skip(if: $b) { tags } } }',
    variables: { a: true, b: false },
  },
  { query: 'query A { items { id } } query B { search(term: "o") { __typename } }', operationName: 'B' },
  { query: '{ fragile items(first: 1) { id } }' },
  { query: '{ broken items(first: 1) { id } }' },
  { query: '{ nested { inner sibling } }' },
  { query: 'query V($n: Int) { items(first: $n) { id } }', variables: { n: 'four' } },
  { query: 'query R($t: String!) { search(term: $t) { __typename } }', variables: {} },
];

describe('graphql-jit against graphql-js', () => {
  it.each(CORPUS.map((c, i) => [i, c] as const))('document %i comes out byte for byte the same', async (_i, entry) => {
    const document = parse(entry.query);
    const expected = (await execute({ schema, document, variableValues: entry.variables, operationName: entry.operationName })) as ExecutionResult;
    const compiled = compileQuery(schema, document, entry.operationName);
    expect(isCompiledQuery(compiled)).toBe(true);
    if (!isCompiledQuery(compiled)) return;
    const actual = (await compiled.query(undefined, {}, entry.variables ?? {})) as ExecutionResult;
    if (!expected.errors) {
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      return;
    }
    expect(JSON.stringify(actual.data)).toBe(JSON.stringify(expected.data));
    expect(actual.errors?.map((e) => e.path)).toEqual(expected.errors.map((e) => e.path));
  });

  it('has errors in its corpus, and clean results', async () => {
    const results = await Promise.all(
      CORPUS.map(async (entry) => execute({ schema, document: parse(entry.query), variableValues: entry.variables, operationName: entry.operationName })),
    );
    expect(results.filter((r) => 'errors' in r && r.errors).length).toBe(5);
    expect(results.filter((r) => !('errors' in r) || !r.errors).length).toBe(CORPUS.length - 5);
  });
});

describe('fields marked ROW_PROPERTY', () => {
  const gateway = buildGatewaySchema();
  const marked = Object.values(gateway.getTypeMap())
    .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) => Object.values(type.getFields()).map((field) => ({ type, field })))
    .filter(({ field }) => field.extensions?.rowProperty === true);

  it('are the plain fields of the connector lists', () => {
    const names = marked.map(({ type, field }) => `${type.name}.${field.name}`);
    for (const name of ['Connector.slug', 'Connector.supportLevel', 'ConnectorEdge.node', 'ConnectorConnection.edges', 'ConnectorConnection.pageInfo']) {
      expect(names).toContain(name);
    }
    for (const name of ['Connector.id', 'Connector.support', 'Connector.internalSupportLevel', 'SupportAnswer.coverage']) expect(names).not.toContain(name);
  });

  it('each resolve to the parent property of their own name and nothing else, so the compiled schema may read it directly', async () => {
    for (const { type, field } of marked) {
      const value = { marker: `${type.name}.${field.name}` };
      const parent = { [field.name]: value, other: 'not this' };
      expect(await field.resolve!(parent, {}, {}, { fieldName: field.name, parentType: type } as never), `${type.name}.${field.name}`).toBe(value);
    }
    // And the compiled schema has dropped exactly those resolvers.
    const jit = compiledSchema(gateway);
    for (const { type, field } of marked) expect((jit.getType(type.name) as GraphQLObjectType).getFields()[field.name]!.resolve).toBeUndefined();
    expect((jit.getType('Connector') as GraphQLObjectType).getFields().support!.resolve).toBeTypeOf('function');
  });
});

describe('plugin-drizzle fields in the compiled schema', () => {
  const gateway = buildGatewaySchema();
  const jit = compiledSchema(gateway);
  const field = (schema: typeof gateway, type: string, name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name]!;

  it('read the row their plan loaded, without the per-request mapping lookup', async () => {
    const changes = [{ id: 1, version: '2.0.0' }];
    const events = [{ id: 7, actor: 'bot' }];
    expect(await field(jit, 'Connector', 'breakingChanges').resolve!({ breakingChanges: changes }, {}, {}, {} as never)).toBe(changes);
    // The field's own resolver: certificationHistory is the certificationEvents relation.
    expect(await field(jit, 'Connector', 'certificationHistory').resolve!({ certificationEvents: events }, {}, {}, {} as never)).toBe(events);
    // An exposed column of the field's own name is read inline; one of another name through its resolver.
    expect(field(jit, 'BreakingChange', 'version').resolve).toBeUndefined();
    expect(await field(jit, 'BreakingChange', 'announcedAt').resolve!({ createdAt: '2026-01-01' }, {}, {}, {} as never)).toBe('2026-01-01');
    // In the schema graphql-js runs, the same fields still go through plugin-drizzle's wrapper.
    expect(field(gateway, 'Connector', 'breakingChanges').resolve).not.toBe(field(jit, 'Connector', 'breakingChanges').resolve);
    expect(field(gateway, 'BreakingChange', 'version').resolve).toBeTypeOf('function');
  });

  it('validate arguments synchronously only where nothing but plugin-zod stands in front of the resolver', async () => {
    // connectors: plugin-zod's rules on `first`, checked synchronously in the compiled schema.
    const connectors = field(jit, 'Query', 'connectors');
    expect(connectors.resolve).not.toBe(field(gateway, 'Query', 'connectors').resolve);
    expect(() => connectors.resolve!({}, { first: 0 }, {}, {} as never)).toThrow(/at least 1/);
    // A field behind auth scopes keeps its whole resolver, scope check first.
    for (const [type, name] of [
      ['Mutation', 'certifyConnector'],
      ['Mutation', 'announceBreakingChange'],
      ['Query', 'webhooks'],
    ] as const) {
      expect(field(jit, type, name).resolve, `${type}.${name}`).toBe(field(gateway, type, name).resolve);
    }
  });
});

describe('plugin-zod arguments in the compiled schema', () => {
  // A field as Pothos leaves it: the resolver behind plugin-zod in pothosOriginalResolve, a validator per argument.
  const received: Record<string, unknown>[] = [];
  const query = new ObjectType({
    name: 'Query',
    fields: {
      pick: {
        type: new GraphQLList(GraphQLString),
        args: {
          first: { type: GraphQLInt, extensions: { validator: z.number().int().min(1) } },
          term: { type: GraphQLString, extensions: { validator: z.string().trim() } },
        },
        extensions: {
          pothosOriginalResolve: (_root: unknown, args: Record<string, unknown>) => {
            received.push(args);
            return [];
          },
        },
      },
    },
  });
  const pick = compiledSchema(new GraphQLSchema({ query })).getQueryType()!.getFields().pick!.resolve!;
  const infoOf = (document: string) => ({ fieldNodes: [(parse(document).definitions[0] as OperationDefinitionNode).selectionSet.selections[0]] }) as never;

  it('parses literal arguments once per field node and hands every request the same frozen values', () => {
    received.length = 0;
    const info = infoOf('{ pick(first: 2, term: "  postgres ") }');
    pick(undefined, { first: 2, term: '  postgres ' }, {}, info);
    pick(undefined, { first: 2, term: '  postgres ' }, {}, info);
    expect(received[0]).toEqual({ first: 2, term: 'postgres' });
    expect(received[1]).toBe(received[0]);
    expect(Object.isFrozen(received[0])).toBe(true);
    // Another document's field node is parsed on its own.
    pick(undefined, { first: 3, term: 'mysql' }, {}, infoOf('{ pick(first: 3, term: "mysql") }'));
    expect(received[2]).toEqual({ first: 3, term: 'mysql' });
  });

  it('parses arguments that use variables on every call, and keeps nothing from invalid ones', () => {
    received.length = 0;
    const info = infoOf('query Q($t: String) { pick(first: 2, term: $t) }');
    pick(undefined, { first: 2, term: ' a ' }, {}, info);
    pick(undefined, { first: 2, term: ' b ' }, {}, info);
    expect(received).toEqual([
      { first: 2, term: 'a' },
      { first: 2, term: 'b' },
    ]);
    const invalid = infoOf('{ pick(first: 0) }');
    expect(() => pick(undefined, { first: 0 }, {}, invalid)).toThrow(/>=1/);
    expect(() => pick(undefined, { first: 0 }, {}, invalid)).toThrow(/>=1/);
    expect(received).toHaveLength(2);
  });
});
