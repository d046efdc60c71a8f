import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/harness/classify.js';
import { diagnose, type DiagnosedResult } from '../../src/harness/diagnosis.js';
import type { ReasonCode } from '../../src/model/index.js';
import type { Category } from '../../src/scenario/scenario.js';

// The client-level diagnosis, by table: a run's outcomes in, the findings out. Each row is a
// client of a kind met in the field.

type Row = [id: string, category: Category, code: ReasonCode, observed: 'accept' | 'reject' | 'unknown', outcome: Outcome, stuffed?: boolean];

function results(rows: Row[]): DiagnosedResult[] {
  return rows.map(([id, category, code, observed, outcome, stuffed]) => ({
    id,
    category,
    expected: { verdict: code === 'ok' || code.startsWith('ok-') ? 'accept' : 'reject', code },
    classification: { outcome, observed, reason: '' },
    chain: { offPathPins: stuffed ? [{}] : [] },
  }));
}

const CALIBRATED: Row = ['calibration-canary', 'calibration', 'ok-unpinned-host', 'accept', 'PASS'];
const NOT_CALIBRATED: Row = ['calibration-canary', 'calibration', 'ok-unpinned-host', 'reject', 'INCONCLUSIVE'];

const CLIENTS: { name: string; rows: Row[]; codes: string[]; scenarios?: Record<string, string[]>; text?: RegExp }[] = [
  {
    name: 'a correct client',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'PASS'], ['attack-pin-stuffing', 'attack', 'pin-mismatch', 'reject', 'PASS', true], ['validation-expired-leaf', 'validation', 'expired', 'reject', 'PASS']],
    codes: ['correct'],
    text: /every scenario$/,
  },
  {
    name: 'a client without the test CA (curl without --cacert)',
    rows: [NOT_CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'INCONCLUSIVE'], ['control-genuine', 'control', 'ok', 'reject', 'INCONCLUSIVE']],
    codes: ['no-test-ca'],
    scenarios: { 'no-test-ca': ['calibration-canary'] },
  },
  {
    name: 'a run without calibration',
    rows: [['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'INCONCLUSIVE']],
    codes: ['no-calibration'],
  },
  {
    name: 'a client that does not pin',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE'], ['attack-pin-stuffing', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE', true], ['validation-expired-leaf', 'validation', 'expired', 'reject', 'PASS']],
    codes: ['no-pin-enforcement'],
    scenarios: { 'no-pin-enforcement': ['attack-rogue-root', 'attack-pin-stuffing'] },
    text: /accepted 2 chains with no pinned key/,
  },
  {
    name: 'a client that pins the chain as sent (CVE-2016-2402)',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'PASS'], ['attack-pin-stuffing', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE', true], ['attack-pin-stuffing-first', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE', true]],
    codes: ['pins-chain-as-sent'],
    scenarios: { 'pins-chain-as-sent': ['attack-pin-stuffing', 'attack-pin-stuffing-first'] },
  },
  {
    // Without a plain rogue chain in the run, pinning the chain as sent and not pinning look alike.
    name: 'a client that accepted pin stuffing, with no plain rogue chain in the run',
    rows: [CALIBRATED, ['attack-pin-stuffing', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE', true]],
    codes: ['pins-chain-as-sent'],
    text: /CVE-2016-2402\), or does not enforce pins at all \(run attack-rogue-root too/,
  },
  {
    name: 'a client that pins some hosts only',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'PASS'], ['attack-rogue-intermediate', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE']],
    codes: ['partial-pin-enforcement'],
    text: /accepted 1 of 2 chains/,
  },
  {
    name: 'a client that trusts everything (no chain validation) but pins',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'PASS'], ['validation-expired-leaf', 'validation', 'expired', 'accept', 'VULNERABLE'], ['validation-wrong-host', 'validation', 'hostname-mismatch', 'accept', 'VULNERABLE']],
    codes: ['no-chain-validation'],
    text: /accepted 2 chains a correct client rejects before any pin check: expired, hostname-mismatch/,
  },
  {
    name: 'a client that rejects a rotation to its backup pin',
    rows: [CALIBRATED, ['rotation-backup-key', 'rotation', 'ok-backup-pin', 'reject', 'BRICKED'], ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'PASS']],
    codes: ['bricks'],
  },
  {
    // Rejections for trust where pins were expected are INCONCLUSIVE: they show no enforcement,
    // so an acceptance elsewhere means the client does not pin at all.
    name: 'a client that rejects only for trust and accepts a pinned-key mismatch',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'reject', 'INCONCLUSIVE'], ['attack-rogue-intermediate', 'attack', 'pin-mismatch', 'accept', 'VULNERABLE']],
    codes: ['no-pin-enforcement'],
  },
  {
    name: 'a correct client with some scenarios not judged',
    rows: [CALIBRATED, ['attack-rogue-root', 'attack', 'pin-mismatch', 'unknown', 'INCONCLUSIVE']],
    codes: ['correct'],
    text: /that could be judged \(1 INCONCLUSIVE\)/,
  },
];

describe('diagnose: what a run says about the client', () => {
  it.each(CLIENTS)('$name', ({ rows, codes, scenarios, text }) => {
    const found = diagnose(results(rows));
    expect(found.map((d) => d.code)).toEqual(codes);
    for (const [code, ids] of Object.entries(scenarios ?? {})) expect(found.find((d) => d.code === code)!.scenarios).toEqual(ids);
    for (const d of found) expect(d.text).toMatch(/^this client /);
    if (text) expect(found[0]!.text).toMatch(text);
  });
});
