import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONFIG_SHAPES, readConfigUnverified, verifyConfigShape } from '../../src/dynamic/adapters.js';
import { APP_DEVICE, buildChannel, CONFIG_SERVES, CORRECT_SOURCE, serveProblem, type ConfigServe } from '../../src/dynamic/channel.js';
import { configPolicy } from '../../src/dynamic/config.js';
import { trustedKey } from '../../src/dynamic/jws.js';
import type { RejectionCode } from '../../src/dynamic/verify.js';
import { ruleFor } from '../../src/model/policy.js';
import { pinOfKey } from '../../src/world/pin.js';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const KEYS = { signer: ec(), rogueSigner: ec(), genuinePins: [pinOfKey(ec()).sha256, pinOfKey(ec()).sha256], roguePins: [pinOfKey(ec()).sha256] };
const TRUSTED = [trustedKey(KEYS.signer)];
const NOW = new Date('2026-03-01T12:00:00Z');
const HOSTS = ['api.pinprick.test'];

// What the strict verifier answers, for a client holding the seeded last good configuration: the
// served configuration, or the rejection code that keeps the last good one.
const VERDICT: Record<ConfigServe, 'ok' | RejectionCode> = {
  genuine: 'ok',
  tampered: 'bad-signature',
  stripped: 'stripped',
  'other-key': 'unknown-key',
  'alg-none': 'alg-none',
  'hmac-confusion': 'alg-not-allowed',
  rollback: 'rollback',
  expired: 'expired',
  unpins: 'ok',
  'under-attack': 'unknown-key',
  'device-unpin': 'ok',
  'device-unpin-rogue': 'unknown-key',
};

describe('the configuration channel of the dynamic scenarios (buildChannel)', () => {
  for (const shape of CONFIG_SHAPES) {
    for (const serve of CONFIG_SERVES) {
      if (serveProblem(shape, serve)) continue;
      it(`${shape} ${serve}: the strict verifier answers ${VERDICT[serve]}, so a correct client ends up with the ${CORRECT_SOURCE[serve]} configuration`, () => {
        const channel = buildChannel(KEYS, HOSTS, shape, serve, NOW);
        const kept = verifyConfigShape(shape, channel.lastGood, TRUSTED, NOW);
        expect(kept.ok).toBe(true);
        const got = verifyConfigShape(shape, channel.body, TRUSTED, NOW, channel.lastGoodConfig, { device: APP_DEVICE });
        expect(got.ok ? 'ok' : got.code).toBe(VERDICT[serve]);
        expect(channel.expected.source).toBe(VERDICT[serve] === 'ok' ? 'served' : 'last-good');
        expect(channel.expected.config).toBe(channel.expected.source === 'served' ? channel.carried : channel.lastGoodConfig);
        // What the body carries, read without checking anything, is what the record says was served.
        expect(readConfigUnverified(shape, channel.body)?.version).toBe(channel.carried!.version);
      });
    }
  }

  it('every configuration the attacker controls keeps the genuine pins and adds its own key (the API channel looks fine)', () => {
    for (const serve of ['tampered', 'stripped', 'other-key', 'alg-none', 'hmac-confusion', 'rollback', 'expired'] as const) {
      const carried = buildChannel(KEYS, HOSTS, 'jws', serve, NOW).carried!;
      const pins = ruleFor(configPolicy(carried), HOSTS[0])!.rule.pins.map((p) => p.value);
      expect(pins, serve).toEqual([...KEYS.genuinePins, ...KEYS.roguePins]);
    }
    const underAttack = buildChannel(KEYS, HOSTS, 'jws', 'under-attack', NOW).carried!;
    expect(ruleFor(configPolicy(underAttack), HOSTS[0])!.rule.pins.map((p) => p.value)).toEqual(KEYS.roguePins);
  });

  it('unpins and device-unpin remove pinning for the API host; only the device one names a device', () => {
    for (const serve of ['unpins', 'device-unpin'] as const) {
      const { carried } = buildChannel(KEYS, HOSTS, 'jws', serve, NOW);
      // Not pinned: the host's most specific entry is exempt, so no rule applies to it.
      expect(carried!.rules.map((r) => r.exempt)).toEqual([true]);
      expect(ruleFor(configPolicy(carried!), HOSTS[0])).toBeUndefined();
      expect(carried!.device).toBe(serve === 'device-unpin' ? APP_DEVICE : undefined);
    }
  });

  it('a device-unpin configuration is refused by a client that is another device', () => {
    const channel = buildChannel(KEYS, HOSTS, 'jws', 'device-unpin', NOW);
    const got = verifyConfigShape('jws', channel.body, TRUSTED, NOW, channel.lastGoodConfig, { device: 'someone-else' });
    expect(got.ok ? 'ok' : got.code).toBe('wrong-device');
  });

  it.each([
    ['approov-detached', 'tampered', /use shape jws/],
    ['dynapins', 'alg-none', /use shape jws/],
    ['dynapins', 'unpins', /dynapins cannot unpin/],
    ['jws', 'hmac-confusion', undefined],
    ['approov-detached', 'device-unpin', undefined],
  ] as const)('serveProblem(%s, %s)', (shape, serve, problem) => {
    const got = serveProblem(shape, serve);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
    if (problem) expect(() => buildChannel(KEYS, HOSTS, shape, serve, NOW)).toThrow(problem);
  });
});
