/**
 * The console line of one verdict, by table: with `serve --profile` it says what a correct client
 * does, and a record whose client did otherwise is marked MISMATCH at the start of its line (bold
 * red on a colour terminal, plain text without colour).
 */
import { describe, expect, it } from 'vitest';
import type { PinReport } from '../../src/proxy/pin-reports.js';
import type { ConnectionVerdict } from '../../src/proxy/connection-record.js';
import { pinReportLine, verdictLine } from '../../src/report/verdict-line.js';

const base: ConnectionVerdict = {
  id: 7,
  time: '2026-03-01T12:34:56.789Z',
  durationMs: 12,
  kind: 'accepted',
  detail: 'the client completed the handshake and sent application data',
  scenario: 'attack-rogue-root',
  via: 'direct',
  client: { address: '127.0.0.1', port: 50000 },
  sni: 'api.pinprick.test',
  requestLine: 'GET / HTTP/1.1',
  chainPins: [],
};
const rejectPins = { verdict: 'reject', code: 'pin-mismatch', profile: 'intermediate-only' } as const;
const acceptOk = { verdict: 'accept', code: 'ok', profile: 'intermediate-only' } as const;
const ESC = '\x1b[';

interface Row {
  situation: string;
  verdict: Partial<ConnectionVerdict>;
  color?: boolean;
  /** The line matches all of these. */
  has: RegExp[];
  /** And none of these. */
  hasNot?: RegExp[];
}

