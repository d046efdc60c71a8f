import { describe, expect, it } from 'vitest';
import { classifyConfig, combineChannels, parseConfigLine, type Classification, type ExpectedConfig, type ReportedConfig } from '../../src/harness/classify.js';

describe('parseConfigLine: the dynamic client contract', () => {
  it.each([
    ['CONFIG version=42 source=served reason=verified\nACCEPT HTTP/1.1 200 OK\n', { source: 'served', version: 42, reason: 'verified' }],
    ['CONFIG version=7 source=last-good reason=rollback\n', { source: 'last-good', version: 7, reason: 'rollback' }],
    ['CONFIG version=none source=none reason=stripped\nREJECT no-valid-configuration\n', { source: 'none', reason: 'stripped' }],
    ['  CONFIG version=3 source=served\n', { source: 'served', version: 3 }],
    // The last line counts (a client that logs its progress).
    ['CONFIG version=1 source=served reason=a\nCONFIG version=2 source=last-good reason=b\n', { source: 'last-good', version: 2, reason: 'b' }],
    ['ACCEPT HTTP/1.1 200 OK\n', undefined],
    ['CONFIG version=1 source=cache\n', undefined],
    ['# CONFIG version=1 source=served\n', undefined],
  ] as const)('%j', (stdout, expected) => {
    expect(parseConfigLine(stdout)).toEqual(expected);
  });
});

describe('classifyConfig: the configuration channel on its own', () => {
  const LAST_GOOD: ExpectedConfig = { source: 'last-good', version: 10, serve: 'rollback' };
  const SERVED: ExpectedConfig = { source: 'served', version: 12, serve: 'device-unpin' };
  it.each<[string, ExpectedConfig, ReportedConfig | undefined, Classification['outcome'], RegExp]>([
    ['refused and kept the last good one', LAST_GOOD, { source: 'last-good', version: 10, reason: 'rollback' }, 'PASS', /refused the 'rollback' configuration \(rollback\) and kept/],
    ['adopted what a correct client refuses', LAST_GOOD, { source: 'served', version: 9 }, 'VULNERABLE', /adopted the 'rollback' configuration, which a correct client refuses/],
    ['refused, but lost the last good one', LAST_GOOD, { source: 'none', reason: 'rollback' }, 'BRICKED', /lost its last good configuration/],
    ['refused, but reports another last good version', LAST_GOOD, { source: 'last-good', version: 3 }, 'INCONCLUSIVE', /version 3, not 10/],
    ['adopted the legitimate one', SERVED, { source: 'served', version: 12 }, 'PASS', /adopted the 'device-unpin' configuration, as a correct client does/],
    ['refused the legitimate one', SERVED, { source: 'last-good', version: 10, reason: 'wrong-device' }, 'BRICKED', /which a correct client adopts: .*for this device/],
    ['adopted, but says another version than served', SERVED, { source: 'served', version: 11 }, 'INCONCLUSIVE', /served version 12/],
    ['said nothing', SERVED, undefined, 'INCONCLUSIVE', /no CONFIG line/],
  ])('%s', (_name, expected, reported, outcome, reason) => {
    const got = classifyConfig(expected, reported);
    expect(got.outcome).toBe(outcome);
    expect(got.reason).toMatch(reason);
  });
});

describe('combineChannels: the worse of the two channels', () => {
  const c = (outcome: Classification['outcome'], observed: Classification['observed'] = 'accept'): Classification => ({ outcome, observed, reason: outcome.toLowerCase() });
  it.each<[Classification['outcome'], Classification['outcome'], Classification['outcome']]>([
    ['PASS', 'PASS', 'PASS'],
    ['PASS', 'VULNERABLE', 'VULNERABLE'],
    ['VULNERABLE', 'PASS', 'VULNERABLE'],
    ['BRICKED', 'VULNERABLE', 'VULNERABLE'],
    ['PASS', 'BRICKED', 'BRICKED'],
    ['INCONCLUSIVE', 'BRICKED', 'BRICKED'],
    ['PASS', 'INCONCLUSIVE', 'INCONCLUSIVE'],
    ['POLICY-RISK', 'PASS', 'POLICY-RISK'],
  ])('API %s + configuration %s = %s', (api, config, outcome) => {
    const got = combineChannels(c(api, 'reject'), c(config));
    expect(got.outcome).toBe(outcome);
    // What the wire showed stays the API connection's.
    expect(got.observed).toBe('reject');
    expect(got.reason).toBe(`configuration: ${config} ${config.toLowerCase()}; API: ${api} ${api.toLowerCase()}`);
  });
});
