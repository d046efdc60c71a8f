import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/harness/classify.js';
import type { ScenarioResult } from '../../src/harness/run.js';
import { diffRuns } from '../../src/report/diff.js';
import { mergeShards, type ShardInput } from '../../src/report/merge.js';
import type { RunReport } from '../../src/report/run-report.js';

// Merging shard reports and comparing two runs, as pure functions over report.json contents.

const SELECTION = ['calibration-canary', 'control-genuine', 'attack-rogue-root', 'attack-pin-stuffing', 'rotation-leaf-key'];
const CATEGORY: Record<string, ScenarioResult['category']> = { calibration: 'calibration', control: 'control', attack: 'attack', rotation: 'rotation' };

function result(id: string, outcome: Outcome = 'PASS', wire: string | undefined = 'accepted'): ScenarioResult {
  return {
    id,
    category: CATEGORY[id.split('-')[0]!]!,
    classification: { outcome, observed: 'accept', reason: '' },
    ...(wire ? { wire: { kind: wire } } : {}),
  } as unknown as ScenarioResult;
}

function report(results: ScenarioResult[], extra: Partial<RunReport> = {}): RunReport {
  return { format: 'pinprick-run/1', profile: 'leaf-only', client: 'curl {url}', world: 'default', startedAt: '2026-12-03T10:00:00.000Z', finishedAt: '2026-12-03T10:01:00.000Z', summary: {} as RunReport['summary'], selection: SELECTION, results, ...extra };
}

/** The shards of SELECTION as `planRun` makes them: calibration in each, the rest dealt round-robin. */
function shards(n: number): ShardInput[] {
  const rest = SELECTION.slice(1);
  return Array.from({ length: n }, (_, k) => ({
    source: `shard-${k + 1}`,
    report: report([result('calibration-canary'), ...rest.filter((_, i) => i % n === k).map((id) => result(id))], { shard: `${k + 1}/${n}`, startedAt: `2026-12-03T10:0${k}:00.000Z`, finishedAt: `2026-12-03T10:0${k}:30.000Z` }),
  }));
}

const problems = (inputs: ShardInput[]) => {
  const m = mergeShards(inputs);
  return m.ok ? [] : m.problems;
};

describe('report merge: the shards of one run, into the report of the whole run', () => {
  it('joins every shard in selection order, keeps each shard\'s calibration, tags each result with its shard', () => {
    const m = mergeShards(shards(3).reverse());
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.results.map((r) => `${r.id}@${r.shard}`)).toEqual([
      'calibration-canary@1/3',
      'calibration-canary@2/3',
      'calibration-canary@3/3',
      'control-genuine@1/3',
      'attack-rogue-root@2/3',
      'attack-pin-stuffing@3/3',
      'rotation-leaf-key@1/3',
    ]);
    expect(m.meta).toMatchObject({ startedAt: '2026-12-03T10:00:00.000Z', finishedAt: '2026-12-03T10:02:30.000Z', mergedFrom: ['shard-1', 'shard-2', 'shard-3'], selection: SELECTION });
  });

  it.each([
    ['a missing shard', () => shards(3).slice(0, 2), /^shard 3\/3 is missing$/],
    ['a shard given twice', () => [...shards(2), { ...shards(2)[1]!, source: 'again' }], /^shard 2\/2 given twice: shard-2 and again$/],
    ['shards that overlap', () => {
      const s = shards(2);
      s[1]!.report.results.push(result('control-genuine'));
      return s;
    }, /^control-genuine is in two shards: shard-1 and shard-2$/],
    ['a scenario in no shard', () => {
      const s = shards(2);
      s[0]!.report.results.pop();
      return s;
    }, /^selected but in no shard: attack-pin-stuffing$/],
    ['different shard counts', () => [shards(2)[0]!, shards(3)[1]!], /different shard counts/],
    ['shards of different clients', () => {
      const s = shards(2);
      s[1]!.report.client = 'wget {url}';
      return s;
    }, /^shard-2: client 'wget \{url\}', but shard-1 has 'curl \{url\}': not shards of one run$/],
    ['a report that is not a shard', () => [{ source: 'whole', report: report([]) }], /^whole: not a shard/],
  ])('refuses %s', (_name, inputs, message) => {
    expect(problems(inputs())).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('report diff: what changed between two runs of the same client', () => {
  const before = report([result('calibration-canary'), result('control-genuine'), result('attack-rogue-root', 'PASS', 'rejected'), result('attack-pin-stuffing', 'VULNERABLE'), result('rotation-leaf-key', 'POLICY-RISK', 'rejected')]);

  it('a new VULNERABLE is worse, a fixed one better, a different wire with the same outcome a change; the rest unchanged', () => {
    const after = report([
      result('calibration-canary'),
      result('control-genuine'),
      result('attack-rogue-root', 'VULNERABLE', 'accepted'),
      result('attack-pin-stuffing', 'PASS', 'rejected'),
      result('rotation-leaf-key', 'POLICY-RISK', 'rejected-after-handshake'),
    ]);
    const d = diffRuns(before, after);
    expect(d.changes.map((c) => [c.id, c.kind])).toEqual([
      ['attack-rogue-root', 'worse'],
      ['attack-pin-stuffing', 'better'],
      ['rotation-leaf-key', 'changed'],
    ]);
    expect(d.changes[0]).toMatchObject({ before: { outcome: 'PASS', wire: 'rejected' }, after: { outcome: 'VULNERABLE', wire: 'accepted' } });
    expect(d.unchanged).toBe(2);
    expect(d.notes).toEqual([]);
  });

  it('scenarios only in one run are added or removed; a different profile is noted', () => {
    const after = report([result('calibration-canary'), result('control-genuine'), result('attack-forged-intermediate', 'PASS', 'rejected')], { profile: 'root-only' });
    const d = diffRuns(before, after);
    expect(d.changes.map((c) => [c.id, c.kind])).toEqual([
      ['attack-forged-intermediate', 'added'],
      ['attack-rogue-root', 'removed'],
      ['attack-pin-stuffing', 'removed'],
      ['rotation-leaf-key', 'removed'],
    ]);
    expect(d.notes).toEqual(["profile differs: 'leaf-only' before, 'root-only' after"]);
  });

  it('diagnosis codes gained and lost', () => {
    const d = diffRuns({ ...before, diagnosis: [{ code: 'pins-chain-as-sent', text: '', scenarios: [] }] }, { ...before, diagnosis: [{ code: 'correct', text: '', scenarios: [] }] });
    expect(d.diagnosis).toEqual({ gained: ['correct'], lost: ['pins-chain-as-sent'] });
  });
});