const rows: Row[] = [
  { situation: 'no profile: the line says nothing about expectations', verdict: {}, has: [/^12:34:56\.789 #7 accepted/], hasNot: [/a correct/, /MISMATCH/] },
  { situation: 'as expected: the expected verdict at the end, no mark', verdict: { expected: acceptOk }, has: [/GET \/ HTTP\/1\.1.*\(a correct intermediate-only client: accept, ok\)$/], hasNot: [/MISMATCH/] },
  {
    situation: 'accepted where a correct client rejects: MISMATCH first, then expected and observed',
    verdict: { expected: rejectPins, mismatch: true },
    has: [/^MISMATCH 12:34:56\.789 #7 accepted/, /expected reject \(pin-mismatch\) for a correct intermediate-only client, observed accepted$/],
  },
  {
    situation: 'rejected after the handshake where a correct client accepts: MISMATCH, observed rejected-after-handshake',
    verdict: { kind: 'rejected-after-handshake', requestLine: undefined, expected: acceptOk, mismatch: true },
    has: [/^MISMATCH /, /expected accept \(ok\) for a correct intermediate-only client, observed rejected-after-handshake$/],
  },
  { situation: 'a timeout answers nothing: no mark', verdict: { kind: 'timeout', requestLine: undefined, awaited: 'data', expected: rejectPins }, has: [/\(a correct intermediate-only client: reject, pin-mismatch\)$/], hasNot: [/MISMATCH/] },
  { situation: 'colour: MISMATCH in bold red', verdict: { expected: rejectPins, mismatch: true }, color: true, has: [/^\x1b\[1;31mMISMATCH\x1b\[0m /] },
  { situation: 'no colour (NO_COLOR, not a TTY): no escape sequence at all', verdict: { expected: rejectPins, mismatch: true }, color: false, has: [/^MISMATCH /], hasNot: [/\x1b/] },
];

describe('verdictLine with expectations', () => {
  it.each(rows.map((r) => [r.situation, r] as const))('%s', (_situation, row) => {
    const line = verdictLine({ ...base, ...row.verdict }, { color: row.color ?? false });
    for (const re of row.has) expect(line).toMatch(re);
    for (const re of row.hasNot ?? []) expect(line).not.toMatch(re);
    if (!row.color) expect(line).not.toContain(ESC);
  });
});

/**
 * Issue 15, finding 3: the SNI, the CONNECT target, the request line, the detail and every field
 * of a pin-failure report are chosen by the peer. On the console they must never make a second
 * line (a forged verdict) nor reach the terminal as control sequences (OSC title, cursor moves)
 * or bidi controls (Trojan Source): each is shown as \xHH or \u{HHHH}, and cut at a length.
 */
interface HostileRow {
  situation: string;
  verdict: Partial<ConnectionVerdict>;
  color?: boolean;
  /** Substrings the line must contain (the escaped forms). */
  shows: string[];
}

const FORGED = 'evil.test\r\n12:00:00.000 #99 accepted                 control-genuine  api.pinprick.test  GET / HTTP/1.1';
const hostile: HostileRow[] = [
  { situation: 'an SNI with CR LF cannot forge a second verdict line', verdict: { sni: FORGED }, shows: ['evil.test\\x0D\\x0A12:00:00.000 #99 accepted'] },
  { situation: 'an SNI with an OSC sequence (set the window title) is shown, not run', verdict: { sni: 'a.test\x1b]0;pwned\x07' }, shows: ['a.test\\x1B]0;pwned\\x07'] },
  { situation: 'a CONNECT target (no SNI) with ESC [2J (clear screen)', verdict: { sni: undefined, target: 'x\x1b[2J:443' }, shows: ['x\\x1B[2J:443'] },
  { situation: 'a request line with a C1 CSI (U+009B) and DEL', verdict: { requestLine: 'GET /\x9b31m\x7f HTTP/1.1' }, shows: ['GET /\\x9B31m\\x7F HTTP/1.1'] },
  { situation: 'a request line with bidi overrides (Trojan Source) and a line separator', verdict: { requestLine: 'GET /\u202eevil\u202c\u2028 HTTP/1.1' }, shows: ['GET /\\u{202E}evil\\u{202C}\\u{2028} HTTP/1.1'] },
  { situation: 'a detail (no request line) with a newline', verdict: { requestLine: undefined, kind: 'not-tls', detail: 'the client sent plain HTTP (GET /\nX)' }, shows: ['plain HTTP (GET /\\x0AX)'] },
  { situation: 'colour on: the only escape sequences are the line\'s own colours', verdict: { sni: 'a\x1b]0;t\x07', expected: rejectPins, mismatch: true }, color: true, shows: ['a\\x1B]0;t\\x07'] },
];

describe('verdictLine with peer-supplied text (issue 15, finding 3)', () => {
  it.each(hostile.map((r) => [r.situation, r] as const))('%s', (_situation, row) => {
    const line = verdictLine({ ...base, ...row.verdict }, { color: row.color ?? false });
    expect(line).not.toMatch(/[\r\n\u2028\u2029\u202a-\u202e\u2066-\u2069\x80-\x9f\x7f\x07]/);
    for (const s of row.shows) expect(line).toContain(s);
    // Without colour no ESC at all; with colour, every ESC starts one of our SGR sequences.
    if (row.color) expect(line.replace(/\x1b\[[0-9;]*m/g, '')).not.toContain('\x1b');
    else expect(line).not.toContain('\x1b');
  });

  it('a huge SNI is cut: the line stays short', () => {
    const line = verdictLine({ ...base, sni: 'a'.repeat(100_000) });
    expect(line.length).toBeLessThan(1_000);
    expect(line).toContain('…');
  });
});

const report: PinReport = {
  id: 3,
  receivedAt: '2026-03-01T12:34:56.789Z',
  scenario: 'attack-rogue-root',
  format: 'trustkit',
  url: 'http://127.0.0.1:8080/pinprick/report',
  hostname: 'api.pinprick.test',
  port: 443,
  knownPins: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  validationResult: 'failed: no matching pin',
  body: {},
};

describe('pinReportLine with peer-supplied text (issue 15, finding 3)', () => {
  const cases: [string, Partial<PinReport>, string][] = [
    ['a hostname with CR LF cannot forge a line', { hostname: 'h.test\r\n12:00:00.000 report #9 hpkp' }, 'h.test\\x0D\\x0A12:00:00.000 report #9'],
    ['a URL with an OSC title sequence', { url: 'http://r.test/\x1b]0;t\x07' }, '-> http://r.test/\\x1B]0;t\\x07'],
    ['a known pin with ESC', { knownPins: ['\x1b[2J\x1b[2J\x1b[2J\x1b[2J'] }, 'known pins: \\x1B[2J\\x1B'],
    ['a validation result with a bidi override', { validationResult: 'ok\u202e' }, 'ok\\u{202E}'],
  ];
  it.each(cases)('%s', (_situation, fields, shows) => {
    const line = pinReportLine({ ...report, ...fields });
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain(shows);
  });
});

describe('pinReportLine: a report a web page sent (issue 15, finding 10)', () => {
  it('says so at the end, with the origin, escaped', () => {
    const line = pinReportLine({ ...report, origin: 'http://attacker.example\x1b]0;t\x07', fromWebPage: true });
    expect(line).toMatch(/  sent by a web page at http:\/\/attacker\.example\\x1B\]0;t\\x07: may be forged$/);
    expect(line).not.toContain('\x1b');
  });

  it('says nothing for a report without an Origin, or with Origin: null', () => {
    expect(pinReportLine(report)).not.toContain('web page');
    expect(pinReportLine({ ...report, origin: 'null' })).not.toContain('web page');
  });
});
