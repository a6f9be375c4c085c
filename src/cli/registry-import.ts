// npm run registry:import -- <path-or-URL> [--registry oss|cloud] [--dry-run] [--json] [--skip-invalid] [--force]
//   [--as-of YYYY-MM-DD] [--max-unavailable-share 0.1] [--keep-demo] [--actor name] [--quiet]
// Every import computes its plan first and prints it; a dry run stops there, a real one writes it and logs it.
import { closeDatabase } from '../db/client.js';
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isoDateSchema } from '../domain/connectors/input.js';
import { ImportRefusedError, importConnectors, type ImportSummary } from '../domain/registry/import.js';
import { loadImportSource } from '../domain/registry/load.js';
import { countsLine, DEFAULT_MAX_UNAVAILABLE_SHARE, refusalMessage, type ImportReport } from '../domain/registry/plan.js';
import type { RegistryKey } from '../db/schema.js';
import { openConfiguredDatabase, runCli } from './open.js';

interface Options {
  registry?: RegistryKey;
  skipInvalid: boolean;
  dryRun: boolean;
  json: boolean;
  force: boolean;
  asOf?: string;
  maxUnavailableShare: number;
  keepDemo: boolean;
  actor: string;
  quiet: boolean;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1, e.g. 0.1 for 10%');
  return n;
}

function date(value: string): string {
  const parsed = isoDateSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'must be a date as YYYY-MM-DD');
  // A snapshot from the future would make every later import look older than what is stored.
  if (parsed.data > new Date().toISOString().slice(0, 10)) throw new InvalidArgumentError('must not be after today');
  return parsed.data;
}

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Up to `max` lines, then one saying how many more there are. */
function capped(lines: string[], max = 20): string[] {
  return lines.length > max ? [...lines.slice(0, max), `  … and ${lines.length - max} more (--json lists them all)`] : lines;
}

const show = (v: unknown): string => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** The deployments of each connector, in the order the list names them. */
function grouped(list: { slug: string; deployment: string }[]): Map<string, string[]> {
  const bySlug = new Map<string, string[]>();
  for (const { slug, deployment } of list) bySlug.set(slug, [...(bySlug.get(slug) ?? []), deployment]);
  return bySlug;
}

/** The plan's details, one line per connector or entry; refused entries list each of their problems. */
function detailLines(r: ImportReport, dryRun: boolean): string[] {
  const refused = new Map<string, string[]>();
  for (const x of r.refused) refused.set(x.entry, [...(refused.get(x.entry) ?? []), `      ${x.path || '(entry)'}: ${x.rule}`]);
  const off = (deployments: string[]) => deployments.join(', ');
  return [
    ...r.levelChanges.map((c) => `  level: ${c.slug} ${c.from} → ${c.to}${c.effectiveAt ? ` (effective ${c.effectiveAt})` : ''}`),
    ...capped(
      r.unavailable.map(
        (u) => `  unavailable on ${off(u.deployments)}: ${u.slug} (${u.reason === 'absent' ? 'no longer listed' : 'its entry leaves that registry'})`,
      ),
    ),
    ...capped([...grouped(r.availability.filter((a) => a.to))].map(([slug, deployments]) => `  available on ${off(deployments)}: ${slug}`)),
    ...r.renames.map(
      (n) =>
        `  renamed: ${n.fromSlug}${n.toSlug !== n.fromSlug ? ` → ${n.toSlug}` : ''}, definition ID ${n.fromDefinitionId}${n.toDefinitionId !== n.fromDefinitionId ? ` → ${n.toDefinitionId}` : ''} (${n.registry ? `${n.registry} registry, ` : ''}${n.entry})`,
    ),
    ...r.conflicts.map((c) => `  conflict (${c.kind}): ${c.entry}: ${c.message}`),
    ...[...refused].flatMap(([entry, problems]) => [`  refused ${entry}:`, ...problems]),
    ...capped(r.older.map((o) => `  older: ${o.slug}: ${o.at}, stored ${o.stored}`)),
    ...capped(r.added.map((a) => `  added ${a.slug} (${a.entry})`)),
    ...capped(r.changed.map((c) => `  updated ${c.slug}: ${c.fields.map((f) => `${f.field} ${show(f.from)} → ${show(f.to)}`).join('; ')}`)),
    ...(r.demo && r.demo.connectors + r.demo.breakingChanges + r.demo.events > 0
      ? [
          `  demo data ${dryRun ? 'to remove' : 'removed'}: ${r.demo.connectors} connectors, ${r.demo.breakingChanges} breaking changes, ${r.demo.events} history events`,
        ]
      : []),
    ...r.notes.map((n) => `  note: ${n}`),
    `  content: sha256 ${r.contentHash}`,
  ];
}

