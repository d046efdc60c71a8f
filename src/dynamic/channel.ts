/**
 * The configuration channel of a dynamic-pinning scenario (issue 19, part 2): what the proxy
 * answers when the app fetches its pin configuration, what the app held before (its last good
 * configuration, from its previous launch), and what a correct client ends up holding. Pure: the
 * keys, hosts and clock come in, texts and configurations go out.
 *
 * Versions are issue times in seconds (as dynapins has no other): the last good configuration was
 * issued two days ago, the genuine fresh one a minute ago, so "older" is the same thing in every
 * shape. Every configuration the attacker controls pins the genuine keys AND a key the attacker
 * holds: the app keeps working today (the API connection looks fine) and can be intercepted
 * tomorrow. That is why the harness judges the configuration channel on its own.
 */
import type { KeyObject } from 'node:crypto';
import type { PinRule, PolicyPin } from '../model/policy.js';
import { writeConfigShape, type ConfigShape } from './adapters.js';
import { attackAlgNone, attackHmacWithPublicKey, attackStripSignature, attackTamperPins } from './attacks.js';
import type { PinConfig } from './config.js';

/** What the proxy serves on the configuration channel, one per scenario. */
export const CONFIG_SERVES = [
  'genuine',
  'tampered',
  'stripped',
  'other-key',
  'alg-none',
  'hmac-confusion',
  'rollback',
  'expired',
  'unpins',
  'under-attack',
  'device-unpin',
  'device-unpin-rogue',
] as const;
/** One of {@link CONFIG_SERVES}. */
export type ConfigServe = (typeof CONFIG_SERVES)[number];

/** The configuration a correct client uses after the fetch: the one served, or the last good one it kept. */
export type ConfigSource = 'served' | 'last-good';

/**
 * Which configuration a correct client ends up with, by what is served. `unpins` and
 * `device-unpin` are legitimate: validly signed by the operator's key, newer, in their validity
 * window (and, for the device one, for this device): removing pinning is the operator's choice, and
 * a client that refuses it is not safer, it is broken (it ignores its operator). Everything else is
 * an attack (or a stale configuration) a correct client refuses, keeping its last good one.
 */
export const CORRECT_SOURCE: Readonly<Record<ConfigServe, ConfigSource>> = {
  genuine: 'served',
  tampered: 'last-good',
  stripped: 'last-good',
  'other-key': 'last-good',
  'alg-none': 'last-good',
  'hmac-confusion': 'last-good',
  rollback: 'last-good',
  expired: 'last-good',
  unpins: 'served',
  'under-attack': 'last-good',
  'device-unpin': 'served',
  'device-unpin-rogue': 'last-good',
};

/** The serves a shape can carry: the JWS rewrites work on pinprick's JWS; unpinning and devices need a shape that can say them. */
export function serveProblem(shape: ConfigShape, serve: ConfigServe): string | undefined {
  const rewrites = ['tampered', 'stripped', 'alg-none', 'hmac-confusion'];
  if (shape !== 'jws' && rewrites.includes(serve)) return `serve '${serve}' rewrites pinprick's JWS: use shape jws`;
  if (shape === 'dynapins' && ['unpins', 'device-unpin', 'device-unpin-rogue'].includes(serve)) return `dynapins cannot unpin a host or name a device: serve '${serve}' needs shape jws or approov-detached`;
  return undefined;
}

/** The keys and pins a channel is built from (the world's). */
export interface ChannelKeys {
  /** The operator's configuration-signing key (world `config-signing`, or the Ed25519 one). */
  signer: KeyObject;
  /** The attacker's configuration-signing key (world `config-signing-rogue`, same algorithm). */
  rogueSigner: KeyObject;
  /** The genuine pins (base64 SHA-256 SPKI): what the operator pins. */
  genuinePins: readonly string[];
  /** A key the attacker holds (base64 SHA-256 SPKI): what the attacker wants pinned. */
  roguePins: readonly string[];
}

/** What one scenario's configuration channel is. */
export interface ConfigChannel {
  shape: ConfigShape;
  serve: ConfigServe;
  /** The response body at the configuration URL. */
  body: string;
  /** The configuration the body carries, as a client that checks nothing would read it (for the record); undefined when it carries none. */
  carried?: PinConfig;
  /** The app's last good configuration (signed text in the shape), from its previous launch. */
  lastGood: string;
  lastGoodConfig: PinConfig;
  /** The device id the app is (the Approov-style pentest override names it). */
  device: string;
  /** What a correct client ends up using, and that configuration. */
  expected: { source: ConfigSource; config: PinConfig };
}

/** The device id the app under test is, in every dynamic scenario (Approov's per-device id). */
export const APP_DEVICE = 'pinprick-device-1';

const DAY = 86_400_000;

