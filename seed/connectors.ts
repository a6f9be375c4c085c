// A hand-curated, deterministic set of well-known connectors. Definition IDs of public connectors are
// Airbyte's own, so a later import of a real registry updates these rows instead of duplicating them.
// Enterprise and custom connectors have no public definition ID; theirs are made up here.
import type { ConnectorSeed } from '../src/domain/connectors/input.js';
import type { DeploymentKey } from '../src/db/schema.js';

const OSS: DeploymentKey[] = ['community_oss', 'self_managed_enterprise'];
const CLOUD: DeploymentKey[] = ['cloud', 'powered_by_airbyte'];
const BOTH: DeploymentKey[] = [...CLOUD, ...OSS];
const ENTERPRISE: DeploymentKey[] = ['cloud', 'powered_by_airbyte', 'self_managed_enterprise'];

type Compact = [
  slug: string,
  definitionId: string,
  name: string,
  tag: string,
  level: ConnectorSeed['supportLevel'],
  stage: ConnectorSeed['releaseStage'],
  language: string | null,
  subtype: string,
  sl: number,
  ql: number,
  availableOn: DeploymentKey[],
];

const PUBLIC: Compact[] = [
  ['source-postgres', 'decd338e-5647-4c0b-adf4-da0e75f5a750', 'Postgres', '3.7.0', 'certified', 'generally_available', 'java', 'database', 300, 400, BOTH],
  ['source-mysql', '435bb9a5-7887-4809-aa58-28c27df0d7ad', 'MySQL', '3.51.4', 'certified', 'generally_available', 'java', 'database', 300, 400, BOTH],
  ['source-mongodb-v2', 'b2e713cd-cc36-4c0a-b5bd-b47cb8a0561e', 'MongoDb', '2.0.4', 'certified', 'generally_available', 'java', 'database', 200, 200, BOTH],
  ['source-mssql', 'b5ea17b1-f170-46dc-bc31-cc744ca984c1', 'Microsoft SQL Server (MSSQL)', '4.2.6', 'certified', 'generally_available', 'java', 'database', 100, 200, BOTH],
  ['source-stripe', 'e094cb9a-26de-4645-8761-65c0c425d1de', 'Stripe', '5.15.11', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-github', 'ef69ef6e-aa7f-4af1-a01d-ef775033524e', 'GitHub', '2.1.2', 'certified', 'generally_available', 'python', 'api', 300, 400, BOTH],
  ['source-salesforce', 'b117307c-14b6-41aa-9422-947e34922962', 'Salesforce', '2.7.16', 'certified', 'generally_available', 'python', 'api', 300, 400, BOTH],
  ['source-hubspot', '36c891d9-4bd9-43ac-bad2-10e12756272c', 'HubSpot', '6.0.10', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-google-analytics-data-api', '3cc2eafd-84aa-4dca-93af-322d9dfeec1a', 'Google Analytics 4 (GA4)', '2.9.15', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-facebook-marketing', 'e7778cfc-e97c-4458-9ecb-b4f2bba8946c', 'Facebook Marketing', '4.1.2', 'certified', 'generally_available', 'python', 'api', 300, 400, BOTH],
  ['source-shopify', '9da77001-af33-4bcd-be46-6252bf9342b9', 'Shopify', '3.0.13', 'certified', 'generally_available', 'python', 'api', 300, 400, BOTH],
  ['source-zendesk-support', '79c1aa37-dae3-42ae-b333-d1c105477715', 'Zendesk Support', '4.10.15', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-jira', '68e63de2-bb83-4c7e-93fa-a8a9051e3993', 'Jira', '4.3.6', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-slack', 'c2281cee-86f9-4a86-bb48-d23286b4c7bd', 'Slack', '3.1.7', 'certified', 'generally_available', 'manifest-only', 'api', 200, 400, BOTH],
  ['source-google-sheets', '71607ba1-c0ac-4799-8049-7f4b90dd50f7', 'Google Sheets', '0.12.12', 'certified', 'generally_available', 'manifest-only', 'file', 300, 400, BOTH],
  ['source-s3', '69589781-7828-43c5-9f63-8925b1c1ccc2', 'S3', '4.15.2', 'certified', 'generally_available', 'python', 'file', 300, 400, BOTH],
  ['source-google-ads', '253487c0-2246-43ba-a21f-5116b20a2c50', 'Google Ads', '4.0.2', 'certified', 'generally_available', 'python', 'api', 300, 400, BOTH],
  ['source-intercom', 'd8313939-3782-41b0-be29-b3ca20d8dd3a', 'Intercom', '0.13.13', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-klaviyo', '95e8cffd-b8c4-4039-968e-d32fb4a69bde', 'Klaviyo', '2.16.6', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-notion', '6e00b415-b02e-4160-bf02-58176a0ae687', 'Notion', '3.3.5', 'certified', 'generally_available', 'manifest-only', 'api', 200, 400, BOTH],
  ['source-linkedin-ads', '137ece28-5434-455c-8f34-69dc3782f451', 'LinkedIn Ads', '5.6.0', 'certified', 'generally_available', 'manifest-only', 'api', 300, 400, BOTH],
  ['source-file', '778daa7c-feaf-4db6-96f3-70fd645acc77', 'File (CSV, JSON, Excel, Feather, Parquet)', '0.6.0', 'certified', 'generally_available', 'python', 'file', 300, 400, BOTH],
  ['source-faker', 'dfd88b22-b603-4c3d-aad7-3701784586b1', 'Sample Data', '6.2.38', 'community', 'beta', 'python', 'api', 100, 300, BOTH],
  ['source-pokeapi', '6371b14b-bc68-4236-bfbd-468e8df8e968', 'PokeAPI', '0.3.42', 'community', 'alpha', 'manifest-only', 'api', 100, 100, BOTH],
  ['source-asana', 'd0243522-dccf-4978-8ba0-37ed47a0bdbf', 'Asana', '1.5.0', 'community', 'beta', 'python', 'api', 100, 300, BOTH],
  ['source-trello', '8da67652-004c-11ec-9a03-0242ac130003', 'Trello', '1.3.10', 'community', 'beta', 'manifest-only', 'api', 100, 300, BOTH],
  ['source-quickbooks', 'cf9c4355-b171-4477-8f2d-6c5cc5fc8b7e', 'QuickBooks', '4.1.8', 'community', 'alpha', 'manifest-only', 'api', 100, 100, BOTH],
  ['source-braintree', '63cea06f-1c75-458d-88fe-ad48c7cb27fd', 'Braintree', '0.3.28', 'community', 'alpha', 'python', 'api', 100, 200, BOTH],
  ['source-zendesk-sell', '982eaa4c-bba1-4cce-a971-06a41f700b8c', 'Zendesk Sell', '0.3.22', 'community', 'alpha', 'manifest-only', 'api', 100, 100, CLOUD],
  ['destination-postgres', '25c5221d-dce2-4163-ade9-739ef790f503', 'Postgres', '2.4.7', 'certified', 'generally_available', 'java', 'database', 100, 200, BOTH],
  ['destination-snowflake', '424892c4-daac-4491-b35d-c6688ba547ba', 'Snowflake', '4.0.27', 'certified', 'generally_available', 'java', 'database', 300, 300, BOTH],
  ['destination-bigquery', '22f6c74f-5699-40ff-833c-4a879ea40133', 'BigQuery', '3.0.14', 'certified', 'generally_available', 'java', 'database', 300, 300, BOTH],
  ['destination-s3', '4816b78f-1489-44c1-9060-4b19d5fa9362', 'S3', '1.9.5', 'certified', 'generally_available', 'java', 'file', 300, 300, BOTH],
  ['destination-redshift', 'f7a7d195-377f-cf5b-70a5-be6b819019dc', 'Redshift', '3.5.3', 'certified', 'generally_available', 'java', 'database', 100, 200, BOTH],
  ['destination-databricks', '072d5540-f236-4294-ba7c-ade8fd918496', 'Databricks Lakehouse', '3.3.7', 'certified', 'generally_available', 'java', 'database', 100, 100, BOTH],
  ['destination-clickhouse', 'ce0d828e-1dc4-496c-b122-2da42e637e48', 'Clickhouse', '2.1.13', 'certified', 'generally_available', 'java', 'database', 300, 300, BOTH],
  ['destination-pinecone', '3d2b6f84-7f0d-4e3f-a5e5-7c7d4b50eabd', 'Pinecone', '0.1.46', 'certified', 'beta', 'python', 'vectorstore', 300, 300, BOTH],
  ['destination-duckdb', '94bd199c-2ff0-4aa2-b98e-17f0acb72610', 'DuckDB', '0.5.1', 'community', 'beta', 'python', 'database', 100, 100, BOTH],
  ['destination-elasticsearch', '68f351a7-2745-4bef-ad7f-996b8e51bb8c', 'ElasticSearch', '0.2.0', 'community', 'alpha', 'java', 'api', 100, 100, BOTH],
  ['destination-kafka', '9f760101-60ae-462f-9ee6-b7a9dafd454d', 'Kafka', '0.1.11', 'community', 'alpha', 'java', 'database', 100, 100, OSS],
  ['destination-mysql', 'ca81ee7c-3163-4246-af40-094cc31e5e42', 'MySQL', '1.1.1', 'community', 'alpha', 'java', 'database', 100, 200, BOTH],
  ['destination-firestore', '27dc7500-6d1b-40b1-8b07-e2f2aea3c9f4', 'Google Firestore', '0.2.22', 'community', 'alpha', 'python', 'database', 100, 100, BOTH],
  ['destination-keen', '81740ce8-d764-4ea7-94df-16bb41de36ae', 'Chargify (Keen)', '0.2.4', 'archived', 'alpha', 'java', 'api', 100, 100, []],
  ['destination-rockset', '2c9d93a7-9a17-4789-9de9-f46f0097eb70', 'Rockset', '0.1.4', 'archived', 'alpha', 'java', 'database', 100, 100, []],
  ['source-orbit', '95bcc041-1d1a-4c2e-8802-0ca5b1bfa36a', 'Orbit', '0.3.17', 'archived', 'alpha', 'python', 'api', 100, 100, []],
];

// Enterprise connectors (FORMAT.md §6): built outside the public monorepo, so the IDs are ours.
const ENTERPRISE_CONNECTORS: Compact[] = [
  ['source-oracle-enterprise', '5ce7c5f6-0f3c-4b4e-9a51-4f4c5f2e0e01', 'Oracle Enterprise', '1.4.2', 'enterprise', 'generally_available', 'java', 'database', 300, 400, ENTERPRISE],
  ['source-workday', '5ce7c5f6-0f3c-4b4e-9a51-4f4c5f2e0e02', 'Workday', '1.1.0', 'enterprise', 'generally_available', 'python', 'api', 300, 400, ENTERPRISE],
  ['source-service-now', '5ce7c5f6-0f3c-4b4e-9a51-4f4c5f2e0e03', 'ServiceNow', '0.9.3', 'enterprise', 'generally_available', 'manifest-only', 'api', 200, 400, ENTERPRISE],
  ['destination-salesforce', '5ce7c5f6-0f3c-4b4e-9a51-4f4c5f2e0e04', 'Salesforce', '0.3.1', 'enterprise', 'beta', 'java', 'api', 200, 300, ENTERPRISE],
];

// Custom connectors belong to one organization (here the fictional "acme").
const CUSTOM_CONNECTORS: Compact[] = [
  ['source-acme-billing', '0a1c0b5e-ac3e-4d00-8000-000000000001', 'Acme Billing API', '0.4.0', 'custom', 'custom', 'manifest-only', 'api', 100, 100, ['cloud', 'self_managed_enterprise']],
  ['destination-acme-lake', '0a1c0b5e-ac3e-4d00-8000-000000000002', 'Acme Data Lake', '1.2.0', 'custom', 'custom', 'python', 'file', 100, 100, ['self_managed_enterprise', 'community_oss']],
];

const LICENSE: Record<string, string> = { certified: 'ELv2', community: 'ELv2', archived: 'ELv2', enterprise: 'Commercial', custom: 'Proprietary' };

function expand(c: Compact, organization: string | null): ConnectorSeed {
  const [slug, definitionId, name, dockerImageTag, supportLevel, releaseStage, language, subtype, sl, ql, availableOn] = c;
  const type = slug.startsWith('source-') ? 'source' : 'destination';
  const short = slug.replace(/^(source|destination)-/, '');
  const docs = supportLevel === 'custom' ? null : `https://docs.airbyte.com/integrations/${type}s/${short}`;
  return {
    definitionId,
    slug,
    name,
    type,
    supportLevel,
    releaseStage,
    dockerRepository: organization ? `registry.${organization}.example/${slug}` : `airbyte/${slug}`,
    dockerImageTag,
    documentationUrl: docs,
    iconUrl: organization ? null : `https://connectors.airbyte.com/files/metadata/airbyte/${slug}/latest/icon.svg`,
    language,
    license: LICENSE[supportLevel] ?? null,
    subtype,
    tags: language ? [`language:${language}`] : [],
    releaseDate: null,
    internalSl: sl,
    internalQl: ql,
    organization,
    availability: availableOn.map((deployment) => ({ deployment, enabled: true })),
    breakingChanges: BREAKING_CHANGES[slug] ?? [],
  };
}

// Breaking changes: Airbyte's real announcements (past deadlines) plus a few upcoming ones, dated
// after this seed was written (2026-11), so that the catalog has something ahead to show.
const BREAKING_CHANGES: Record<string, ConnectorSeed['breakingChanges']> = {
  'source-stripe': [
    { version: '4.0.0', upgradeDeadline: '2023-09-14', message: 'Version 4.0.0 changes the cursor field of several streams; reset the affected streams after upgrading.' },
    { version: '5.0.0', upgradeDeadline: '2023-12-11', message: 'Version 5.0.0 introduces incremental syncs via the Events API for most streams.' },
    {
      version: '5.4.0',
      upgradeDeadline: '2024-07-14',
      message: 'The primary key of the Refunds stream changes; refresh the stream after upgrading.',
      scopedImpact: [{ scopeType: 'stream', impactedScopes: ['refunds'] }],
    },
  ],
  'source-github': [
    { version: '2.0.0', upgradeDeadline: '2025-11-21', message: 'Version 2.0.0 migrates the connector to the low-code framework; some stream schemas change.' },
    {
      version: '3.0.0',
      upgradeDeadline: '2027-02-15',
      message: 'Version 3.0.0 drops the deprecated Events stream and renames fields of Pull Request Stats.',
      deadlineAction: 'disable',
      scopedImpact: [{ scopeType: 'stream', impactedScopes: ['events', 'pull_request_stats'] }],
    },
  ],
  'source-hubspot': [
    { version: '5.0.0', upgradeDeadline: '2025-06-15', message: 'Version 5.0.0 moves the connector to the manifest-only format.' },
    { version: '6.0.0', upgradeDeadline: '2025-09-30', message: 'Version 6.0.0 changes the primary keys of the engagement streams.' },
  ],
  'source-mongodb-v2': [
    { version: '1.0.0', upgradeDeadline: '2023-12-01', message: 'Version 1.0.0 switches to change-stream based CDC.' },
    { version: '2.0.0', upgradeDeadline: '2025-08-31', message: 'Version 2.0.0 changes how nested documents are typed.' },
  ],
  'destination-snowflake': [
    { version: '3.0.0', upgradeDeadline: '2023-11-07', message: 'Version 3.0.0 enables Destinations V2 typing and deduplication.' },
    { version: '4.0.0', upgradeDeadline: '2026-01-06', message: 'Version 4.0.0 moves to the direct-load table format.', deadlineAction: 'auto_upgrade' },
  ],
  'destination-bigquery': [
    { version: '2.0.0', upgradeDeadline: '2023-11-07', message: 'Version 2.0.0 enables Destinations V2 typing and deduplication.' },
    { version: '3.0.0', upgradeDeadline: '2026-07-31', message: 'Version 3.0.0 moves to the direct-load table format.' },
  ],
  'destination-duckdb': [
    { version: '0.5.0', upgradeDeadline: '2025-05-07', message: 'Version 0.5.0 upgrades the bundled DuckDB engine; older database files must be migrated.' },
    { version: '0.6.0', upgradeDeadline: '2026-12-10', message: 'Version 0.6.0 drops support for MotherDuck tokens in the path field.' },
  ],
  'source-quickbooks': [
    { version: '4.0.0', upgradeDeadline: '2025-02-15', message: 'Version 4.0.0 migrates to the manifest-only format; re-authenticate after upgrading.' },
  ],
  'source-oracle-enterprise': [
    { version: '2.0.0', upgradeDeadline: '2027-03-01', message: 'Version 2.0.0 changes the default CDC method to LogMiner.', deadlineAction: 'disable' },
  ],
};

export const SEED_CONNECTORS: readonly ConnectorSeed[] = [
  ...PUBLIC.map((c) => expand(c, null)),
  ...ENTERPRISE_CONNECTORS.map((c) => expand(c, null)),
  ...CUSTOM_CONNECTORS.map((c) => expand(c, 'acme')),
];