function what(r: ImportReport, loadedRegistries: RegistryKey[]): string {
  return `${loadedRegistries.length ? `${loadedRegistries.join(' and ')} registry` : 'metadata.yaml'}, ${r.counts.entries} entries${r.asOf ? `, as of ${r.asOf}` : ''}`;
}

function humanReport(summary: Pick<ImportSummary, 'importId' | 'dryRun'> & { report: ImportReport }, head: string, quiet: boolean): string {
  const r = summary.report;
  const lines = [head, `  ${countsLine(r.counts)}`, ...(quiet ? [] : detailLines(r, summary.importId === null))];
  if (summary.dryRun) {
    lines.push(r.blockers.length ? `Dry run: nothing was written. A real import would be ${refusalMessage(r)}` : 'Dry run: nothing was written.');
  }
  return `${lines.join('\n')}\n`;
}

function print(o: Options, summary: Pick<ImportSummary, 'importId' | 'dryRun'> & { report: ImportReport }, head: string): void {
  const body = o.json
    ? `${JSON.stringify({ dryRun: summary.dryRun, importId: summary.importId, written: summary.importId !== null, ...summary.report }, null, 2)}\n`
    : humanReport(summary, head, o.quiet);
  process.stdout.write(body);
}

const program = new Command('registry:import')
  .description(
    'Load an Airbyte registry JSON file (path or URL) or a folder of metadata.yaml files into the registry. The plan comes first: what would be added, changed, made unavailable, renamed, refused; a guard refuses an import that would make too much unavailable or bring older entries than the stored ones.',
  )
  .argument('<source>', 'oss_registry.json / cloud_registry.json (path or http(s) URL), a metadata.yaml, or a folder of them')
  .addOption(new Option('--registry <registry>', 'which registry a JSON file is (default: cloud if the file name says so, else oss)').choices(['oss', 'cloud']))
  .option('--dry-run', 'print the plan and write nothing', false)
  .option('--json', 'print the plan (and for a real import, what it did) as JSON', false)
  .option(
    '--skip-invalid',
    'import the valid entries and refuse the invalid ones, which leaves their connectors as they are, instead of importing nothing',
    false,
  )
  .option(
    '--force',
    "import even what a guard refuses (too much made unavailable, older or undated entries), and apply the file's support levels over later API changes",
    false,
  )
  .option('--as-of <date>', 'the snapshot date (YYYY-MM-DD) of entries that carry no generation time: a metadata folder, an old registry', date)
  .addOption(
    new Option('--max-unavailable-share <share>', 'the largest share of the available connectors an import may make unavailable')
      .env('REGISTRY_IMPORT_MAX_UNAVAILABLE_SHARE')
      .argParser(share)
      .default(DEFAULT_MAX_UNAVAILABLE_SHARE),
  )
  .option('--keep-demo', 'keep the demo data (a real import removes it)', false)
  .addOption(new Option('--actor <name>', 'who runs the import, for the import log').env('REGISTRY_IMPORT_ACTOR').default(defaultActor(), 'your user name'))
  .option('--quiet', 'print only the counts', false)
  .action((source: string, o: Options) =>
    runCli(async () => {
      const started = performance.now();
      const loaded = await loadImportSource(source, { registry: o.registry });
      const db = await openConfiguredDatabase();
      try {
        let progressed = false;
        const progress = (done: number, total: number) => {
          progressed = true;
          process.stderr.write(`\r  ${done}/${total} connectors`);
        };
        let summary: ImportSummary;
        try {
          summary = await importConnectors(db, loaded, {
            dryRun: o.dryRun,
            force: o.force,
            asOf: o.asOf ?? null,
            maxUnavailableShare: o.maxUnavailableShare,
            skipInvalid: o.skipInvalid,
            removeDemo: !o.keepDemo,
            actor: o.actor,
            auditActor: `cli:${o.actor}`,
            onProgress: o.quiet || o.json ? undefined : progress,
          });
        } catch (error) {
          if (!(error instanceof ImportRefusedError)) throw error;
          print(o, { importId: null, dryRun: false, report: error.report }, `Refused ${source} (${what(error.report, loaded.registries)}); the plan:`);
          throw error;
        }
        if (progressed) process.stderr.write('\n');
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        const head = summary.dryRun
          ? `Plan for ${source} (${what(summary.report, loaded.registries)}):`
          : `Imported ${source} (${what(summary.report, loaded.registries)}) in ${seconds} s as import ${summary.importId}:`;
        print(o, summary, head);
      } finally {
        await closeDatabase(db);
      }
    }),
  );

await program.parseAsync();
