import type { Outcome } from '../harness/classify.js';
import type { RunReport } from './run-report.js';

/** What changed for one scenario between two runs. */
export interface ScenarioChange {
  id: string;
  /** `worse`: a new VULNERABLE or BRICKED; `better`: one fixed; `changed`: anything else. */
  kind: 'worse' | 'better' | 'changed' | 'added' | 'removed';
  before?: { outcome: Outcome; wire: string };
  after?: { outcome: Outcome; wire: string };
}

/** Two runs compared. */
export interface RunDiff {
  /** Differences in what was run (profile, world, client): the comparison may mean less. */
  notes: string[];
  changes: ScenarioChange[];
  /** Scenarios whose outcome and wire are the same. */
  unchanged: number;
  /** Diagnosis codes gained and lost. */
  diagnosis: { gained: string[]; lost: string[] };
}

const FAILING: ReadonlySet<Outcome> = new Set(['VULNERABLE', 'BRICKED']);

/** How the wire ended, as in the table: `rejected (unknown_ca)`, `accepted`, `no connection`. */
export function wireSummary(r: RunReport['results'][number]): string {
  return r.wire ? `${r.wire.kind}${r.wire.alert ? ` (${r.wire.alert.name})` : ''}` : 'no connection';
}

/**
 * What changed between two runs of the same client (before, after): per scenario, the outcome and
 * what the wire showed. Pure. A new VULNERABLE or BRICKED is `worse`, whatever it was before
 * (`pinprick report diff` exits 1 on one); a scenario only in one run is `added` or `removed`.
 * Merged reports hold a calibration per shard; the first of each id stands for the run.
 */
export function diffRuns(before: RunReport, after: RunReport): RunDiff {
  const notes: string[] = [];
  for (const field of ['profile', 'world', 'client'] as const) {
    if (before[field] !== after[field]) notes.push(`${field} differs: '${before[field]}' before, '${after[field]}' after`);
  }
  const index = (r: RunReport) => {
    const m = new Map<string, RunReport['results'][number]>();
    for (const x of r.results) if (!m.has(x.id)) m.set(x.id, x);
    return m;
  };
  const a = index(before);
  const b = index(after);
  const changes: ScenarioChange[] = [];
  let unchanged = 0;
  const ids = [...b.keys(), ...[...a.keys()].filter((id) => !b.has(id))];
  for (const id of ids) {
    const x = a.get(id);
    const y = b.get(id);
    const was = x && { outcome: x.classification.outcome, wire: wireSummary(x) };
    const now = y && { outcome: y.classification.outcome, wire: wireSummary(y) };
    if (!was) changes.push({ id, kind: 'added', after: now! });
    else if (!now) changes.push({ id, kind: 'removed', before: was });
    else if (was.outcome === now.outcome && was.wire === now.wire) unchanged++;
    else {
      const kind = FAILING.has(now.outcome) && !FAILING.has(was.outcome) ? 'worse' : FAILING.has(was.outcome) && !FAILING.has(now.outcome) ? 'better' : 'changed';
      changes.push({ id, kind, before: was, after: now });
    }
  }
  const codes = (r: RunReport) => new Set((r.diagnosis ?? []).map((d) => d.code));
  const da = codes(before);
  const db = codes(after);
  return {
    notes,
    changes,
    unchanged,
    diagnosis: { gained: [...db].filter((c) => !da.has(c)), lost: [...da].filter((c) => !db.has(c)) },
  };
}
