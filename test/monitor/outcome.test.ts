/**
 * A probe's outcome from the reference model's verdict: real certificates, the real `evaluate`,
 * one row per situation the monitor must tell apart; then the expiry warning alone, by table.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/model/index.js';
import type { PinPolicy, PolicyPin } from '../../src/model/policy.js';
import { expiryWarning, probeOutcome, unreachableOutcome, type PathKey, type ProbeOutcome } from '../../src/monitor/outcome.js';
import { DAY, NOW, TestPki, type TestCert } from '../helpers/pki.js';

const HOST = 'api.example.test';
const BACKUP = randomBytes(32).toString('base64');

const pin = (value: string, label?: string): PolicyPin => ({ hash: 'sha256', value, ...(label ? { label } : {}) });
const policy = (pins: PolicyPin[], more: { host?: string; enforce?: boolean; expiration?: Date } = {}): PinPolicy => ({
  rules: [{ domains: [{ pattern: more.host ?? HOST }], pins, enforce: more.enforce ?? true, ...(more.expiration ? { expiration: more.expiration } : {}) }],
});

describe('probeOutcome', () => {
  const pki = new TestPki();
  let root: TestCert, inter: TestCert, leaf: TestCert, otherInter: TestCert, otherLeaf: TestCert, expiredLeaf: TestCert, oldRoot: TestCert, oldInter: TestCert, oldLeaf: TestCert;

  beforeAll(async () => {
    root = await pki.root('CN=Monitor Root');
    inter = await pki.intermediate('CN=Monitor Intermediate', root);
    // As a world leaf: 397 days (CA/Browser Forum ballot SC31).
    leaf = await pki.leaf(HOST, inter, { notAfter: '+397d' });
    otherInter = await pki.intermediate('CN=Monitor Intermediate 2', root);
    otherLeaf = await pki.leaf(HOST, otherInter, { notAfter: '+397d' });
    expiredLeaf = await pki.leaf(HOST, inter, { notBefore: '-400d', notAfter: '-1d' });
    oldRoot = await pki.root('CN=Expired Root', { notBefore: '-10y', notAfter: '-1d' });
    oldInter = await pki.intermediate('CN=Under Expired Root', oldRoot, { notBefore: '-2y', notAfter: '+1y' });
    oldLeaf = await pki.leaf(HOST, oldInter, { notAfter: '+397d' });
  });

  type Row = { chain: () => TestCert[]; anchors?: () => TestCert[]; pins: () => PinPolicy; host?: string; warnDays?: number; expect: Partial<ProbeOutcome>; warnings?: string[]; fix?: RegExp };
  const rows: [string, Row][] = [
    ['intermediate and backup pinned, genuine chain: pass', { chain: () => [leaf, inter], pins: () => policy([pin(inter.pin), pin(BACKUP, 'backup-1')]), warnDays: 400, expect: { status: 'pass', code: 'ok' }, warnings: [] }],
    ['leaf pinned alone, leaf expires within 400 days: warn expiry', { chain: () => [leaf, inter], pins: () => policy([pin(leaf.pin)]), warnDays: 400, expect: { status: 'warn', code: 'ok' }, warnings: ['expiry'] }],
    ['leaf pinned alone, not within 30 days: pass', { chain: () => [leaf, inter], pins: () => policy([pin(leaf.pin)]), warnDays: 30, expect: { status: 'pass' }, warnings: [] }],
    ['leaf pinned alone, --warn-days 0: never', { chain: () => [leaf, inter], pins: () => policy([pin(leaf.pin)]), warnDays: 0, expect: { status: 'pass' }, warnings: [] }],
    ['leaf and an announced backup: pass', { chain: () => [leaf, inter], pins: () => policy([pin(leaf.pin), pin(BACKUP, 'backup-1')]), warnDays: 400, expect: { status: 'pass' }, warnings: [] }],
    ['leaf and intermediate pinned: the intermediate outlives 400 days: pass', { chain: () => [leaf, inter], pins: () => policy([pin(leaf.pin), pin(inter.pin)]), warnDays: 400, expect: { status: 'pass' }, warnings: [] }],
    ['intermediate alone (3 years): pass at 400 days', { chain: () => [leaf, inter], pins: () => policy([pin(inter.pin)]), warnDays: 400, expect: { status: 'pass' }, warnings: [] }],
    ['intermediate alone: warn at 1200 days', { chain: () => [leaf, inter], pins: () => policy([pin(inter.pin)]), warnDays: 1200, expect: { status: 'warn' }, warnings: ['expiry'] }],
    ['the backup key in use and nothing else announced: warn', { chain: () => [otherLeaf, otherInter], pins: () => policy([pin(otherLeaf.pin, 'backup-1')]), warnDays: 400, expect: { status: 'warn', code: 'ok-backup-pin' }, warnings: ['expiry'] }],
    [
      'pins on neither key of a new intermediate: fail pin-mismatch, with the keys to add',
      { chain: () => [otherLeaf, otherInter], pins: () => policy([pin(inter.pin, 'genuine-intermediate')]), expect: { status: 'fail', code: 'pin-mismatch' }, fix: /^serve a chain with a key the app pins again \(genuine-intermediate\); to move to this chain: add .*which are on the new path; ship the pin set in a release, and serve this chain only once it is installed$/ },
    ],
    ['a host the profile does not cover: warn unpinned-host', { chain: () => [leaf, inter], pins: () => policy([pin(inter.pin)], { host: 'other.example.test' }), expect: { status: 'warn', code: 'ok-unpinned-host' }, warnings: ['unpinned-host'] }],
    ['report-only pins that do not match: warn report-only', { chain: () => [otherLeaf, otherInter], pins: () => policy([pin(inter.pin)], { enforce: false }), expect: { status: 'warn', code: 'ok-report-only' }, warnings: ['report-only'] }],
    ['an expired pin set: warn pins-expired', { chain: () => [otherLeaf, otherInter], pins: () => policy([pin(inter.pin)], { expiration: new Date(NOW.getTime() - DAY) }), expect: { status: 'warn', code: 'ok-pins-expired' }, warnings: ['pins-expired'] }],
    ['an expired leaf: fail expired, renew it', { chain: () => [expiredLeaf, inter], pins: () => policy([pin(inter.pin)]), expect: { status: 'fail', code: 'expired' }, fix: /^renew the certificate at depth 0 \('CN=api\.example\.test'\) with the same key/ }],
    ['no trusted root: fail untrusted', { chain: () => [leaf, inter], anchors: () => [], pins: () => policy([pin(inter.pin)]), expect: { status: 'fail', code: 'untrusted' }, fix: /--roots/ }],
    ['another host name: fail hostname-mismatch', { chain: () => [leaf, inter], pins: () => policy([pin(inter.pin)], { host: 'www.example.test' }), host: 'www.example.test', expect: { status: 'fail', code: 'hostname-mismatch' }, fix: /covers www\.example\.test/ }],
    ['an expired root that some platforms accept: fail, naming who', { chain: () => [oldLeaf, oldInter], anchors: () => [oldRoot], pins: () => policy([pin(oldInter.pin)]), expect: { status: 'fail', code: 'expired' }, fix: /^serve a chain every client accepts \(.*android.* accept this one/ }],
  ];

  it.each(rows)('%s', (_, row) => {
    const host = row.host ?? HOST;
    const p = row.pins();
    const verdict = evaluate({ presented: row.chain().map((c) => c.der), anchors: (row.anchors?.() ?? [root]).map((c) => c.der), host, at: NOW, policy: p });
    const outcome = probeOutcome({ verdict, policy: p, host, at: NOW, warnDays: row.warnDays ?? 30, keys: [], pinsSeen: row.chain().map((c) => `sha256/${c.pin}`) });
    expect(outcome).toMatchObject(row.expect);
    if (row.warnings) expect(outcome.warnings.map((w) => w.id)).toEqual(row.warnings);
    if (row.fix) expect(outcome.fix).toMatch(row.fix);
    if (outcome.status === 'fail') expect(outcome.fix).toBeTruthy();
    else expect(outcome.fix).toBeUndefined();
    expect(outcome.reason).toBe(verdict.reason);
    expect(outcome.pinsSeen).toEqual(row.chain().map((c) => `sha256/${c.pin}`));
  });

  it('the expiry warning names the certificate, its date and the days left', () => {
    const p = policy([pin(leaf.pin)]);
    const verdict = evaluate({ presented: [leaf.der, inter.der], anchors: [root.der], host: HOST, at: NOW, policy: p });
    const [warning] = probeOutcome({ verdict, policy: p, host: HOST, at: NOW, warnDays: 400, keys: [], pinsSeen: [] }).warnings;
    expect(warning!.message).toMatch(/^every pinned key on the path is in a certificate that expires within 400 days \('CN=api\.example\.test' on \d{4}-\d\d-\d\d; the first in 39[67] days\) and the pin set holds no backup pin/);
    expect(warning!.fix).toMatch(/^renew with the same key, or add a pin of a backup key .* before \d{4}-\d\d-\d\d$/);
  });

  it('a world key name in the pin-mismatch fix when the keys are known', () => {
    const p = policy([pin(inter.pin, 'genuine-intermediate'), pin(BACKUP, 'backup-1')]);
    const verdict = evaluate({ presented: [otherLeaf.der, otherInter.der], anchors: [root.der], host: HOST, at: NOW, policy: p });
    const keys = [
      { name: 'genuine-intermediate-2', position: 'intermediate' as const, pin: otherInter.pin },
      { name: 'backup-1', position: 'backup' as const, pin: BACKUP },
    ];
    const outcome = probeOutcome({ verdict, policy: p, host: HOST, at: NOW, warnDays: 30, keys, pinsSeen: [] });
    expect(outcome.fix).toContain('genuine-intermediate-2 (sha256/');
    expect(outcome.fix).toContain('issue the new certificate with backup-1, the backup key already pinned');
  });

  it('a pin restricted to the leaf says so in the fix (the same key as a CA does not match)', () => {
    const p: PinPolicy = { rules: [{ domains: [{ pattern: HOST }], pins: [{ ...pin(inter.pin), on: 'leaf' }], enforce: true }] };
    const verdict = evaluate({ presented: [leaf.der, inter.der], anchors: [root.der], host: HOST, at: NOW, policy: p });
    const outcome = probeOutcome({ verdict, policy: p, host: HOST, at: NOW, warnDays: 30, keys: [], pinsSeen: [] });
    expect(outcome.code).toBe('pin-mismatch');
    expect(outcome.fix).toContain(`the app pins again (sha256/${inter.pin} (leaf only))`);
  });

  it('world key names are left out of the fix of an endpoint that holds none of their keys', () => {
    const p = policy([pin(inter.pin), pin(BACKUP)]);
    const verdict = evaluate({ presented: [otherLeaf.der, otherInter.der], anchors: [root.der], host: HOST, at: NOW, policy: p });
    const keys = [{ name: 'backup-9', position: 'backup' as const, pin: randomBytes(32).toString('base64') }];
    const outcome = probeOutcome({ verdict, policy: p, host: HOST, at: NOW, warnDays: 30, keys, pinsSeen: [otherLeaf, otherInter].map((c) => `sha256/${c.pin}`) });
    expect(outcome.fix).not.toContain('backup-9');
    expect(outcome.fix).toContain("the key of CN=Monitor Intermediate 2 (sha256/");
  });

  it('an unreachable endpoint: its own status, the network message as the reason, a fix', () => {
    expect(unreachableOutcome('cannot connect to 127.0.0.1:1: connect ECONNREFUSED')).toEqual({
      status: 'unreachable',
      code: 'unreachable',
      reason: 'cannot connect to 127.0.0.1:1: connect ECONNREFUSED',
      fix: 'check that the server is up and reachable from here (address, port, firewall, --proxy)',
      warnings: [],
      pinsSeen: [],
    });
  });
});

describe('expiryWarning, by table', () => {
  const at = new Date('2026-03-01T00:00:00Z');
  const inDays = (n: number) => new Date(at.getTime() + n * DAY).toISOString();
  const leafKey = (notAfter: string, more: Partial<PathKey> = {}): PathKey => ({ pin: 'LEAF', subject: 'CN=leaf', notAfter, ...more });
  const interKey = (notAfter: string): PathKey => ({ pin: 'INTER', subject: 'CN=inter', notAfter });
  const sha256 = (value: string): PolicyPin => ({ hash: 'sha256', value });
  const sha1 = (value: string): PolicyPin => ({ hash: 'sha1', value });

  it.each([
    ['the only pinned certificate expires within N days, nothing announced', [leafKey(inDays(10)), interKey(inDays(900))], [sha256('LEAF')], 30, true],
    ['exactly N days ahead counts as within', [leafKey(inDays(30))], [sha256('LEAF')], 30, true],
    ['one second past N days does not', [leafKey(new Date(at.getTime() + 30 * DAY + 1000).toISOString())], [sha256('LEAF')], 30, false],
    ['every pinned certificate expires within N days', [leafKey(inDays(10)), interKey(inDays(20))], [sha256('LEAF'), sha256('INTER')], 30, true],
    ['one pinned certificate outlives N days (a key in use)', [leafKey(inDays(10)), interKey(inDays(900))], [sha256('LEAF'), sha256('INTER')], 30, false],
    ['a pin that matches nothing on the path is an announced backup', [leafKey(inDays(10))], [sha256('LEAF'), sha256('BACKUP')], 30, false],
    ['no pinned key on the path: nothing to say (the pin check says it)', [leafKey(inDays(10))], [sha256('OTHER')], 30, false],
    ['--warn-days 0: never', [leafKey(inDays(10))], [sha256('LEAF')], 0, false],
    ['a legacy sha1/ pin matched by the key\'s SHA-1', [leafKey(inDays(10), { pinSha1: 'LEAF1' })], [sha1('LEAF1')], 30, true],
    ['a sha1/ pin of another key is an announced backup', [leafKey(inDays(10), { pinSha1: 'LEAF1' })], [sha256('LEAF'), sha1('OTHER1')], 30, false],
  ] as const)('%s', (_, path, pins, warnDays, warns) => {
    expect(expiryWarning({ path, pins, at, warnDays }) !== undefined).toBe(warns);
  });
});
