/**
 * The mismatch decision of `serve --profile`, by table: every verdict kind against both expected
 * answers. Only an answer seen on the wire (accepted; rejected in or after the handshake) can
 * contradict the model; a timeout, bytes that are not TLS and traffic that is not about the chain
 * answer nothing.
 */
import { describe, expect, it } from 'vitest';
import { clientAnswer, isMismatch, VERDICT_KINDS, type VerdictKind } from '../../src/proxy/connection-record.js';

const rows: [VerdictKind, 'accept' | 'reject' | undefined, { accept: boolean; reject: boolean }][] = [
  // kind, what the client answered, mismatch when a correct client would accept / reject
  ['accepted', 'accept', { accept: false, reject: true }],
  ['rejected', 'reject', { accept: true, reject: false }],
  ['rejected-after-handshake', 'reject', { accept: true, reject: false }],
  ['not-tls', undefined, { accept: false, reject: false }],
  ['timeout', undefined, { accept: false, reject: false }],
  ['tunnelled', undefined, { accept: false, reject: false }],
  ['upstream-failed', undefined, { accept: false, reject: false }],
  ['plain-http', undefined, { accept: false, reject: false }],
  ['malformed', undefined, { accept: false, reject: false }],
  ['closed', undefined, { accept: false, reject: false }],
  ['dropped', undefined, { accept: false, reject: false }],
];

describe('what the client answered, and whether it contradicts the expected verdict', () => {
  it('covers every verdict kind', () => {
    expect(rows.map((r) => r[0]).sort()).toEqual([...VERDICT_KINDS].sort());
  });

  it.each(rows)('%s: the client answered %s', (kind, answer, mismatch) => {
    expect(clientAnswer(kind)).toBe(answer);
    expect(isMismatch(kind, { verdict: 'accept' })).toBe(mismatch.accept);
    expect(isMismatch(kind, { verdict: 'reject' })).toBe(mismatch.reject);
  });
});
