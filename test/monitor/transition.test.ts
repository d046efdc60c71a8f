/** The monitor's memory: which lines and webhook events follow from the last state and a new probe, by table. */
import { describe, expect, it } from 'vitest';
import { outcomeLine, outcomeRecord, webhookBody } from '../../src/monitor/lines.js';
import type { MonitorStatus, MonitorWarning, ProbeOutcome, WarningId } from '../../src/monitor/outcome.js';
import { transition, type EndpointState } from '../../src/monitor/transition.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const T1 = new Date('2026-03-01T12:15:00Z');

const warning = (id: WarningId): MonitorWarning => ({ id, message: `${id} message`, fix: `${id} fix` });
const outcome = (status: MonitorStatus, code = status === 'unreachable' ? 'unreachable' : status === 'fail' ? 'pin-mismatch' : 'ok', warnings: WarningId[] = []): ProbeOutcome => ({
  status,
  code,
  reason: `${code} reason`,
  ...(status === 'fail' || status === 'unreachable' ? { fix: `${code} fix` } : {}),
  warnings: warnings.map(warning),
  pinsSeen: ['sha256/AAAA'],
});
const state = (status: MonitorStatus, code?: string, warnings: WarningId[] = []): EndpointState => {
  const o = outcome(status, code, warnings);
  return { status, code: o.code, reason: o.reason, ...(o.fix ? { fix: o.fix } : {}), warnings: o.warnings, since: T0.toISOString(), lastProbe: T0.toISOString(), pinsSeen: o.pinsSeen };
};

describe('transition', () => {
  it.each([
    // [what, previous state, new outcome, a line?, events]
    ['first probe, pass: a line, no event', undefined, outcome('pass'), true, []],
    ['first probe, fail: a line and a failure', undefined, outcome('fail'), true, ['failure']],
    ['first probe, unreachable: a line and a failure', undefined, outcome('unreachable'), true, ['failure']],
    ['first probe, warn: a line and the warning', undefined, outcome('warn', 'ok', ['expiry']), true, ['warning:expiry']],
    ['pass -> pass: nothing', state('pass'), outcome('pass'), false, []],
    ['fail -> fail, same code: nothing', state('fail'), outcome('fail'), false, []],
    ['warn -> warn, same warnings: nothing', state('warn', 'ok', ['expiry']), outcome('warn', 'ok', ['expiry']), false, []],
    ['pass -> fail: failure', state('pass'), outcome('fail'), true, ['failure']],
    ['warn -> fail: failure', state('warn', 'ok', ['expiry']), outcome('fail'), true, ['failure']],
    ['pass -> unreachable: failure', state('pass'), outcome('unreachable'), true, ['failure']],
    ['fail -> pass: recovery', state('fail'), outcome('pass'), true, ['recovery']],
    ['unreachable -> warn: recovery (the warnings ride on it)', state('unreachable'), outcome('warn', 'ok', ['expiry']), true, ['recovery']],
    ['fail -> unreachable: a line, no event (already failing)', state('fail'), outcome('unreachable'), true, []],
    ['fail -> fail with another code: a line, no event', state('fail', 'pin-mismatch'), outcome('fail', 'expired'), true, []],
    ['pass -> warn: the warning starts', state('pass'), outcome('warn', 'ok', ['expiry']), true, ['warning:expiry']],
    ['warn -> pass: the warning ends', state('warn', 'ok', ['expiry']), outcome('pass'), true, ['warning-end:expiry']],
    ['warn -> warn, one ends and one starts', state('warn', 'ok', ['expiry']), outcome('warn', 'ok-report-only', ['report-only']), true, ['warning:report-only', 'warning-end:expiry']],
    ['pass (ok) -> pass (ok-backup-pin): a line, no event', state('pass', 'ok'), outcome('pass', 'ok-backup-pin'), true, []],
  ] as const)('%s', (_, previous, now, line, events) => {
    const t = transition(previous, now, T1);
    expect(t.changed).toBe(line);
    expect(t.events.map((e) => (e.warning ? `${e.event}:${e.warning.id}` : e.event))).toEqual(events);
    expect(t.previous).toBe(previous?.status);
    expect(t.next).toMatchObject({ status: now.status, code: now.code, reason: now.reason, warnings: now.warnings, lastProbe: T1.toISOString(), pinsSeen: now.pinsSeen });
    // `since` moves only on a change.
    expect(t.next.since).toBe(line ? T1.toISOString() : T0.toISOString());
  });

  it('a warning whose message changes (one day fewer) is the same warning', () => {
    const before = state('warn', 'ok', ['expiry']);
    const now: ProbeOutcome = { ...outcome('warn', 'ok'), warnings: [{ id: 'expiry', message: 'another day', fix: 'x' }] };
    const t = transition(before, now, T1);
    expect(t.changed).toBe(false);
    expect(t.events).toEqual([]);
    // The state keeps the newest text all the same.
    expect(t.next.warnings[0]!.message).toBe('another day');
  });
});

