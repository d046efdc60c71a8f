/**
 * The model on the built-in world (src/world/spec.ts), generated in a temp folder: the incidents the
 * world was laid out for, each cross-checked with openssl verify where a validation is involved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type ModelInput, type PinPolicy, type ReasonCode } from '../../src/model/index.js';
import type { World } from '../../src/world/world.js';
import { openWorld } from '../../src/world/store.js';
import { PemFolder } from '../helpers/openssl-verify.js';
import { NOW, opensslOutcome } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());
let world: World;
beforeAll(async () => {
  world = (await openWorld({ certsDir: tmp.path, now: NOW })).world;
});

const der = (...names: string[]) => names.map((n) => world.cert(n).der);
/** Pin the genuine intermediate, with backup-1 as a backup, on api.pinprick.test. */
const pinned = (): PinPolicy => ({
  rules: [
    {
      domains: [{ pattern: '**.pinprick.test' }],
      pins: [
        { hash: 'sha256', value: world.key('genuine-intermediate').pin.sha256, label: 'genuine-intermediate' },
        { hash: 'sha256', value: world.key('backup-1').pin.sha256, label: 'backup-1' },
      ],
      enforce: true,
    },
  ],
});

interface Row {
  what: string;
  presented: string[];
  /** Certificate names; default: the roots `pinprick ca` exports. */
  anchors?: string[];
  code: ReasonCode;
  policy?: boolean;
}

describe('the default world', () => {
  it.each<Row>([
    { what: 'genuine chain, trusted roots, pinned intermediate', presented: ['genuine-leaf', 'genuine-intermediate'], code: 'ok', policy: true },
    { what: 'DigiNotar role: the trusted rogue CA', presented: ['rogue-leaf', 'rogue-intermediate'], code: 'pin-mismatch', policy: true },
    { what: 'CVE-2016-2402: the rogue chain with the genuine intermediate and root appended', presented: ['rogue-leaf', 'rogue-intermediate', 'genuine-intermediate', 'genuine-root'], code: 'pin-mismatch', policy: true },
    { what: 'the rogue chain without a policy is simply valid', presented: ['rogue-leaf', 'rogue-intermediate'], code: 'ok' },
    { what: 'the genuine leaf via the intermediate cross-signed by the legacy root, trusting only the legacy root', presented: ['genuine-leaf', 'genuine-intermediate-cross'], anchors: ['legacy-root'], code: 'ok', policy: true },
    {
      what: 'DST Root CA X3, September 2021: leaf <- R1 <- genuine root cross-signed by the expired legacy root, trusting only that root',
      presented: ['genuine-leaf', 'genuine-intermediate', 'genuine-root-cross'],
      anchors: ['legacy-root-expired'],
      code: 'expired',
      policy: true,
    },
    {
      what: 'the same chain for a client that also trusts the genuine root: trusted first, accepted',
      presented: ['genuine-leaf', 'genuine-intermediate', 'genuine-root-cross'],
      anchors: ['legacy-root-expired', 'genuine-root'],
      code: 'ok',
      policy: true,
    },
    { what: 'an untrusted root', presented: ['genuine-leaf', 'genuine-intermediate'], anchors: ['untrusted-root'], code: 'untrusted', policy: true },
  ])('$what: $code', (row) => {
    const input: ModelInput = {
      presented: der(...row.presented),
      anchors: row.anchors ? der(...row.anchors) : world.trustedRoots().map((c) => c.der),
      host: world.hosts[0]!,
      at: NOW,
      ...(row.policy ? { policy: pinned() } : {}),
    };
    const v = evaluate(input);
    expect(v.code, v.reason).toBe(row.code);
    const o = opensslOutcome(files, input);
    expect(o.code, o.output).toBe(v.validation.code);
  });
});
