/**
 * `pinprick status` as text, by table: GET /status of a running serve in, lines out. With a
 * profile it says what a correct client does and counts mismatches; a log whose writes fail says
 * so with the error and the records lost.
 */
import { describe, expect, it } from 'vitest';
import type { ControlStatus } from '../../src/proxy/control.js';
import { VERDICT_KINDS, type VerdictKind } from '../../src/proxy/connection-record.js';
import { statusText } from '../../src/report/status.js';

const kinds = (counts: Partial<Record<VerdictKind, number>>) => Object.fromEntries(VERDICT_KINDS.map((k) => [k, counts[k] ?? 0])) as Record<VerdictKind, number>;

const base: ControlStatus = {
  scenario: { id: 'control-genuine', title: 'The genuine chain', category: 'control', hosts: ['api.pinprick.test', 'cdn.pinprick.test'] },
  listen: { host: '127.0.0.1', proxyPort: 8080, tlsPort: 8443, controlHost: '127.0.0.1', controlPort: 8081 },
  world: 'default',
  verdicts: 5,
  verdictsByKind: kinds({ accepted: 3, rejected: 1, tunnelled: 1 }),
  reports: 2,
  reportUri: 'http://127.0.0.1:8080/pinprick/report',
  connections: { open: 1, accepted: 5, max: 4000 },
  limits: { headTimeoutMs: 10_000, handshakeTimeoutMs: 10_000, graceMs: 3_000, tunnelIdleMs: 300_000, maxConnections: 4000 },
  logs: [
    { of: 'verdicts', path: 'reports/verdicts.jsonl', ok: true },
    { of: 'reports', path: 'reports/verdicts.pin-reports.jsonl', ok: true },
  ],
};

const rows: { situation: string; status: Partial<ControlStatus>; has: RegExp[]; hasNot?: RegExp[] }[] = [
  {
    situation: 'no profile: the scenario, every address, the counts by kind, the logs; no mismatch line',
    status: {},
    has: [
      /^pinprick serve at http:\/\/127\.0\.0\.1:8081, world default$/m,
      /^ {2}scenario: +control-genuine \(The genuine chain\) for api\.pinprick\.test, cdn\.pinprick\.test$/m,
      /^ {2}profile: +none \(serve --profile NAME shows what a correct client does, and mismatches\)$/m,
      /^ {2}HTTP proxy: +http:\/\/127\.0\.0\.1:8080 +\(CONNECT and plain HTTP\)$/m,
      /^ {2}direct TLS: +127\.0\.0\.1:8443$/m,
      /^ {2}control API: +http:\/\/127\.0\.0\.1:8081$/m,
      /^ {2}connections: +1 open, 5 in all \(at most 4000 open\)$/m,
      /^ {2}verdicts: +5 \(accepted 3, rejected 1, tunnelled 1\)$/m,
      /^ {2}pin reports: +2$/m,
      /^ {2}verdict log: +reports\/verdicts\.jsonl: ok$/m,
      /^ {2}report log: +reports\/verdicts\.pin-reports\.jsonl: ok$/m,
    ],
    hasNot: [/mismatch(es)?:/],
  },
  {
    situation: 'a profile: what a correct client does on each host, and the mismatches',
    status: {
      profile: 'intermediate-only',
      mismatches: 2,
      scenario: {
        ...base.scenario,
        expected: { 'api.pinprick.test': { verdict: 'accept', code: 'ok', profile: 'intermediate-only' }, 'cdn.pinprick.test': { verdict: 'reject', code: 'pin-mismatch', profile: 'intermediate-only' } },
      },
    },
    has: [/^ {2}profile: +intermediate-only: a correct client accepts \(ok\) on api\.pinprick\.test; rejects \(pin-mismatch\) on cdn\.pinprick\.test$/m, /^ {2}mismatches: +2$/m],
  },
  {
    situation: 'a profile, one answer for every host: said once',
    status: {
      profile: 'leaf-only',
      mismatches: 0,
      scenario: { ...base.scenario, expected: { 'api.pinprick.test': { verdict: 'reject', code: 'untrusted', profile: 'leaf-only' }, 'cdn.pinprick.test': { verdict: 'reject', code: 'untrusted', profile: 'leaf-only' } } },
    },
    has: [/^ {2}profile: +leaf-only: a correct client rejects \(untrusted\) on api\.pinprick\.test, cdn\.pinprick\.test$/m, /^ {2}mismatches: +0$/m],
  },
  { situation: 'nothing recorded yet', status: { verdicts: 0, verdictsByKind: kinds({}) }, has: [/^ {2}verdicts: +0$/m] },
  {
    situation: 'a log whose writes fail: the error, since when, and the records lost',
    status: { logs: [{ of: 'verdicts', path: '/dev/full', ok: false, failure: { path: '/dev/full', error: 'ENOSPC: no space left on device', since: '2026-03-01T12:00:00.000Z', lost: 3 } }] },
    has: [/^ {2}verdict log: +\/dev\/full: WRITES FAIL since 2026-03-01T12:00:00\.000Z: ENOSPC: no space left on device \(3 records lost; recent ones are kept in memory\)$/m],
    hasNot: [/report log:/],
  },
  { situation: 'no logs at all', status: { logs: [] }, has: [/^ {2}logs: +none$/m] },
  {
    // Issue 15, finding 3: `pinprick status --control URL` prints what answered there; text in it
    // never acts on the terminal nor adds a line.
    situation: 'fields with control characters (a hostile or broken answer at --control URL): escaped, one line each',
    status: { scenario: { ...base.scenario, title: 'T\x1b]0;pwned\x07' }, listen: { ...base.listen, host: '1.2.3.4\r\n  verdicts:    0' } },
    has: [/^ {2}scenario: +control-genuine \(T\\x1B\]0;pwned\\x07\)/m, /^ {2}direct TLS: +\[1\.2\.3\.4\\x0D\\x0A {2}verdicts: {4}0\]:8443$/m],
    hasNot: [/^ {2}verdicts: +0$/m],
  },
  { situation: 'an IPv6 listener is written in brackets', status: { listen: { ...base.listen, host: '::1' } }, has: [/^ {2}HTTP proxy: +http:\/\/\[::1\]:8080/m, /^ {2}direct TLS: +\[::1\]:8443$/m] },
];

describe('statusText', () => {
  it.each(rows.map((r) => [r.situation, r] as const))('%s', (_situation, row) => {
    const text = statusText({ ...base, ...row.status }, 'http://127.0.0.1:8081');
    for (const re of row.has) expect(text).toMatch(re);
    for (const re of row.hasNot ?? []) expect(text).not.toMatch(re);
    expect(text).not.toContain('\x1b');
  });
});
