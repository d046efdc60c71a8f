import type { ScenarioResult } from '../harness/run.js';
import type { RunMeta, RunReport } from './run-report.js';

/** One shard report to merge, with where it came from (for messages). */
export interface ShardInput {
  source: string;
  report: RunReport;
}

/** The merged run, or every reason it cannot be merged. */
export type MergeResult = { ok: true; meta: RunMeta; results: ScenarioResult[] } | { ok: false; problems: string[] };

/**
 * Join the reports of `pinprick run --shard i/n` runs into the report of the whole run. Pure. A
 * CI matrix that lost a shard, ran one twice, or mixed runs of different clients must not come
 * out green, so everything is checked: one profile, client, world and selection; shards 1..n each
 * exactly once; no scenario in two shards; every selected scenario in one. Each shard ran the
 * calibration itself (its rejections mean something only under its own calibration), so the
 * merged results keep every shard's calibration, and every result says its shard.
 */
export function mergeShards(inputs: readonly ShardInput[]): MergeResult {
  const problems: string[] = [];
  if (!inputs.length) return { ok: false, problems: ['no report to merge'] };
  const first = inputs[0]!.report;
  for (const { source, report } of inputs) {
    if (!report.shard) problems.push(`${source}: not a shard (run with --shard i/n)`);
    if (!report.selection) problems.push(`${source}: no selection recorded (written by an older pinprick): run the shards again`);
    for (const field of ['profile', 'client', 'world'] as const) {
      if (report[field] !== first[field]) problems.push(`${source}: ${field} '${report[field]}', but ${inputs[0]!.source} has '${first[field]}': not shards of one run`);
    }
    if (report.selection && first.selection && report.selection.join('\n') !== first.selection.join('\n')) problems.push(`${source}: its selection differs from ${inputs[0]!.source}'s: not shards of one run`);
  }
  if (problems.length) return { ok: false, problems };
  const parsed = inputs.map((x) => ({ ...x, i: Number(x.report.shard!.split('/')[0]), n: Number(x.report.shard!.split('/')[1]) }));
  const n = parsed[0]!.n;
  for (const x of parsed) if (x.n !== n) problems.push(`${x.source}: shard ${x.report.shard}, but ${parsed[0]!.source} is shard ${parsed[0]!.report.shard}: different shard counts`);
  if (problems.length) return { ok: false, problems };
  const byIndex = new Map<number, string>();
  for (const x of parsed) {
    const seen = byIndex.get(x.i);
    if (seen) problems.push(`shard ${x.i}/${n} given twice: ${seen} and ${x.source}`);
    else byIndex.set(x.i, x.source);
  }
  for (let i = 1; i <= n; i++) if (!byIndex.has(i)) problems.push(`shard ${i}/${n} is missing`);
  // Calibration runs in every shard; every other scenario belongs to exactly one.
  const owner = new Map<string, string>();
  for (const x of parsed) {
    for (const r of x.report.results) {
      if (r.category === 'calibration') continue;
      const other = owner.get(r.id);
      if (other && other !== x.source) problems.push(`${r.id} is in two shards: ${other} and ${x.source}`);
      owner.set(r.id, x.source);
    }
  }
  const calibrationIds = new Set(parsed.flatMap((x) => x.report.results.filter((r) => r.category === 'calibration').map((r) => r.id)));
  const selection = first.selection!;
  const missing = byIndex.size === n ? selection.filter((id) => !calibrationIds.has(id) && !owner.has(id)) : [];
  if (missing.length) problems.push(`selected but in no shard: ${missing.join(', ')}`);
  const extra = [...owner.keys()].filter((id) => !selection.includes(id));
  if (extra.length) problems.push(`in a shard but not in the selection: ${extra.join(', ')}`);
  if (problems.length) return { ok: false, problems };
  parsed.sort((a, b) => a.i - b.i);
  const tagged = parsed.flatMap((x) => x.report.results.map((r) => ({ ...r, shard: x.report.shard! })));
  const order = new Map(selection.map((id, k) => [id, k]));
  // Selection order (calibration first), shard order among a scenario's copies: a stable sort.
  const results = tagged.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const meta: RunMeta = {
    profile: first.profile,
    ...(first.profileFile ? { profileFile: first.profileFile } : {}),
    client: first.client,
    world: first.world,
    startedAt: parsed.map((x) => x.report.startedAt).sort()[0]!,
    finishedAt: parsed.map((x) => x.report.finishedAt).sort().at(-1)!,
    selection,
    mergedFrom: parsed.map((x) => x.source),
  };
  return { ok: true, meta, results };
}
