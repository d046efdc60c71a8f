/**
 * The console line of one verdict, by table: with `serve --profile` it says what a correct client
 * does, and a record whose client did otherwise is marked MISMATCH at the start of its line (bold
 * red on a colour terminal, plain text without colour).
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionVerdict } from '../../src/proxy/verdict.js';
import { verdictLine } from '../../src/report/verdict-line.js';

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
