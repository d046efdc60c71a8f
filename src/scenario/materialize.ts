import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Pin } from '../world/pin.js';
import type { CertRecipe } from '../world/recipe.js';
import type { CertDef, KeyDef, WorldSpec } from '../world/spec.js';
import { openDerived, type OpenedWorld } from '../world/store.js';
import { resolveTime } from '../world/time.js';
import type { World, WorldCert } from '../world/world.js';
import type { Scenario } from './scenario.js';
import { buildChannel, type ConfigChannel } from '../dynamic/channel.js';

/** One certificate as the proxy will send it. */
export interface PresentedCert {
  name: string;
  /** Where its recipe lives: the world, or the scenario's own certificates. */
  origin: 'world' | 'scenario';
  der: Buffer;
  x509: X509Certificate;
  pin: Pin;
}

/** A scenario made concrete: the exact chain, the key that serves it, the hosts and the clock. */
export interface PresentedScenario {
  scenario: Scenario;
  /** Leaf first, in the scenario's exact order, duplicates and extras included. */
  chain: PresentedCert[];
  /** Private key matching chain[0]: what the proxy signs the handshake with. */
  leafKey: KeyObject;
  /** Hosts intercepted with this chain; the first is the one clients connect to. */
  hosts: string[];
  /** The client's trust store when the scenario sets it (else the profile's or the world's). */
  trust?: PresentedCert[];
  /** What the proxy serves over plain HTTP by URL (the scenario's `fetchable:`): issuers a caIssuers fetch gets. */
  fetchable?: ReadonlyMap<string, PresentedCert>;
  /** Dynamic pinning: the configuration channel built with the world's keys, and its URL. */
  config?: ConfigChannel & { url: string; tls?: 'genuine' | 'rogue' };
  /** When the reference model validates (the scenario's `at`, else now). */
  at: Date;
}

const RECIPE_KEYS: readonly (keyof CertRecipe)[] = ['subject', 'issuer', 'notBefore', 'notAfter', 'ca', 'pathLen', 'keyUsage', 'extKeyUsage', 'dns', 'ip', 'hash', 'ski', 'aki', 'caIssuers', 'certificatePolicies', 'policyConstraints', 'nameConstraints'];

/** The spec of a scenario's own keys and certificates, drawing the rest from the world. */
export function derivedSpec(scenario: Scenario, world: WorldSpec): WorldSpec {
  const keys: Record<string, KeyDef> = {};
  const certs: Record<string, CertDef> = {};
  for (const [name, input] of Object.entries(scenario.certificates ?? {})) {
    const base = input.from ? world.certs[input.from] : undefined;
    let key = input.key ?? base?.key ?? 'new';
    if (key === 'new') {
      key = `${name}-key`;
      keys[key] = { type: input.keyType ?? world.keyType, party: 'scenario', position: 'leaf', description: `New key for ${name} in scenario ${scenario.id}.` };
    }
    const recipe: Partial<CertRecipe> = {};
    for (const field of RECIPE_KEYS) {
      const value = input[field] ?? base?.[field];
      if (value !== undefined) (recipe as Record<string, unknown>)[field] = value;
    }
    // A derived non-CA inherits no pathLen or nameConstraints; a new end-entity defaults to a 397-day TLS leaf.
    certs[name] = {
      subject: recipe.subject!,
      issuer: recipe.issuer!,
      notBefore: recipe.notBefore ?? '-1d',
      notAfter: recipe.notAfter ?? '+397d',
      ...recipe,
      ...(recipe.ca ? {} : { pathLen: undefined, nameConstraints: undefined }),
      key,
      party: 'scenario',
      position: recipe.ca ? (recipe.issuer === 'self' ? 'root' : 'intermediate') : 'leaf',
      trusted: false,
      description: `${scenario.id}: ${name}${input.from ? ` (from ${input.from})` : ''}`,
    };
  }
  return { name: scenario.id, hosts: scenario.hosts ?? world.hosts, keyType: world.keyType, keys, certs };
}

/**
 * Materialise a scenario against an opened world: its own certificates are issued once and stored
 * under `certs/<world>/derived/<id>/`, so the same chain (and pins) is presented on every run.
 */
export async function presentScenario(opened: OpenedWorld, scenario: Scenario, now: Date = new Date()): Promise<PresentedScenario> {
  const hasOwn = Object.keys(scenario.certificates ?? {}).length > 0;
  const derived = hasOwn ? (await openDerived(opened, scenario.id, derivedSpec(scenario, opened.world.spec), now)).world : undefined;
  return presentFrom(opened.world, derived, scenario, scenario.at ? resolveTime(scenario.at, now) : now, now);
}

/**
 * A scenario made concrete from a world and the scenario's own material (`derived`, built by
 * {@link derivedSpec}; undefined when the scenario has no certificates of its own), validated at
 * `at`. Both may be in memory only: `pinprick simulate` re-issues them at each simulated date.
 */
export function presentFrom(world: World, derived: World | undefined, scenario: Scenario, at: Date, now: Date = at): PresentedScenario {
  const lookup = (name: string): PresentedCert => {
    const own = derived?.hasCert(name) ? derived.cert(name) : undefined;
    const c: WorldCert = own ?? world.cert(name);
    return { name, origin: own ? 'scenario' : 'world', der: c.der, x509: c.x509, pin: c.pin };
  };
  const chain = scenario.chain.map(lookup);
  const leafDef = derived?.hasCert(scenario.chain[0]!) ? derived.cert(scenario.chain[0]!).def : world.cert(scenario.chain[0]!).def;
  const leafKey = (derived?.hasKey(leafDef.key) ? derived.key(leafDef.key) : world.key(leafDef.key)).key;
  return {
    scenario,
    chain,
    leafKey,
    hosts: scenario.hosts ?? [...world.hosts],
    ...(scenario.trust ? { trust: scenario.trust.map(lookup) } : {}),
    ...(scenario.fetchable ? { fetchable: new Map(Object.entries(scenario.fetchable).map(([url, name]) => [url, lookup(name)])) } : {}),
    ...(scenario.config ? { config: { ...channelOf(world, scenario, scenario.hosts ?? [...world.hosts], now), url: scenario.config.url, ...(scenario.config.tls ? { tls: scenario.config.tls } : {}) } } : {}),
    at,
  };
}

/**
 * A dynamic scenario's configuration channel from the world's keys, at the real clock (`now`: the
 * app checks validity with its own): the operator signs with `config-signing`, the attacker with
 * `config-signing-rogue`; the operator pins the genuine intermediate and the offline backup key
 * (the intermediate-backup profile's pins), the attacker the rogue intermediate's key.
 */
function channelOf(world: World, scenario: Scenario, hosts: string[], now: Date): ConfigChannel {
  const keys = {
    signer: world.key('config-signing').key,
    rogueSigner: world.key('config-signing-rogue').key,
    genuinePins: [world.key('genuine-intermediate').pin.sha256, world.key('backup-1').pin.sha256],
    roguePins: [world.key('rogue-intermediate').pin.sha256],
  };
  return buildChannel(keys, hosts, scenario.config!.shape ?? 'jws', scenario.config!.serve, now);
}

/** The world's trusted roots as presented certificates (the default client trust store). */
export function worldTrust(world: World): PresentedCert[] {
  return world.trustedRoots().map((c) => ({ name: c.name, origin: 'world', der: c.der, x509: c.x509, pin: c.pin }));
}
