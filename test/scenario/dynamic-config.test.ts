import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const scenario = (config: string, category = 'dynamic') => `id: dynamic-x
title: x
category: ${category}
description: x
expect: accept
config:
${config}
chain: [genuine-leaf, genuine-intermediate]
`;
const url = '  url: http://config.pinprick.test/c\n';

describe('config: in a scenario (dynamic pinning)', () => {
  it('reads a configuration channel; shape defaults to jws (left unset)', () => {
    const s = parseScenario('x.yaml', scenario(`${url}  serve: rollback\n  expectConfig: last-good`), defaultWorldSpec());
    expect(s.config).toEqual({ url: 'http://config.pinprick.test/c', serve: 'rollback', expectConfig: 'last-good' });
  });

  it('reads an https configuration URL on a host of its own; a plain-HTTP one may name the API host', () => {
    expect(parseScenario('x.yaml', scenario(`  url: https://config.pinprick.test:8443/c\n  serve: genuine\n  expectConfig: served`), defaultWorldSpec()).config?.url).toBe('https://config.pinprick.test:8443/c');
    expect(parseScenario('x.yaml', scenario(`  url: http://api.pinprick.test/c\n  serve: genuine\n  expectConfig: served`), defaultWorldSpec()).config?.url).toBe('http://api.pinprick.test/c');
  });

  it.each([
    ['expectConfig against what a correct client does', scenario(`${url}  serve: rollback\n  expectConfig: served`), /^x\.yaml:9:17: config\.expectConfig: served, but a correct client ends up with the last-good configuration when the channel serves 'rollback'$/],
    ['a legitimate unpinning is adopted', scenario(`${url}  serve: unpins\n  expectConfig: last-good`), /:9:17: config\.expectConfig: last-good, but a correct client ends up with the served configuration/],
    ['a serve the shape cannot carry', scenario(`${url}  shape: dynapins\n  serve: device-unpin\n  expectConfig: served`), /:9:10: config\.serve: dynapins cannot unpin a host or name a device/],
    ['config: belongs to the dynamic category', scenario(`${url}  serve: genuine\n  expectConfig: served`, 'attack'), /:3:11: category: a scenario with config: is category dynamic, not attack/],
    ['an unknown serve (schema)', scenario(`${url}  serve: forged\n  expectConfig: served`), /:8:10: config\.serve: expected one of: genuine, tampered/],
    ['an https URL on the API host (one name cannot get two chains)', scenario(`  url: https://api.pinprick.test/c\n  serve: genuine\n  expectConfig: served`), /^x\.yaml:7:8: config\.url: an https configuration URL needs a host of its own: api\.pinprick\.test is one of the scenario's hosts \(api\.pinprick\.test\)$/],
    ['tls: is for an https URL', scenario(`${url}  tls: rogue\n  serve: other-key\n  expectConfig: last-good`), /^x\.yaml:8:8: config\.tls: tls: rogue applies to an https:\/\/ configuration URL, not http:\/\/config\.pinprick\.test\/c$/],
    ['an unknown tls (schema)', scenario(`  url: https://config.pinprick.test/c\n  tls: forged\n  serve: other-key\n  expectConfig: last-good`), /:8:8: config\.tls: expected one of: genuine, rogue/],
    ['another scheme (schema)', scenario(`  url: ftp://config.pinprick.test/c\n  serve: genuine\n  expectConfig: served`), /:7:8: /],
  ])('%s', (_name, text, message) => {
    expect(() => parseScenario('x.yaml', text, defaultWorldSpec())).toThrow(message);
  });
});