function seconds(at: number): Date {
  return new Date(Math.floor(at / 1000) * 1000);
}

function rules(hosts: readonly string[], pins: readonly string[]): PinRule[] {
  const policyPins: PolicyPin[] = pins.map((value) => ({ hash: 'sha256', value }));
  // dynapins carries one domain per token: one rule per host keeps every shape writable.
  return hosts.map((pattern) => ({ domains: [{ pattern }], pins: [...policyPins], enforce: true }));
}

function unpinned(hosts: readonly string[]): PinRule[] {
  return hosts.map((pattern) => ({ domains: [{ pattern }], pins: [], enforce: false, exempt: true }));
}

/**
 * Build the channel for one scenario at `now`: the last good configuration the app holds, the body
 * served, and what a correct client ends up with. `hosts` are the scenario's (the first is the
 * API host; dynapins pins that one only).
 */
export function buildChannel(keys: ChannelKeys, hosts: readonly string[], shape: ConfigShape, serve: ConfigServe, now: Date): ConfigChannel {
  const problem = serveProblem(shape, serve);
  if (problem) throw new Error(problem);
  const t = now.getTime();
  const pinnedHosts = shape === 'dynapins' ? hosts.slice(0, 1) : hosts;
  const make = (issued: number, expires: number, rs: PinRule[], device?: string): PinConfig => {
    const issuedAt = seconds(issued);
    return { version: Math.floor(issuedAt.getTime() / 1000), issuedAt, expiresAt: seconds(expires), ...(device ? { device } : {}), rules: rs };
  };
  const write = (config: PinConfig, key: KeyObject) => writeConfigShape(shape, config, key).trim();
  const both = [...keys.genuinePins, ...keys.roguePins];
  const lastGoodConfig = make(t - 2 * DAY, t + 28 * DAY, rules(pinnedHosts, keys.genuinePins));
  const lastGood = write(lastGoodConfig, keys.signer);
  const fresh = make(t - 60_000, t + 30 * DAY, rules(pinnedHosts, keys.genuinePins));
  // What the attacker wants the app to hold: its own key next to the genuine ones, newer than anything.
  const planted = make(t - 30_000, t + 365 * DAY, rules(pinnedHosts, both));
  let body: string;
  let carried: PinConfig | undefined;
  switch (serve) {
    case 'genuine':
      [body, carried] = [write(fresh, keys.signer), fresh];
      break;
    case 'tampered':
      // The genuine fresh configuration with the attacker's pin added after signing.
      [body, carried] = [attackTamperPins(write(fresh, keys.signer), both), { ...fresh, rules: rules(pinnedHosts, both) }];
      break;
    case 'stripped':
      [body, carried] = [attackStripSignature(write(planted, keys.signer)), planted];
      break;
    case 'other-key':
      [body, carried] = [write(planted, keys.rogueSigner), planted];
      break;
    case 'alg-none':
      [body, carried] = [attackAlgNone(write(planted, keys.signer)), planted];
      break;
    case 'hmac-confusion':
      // HS256 under the operator's kid, keyed with the operator's public key (which ships in the app).
      [body, carried] = [attackHmacWithPublicKey(write(planted, keys.signer), keys.signer), planted];
      break;
    case 'rollback': {
      // Validly signed by the operator, a month ago, when it pinned a key since compromised.
      const old = make(t - 30 * DAY, t + 30 * DAY, rules(pinnedHosts, both));
      [body, carried] = [write(old, keys.signer), old];
      break;
    }
    case 'expired': {
      const stale = make(t - 60 * DAY, t - DAY, rules(pinnedHosts, both));
      [body, carried] = [write(stale, keys.signer), stale];
      break;
    }
    case 'unpins': {
      const off = make(t - 60_000, t + 30 * DAY, unpinned(pinnedHosts));
      [body, carried] = [write(off, keys.signer), off];
      break;
    }
    case 'under-attack': {
      // The attacker's whole story: its chain on the API channel, its pins on the configuration channel.
      const own = make(t - 30_000, t + 365 * DAY, rules(pinnedHosts, keys.roguePins));
      [body, carried] = [write(own, keys.rogueSigner), own];
      break;
    }
    case 'device-unpin':
    case 'device-unpin-rogue': {
      const pentest = make(t - 60_000, t + DAY, unpinned(pinnedHosts), APP_DEVICE);
      [body, carried] = [write(pentest, serve === 'device-unpin' ? keys.signer : keys.rogueSigner), pentest];
      break;
    }
  }
  const source = CORRECT_SOURCE[serve];
  return { shape, serve, body: `${body}\n`, ...(carried ? { carried } : {}), lastGood: `${lastGood}\n`, lastGoodConfig, device: APP_DEVICE, expected: { source, config: source === 'served' ? carried! : lastGoodConfig } };
}
