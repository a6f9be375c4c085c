// Synthetic connectors in Airbyte's registry format, shared by the benchmarks.
import { closeSync, openSync, writeSync } from 'node:fs';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** One registry entry, with a spec and a generated block so the kept entry has real weight. */
export function syntheticEntry(i: number, type: 'source' | 'destination'): Record<string, unknown> {
  const slug = `${type}-synthetic-${i}`;
  const language = ['python', 'java', 'manifest-only'][i % 3];
  const entry: Record<string, unknown> = {
    [`${type}DefinitionId`]: `${hex(i, 8)}-${type === 'source' ? '0000' : '1111'}-4000-8000-${hex(i * 7919, 12)}`,
    name: `Synthetic ${type} ${i}`,
    dockerRepository: `airbyte/${slug}`,
    dockerImageTag: `${i % 7}.${i % 13}.${i % 5}`,
    documentationUrl: `https://docs.example.test/${type}s/synthetic-${i}`,
    iconUrl: `https://icons.example.test/${slug}.svg`,
    sourceType: ['api', 'database', 'file'][i % 3],
    spec: {
      connectionSpecification: {
        type: 'object',
        required: ['api_key'],
        properties: { api_key: { type: 'string', airbyte_secret: true }, start_date: { type: 'string', format: 'date' } },
      },
    },
    tombstone: false,
    public: true,
    custom: false,
    releaseStage: ['alpha', 'beta', 'generally_available'][i % 3],
    supportLevel: i % 10 === 0 ? 'certified' : 'community',
    ab_internal: { sl: i % 10 === 0 ? 300 : 100, ql: 100 + (i % 4) * 100 },
    generated: {
      git: { commit_sha: hex(i, 12) },
      source_file_info: { metadata_etag: hex(i * 31, 16) },
      metrics: { all: { airbyte_platform: 'all', usage: ['low', 'medium', 'high', null][i % 4], sync_success_rate: ['high', 'medium', 'low'][i % 3] } },
    },
    language,
    license: 'ELv2',
    tags: [`language:${language}`],
  };
  if (i % 25 === 0) {
    entry.releases = {
      breakingChanges: {
        '2.0.0': {
          upgradeDeadline: '2025-06-01',
          message: `Version 2.0.0 of ${slug} changes a stream.`,
          migrationDocumentationUrl: `https://docs.example.test/${slug}-migrations#2.0.0`,
        },
      },
    };
  }
  return entry;
}

/** A registry document with `count` connectors, half sources and half destinations. */
export function syntheticRegistry(count: number): { sources: Record<string, unknown>[]; destinations: Record<string, unknown>[] } {
  const half = Math.floor(count / 2);
  return {
    sources: Array.from({ length: count - half }, (_, i) => syntheticEntry(i, 'source')),
    destinations: Array.from({ length: half }, (_, i) => syntheticEntry(i, 'destination')),
  };
}

/**
 * Writes the same document as JSON.stringify(syntheticRegistry(count)) to a file, an entry at a time, so
 * that making a large registry costs this process no more memory than the entries of one write.
 */
export function writeSyntheticRegistry(path: string, count: number): void {
  const half = Math.floor(count / 2);
  const fd = openSync(path, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const write = (text: string) => {
      pending.push(text);
      size += text.length;
      if (size < 1 << 20) return;
      writeSync(fd, pending.join(''));
      pending = [];
      size = 0;
    };
    for (const [key, type, n] of [
      ['sources', 'source', count - half],
      ['destinations', 'destination', half],
    ] as const) {
      write(key === 'sources' ? '{"sources":[' : '],"destinations":[');
      for (let i = 0; i < n; i++) write(`${i ? ',' : ''}${JSON.stringify(syntheticEntry(i, type))}`);
    }
    write(']}');
    writeSync(fd, pending.join(''));
  } finally {
    closeSync(fd);
  }
}
