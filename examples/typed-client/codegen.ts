// GraphQL Code Generator, client preset: typed operations from the committed schema.graphql.
// Regenerate with `npm run codegen:example` after changing an operation or the schema.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/typed-client/src/**/*.ts', '!examples/typed-client/src/gql/**'],
  ignoreNoDocuments: false,
  // ESM with NodeNext resolution: relative imports in the generated files need their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'examples/typed-client/src/gql/': {
      preset: 'client',
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { ID: 'string' } },
      // ESM with NodeNext resolution: relative imports need their .js extension.
    },
  },
};

export default config;