describe('lines, records and webhook bodies', () => {
  const endpoint = { host: '127.0.0.1', port: 8443, sni: 'api.pinprick.test' };

  it.each([
    ['a pass, first seen', outcome('pass'), undefined, {}, 'PASS 127.0.0.1:8443 sni=api.pinprick.test: ok: ok reason'],
    ['a failure after a pass, in the long-running mode', outcome('fail'), 'pass', { time: true }, '2026-03-01T12:15:00.000Z FAIL 127.0.0.1:8443 sni=api.pinprick.test (was PASS): pin-mismatch: pin-mismatch reason (fix: pin-mismatch fix)'],
    ['the same status is not repeated as was', outcome('fail'), 'fail', {}, 'FAIL 127.0.0.1:8443 sni=api.pinprick.test: pin-mismatch: pin-mismatch reason (fix: pin-mismatch fix)'],
    ['warnings follow the reason', outcome('warn', 'ok', ['expiry', 'report-only']), 'pass', {}, 'WARN 127.0.0.1:8443 sni=api.pinprick.test (was PASS): ok: ok reason; warning expiry: expiry message (fix: expiry fix); warning report-only: report-only message (fix: report-only fix)'],
  ] as const)('%s', (_, o, previous, options, line) => {
    expect(outcomeLine(outcomeRecord(endpoint, o, previous, T1), options)).toBe(line);
  });

  it('peer text in a reason cannot reach the terminal as control characters', () => {
    const o = { ...outcome('unreachable'), reason: "proxy refused CONNECT: HTTP/1.1 403 \x1b]0;pwned\x07\r\nFAIL fake" };
    const line = outcomeLine(outcomeRecord(endpoint, o, undefined, T1));
    expect(line).toBe('UNREACHABLE 127.0.0.1:8443 sni=api.pinprick.test: unreachable: proxy refused CONNECT: HTTP/1.1 403 \\x1B]0;pwned\\x07\\x0D\\x0AFAIL fake (fix: unreachable fix)');
  });

  it('the webhook body: the record, the event, the warning, the profile and the version', () => {
    const record = outcomeRecord({ host: 'api.example.com', port: 443 }, outcome('warn', 'ok', ['expiry']), 'pass', T1);
    expect(webhookBody(record, { event: 'warning', warning: warning('expiry') }, { profile: 'intermediate-backup', version: '0.1.0' })).toEqual({
      event: 'warning',
      time: '2026-03-01T12:15:00.000Z',
      endpoint: 'api.example.com:443',
      host: 'api.example.com',
      port: 443,
      sni: null,
      status: 'warn',
      previousStatus: 'pass',
      code: 'ok',
      reason: 'ok reason',
      fix: null,
      warnings: [warning('expiry')],
      pinsSeen: ['sha256/AAAA'],
      warning: warning('expiry'),
      profile: 'intermediate-backup',
      pinprick: '0.1.0',
    });
  });
});
