import { evaluate, type Verdict } from '../model/index.js';
import type { PresentedScenario } from './materialize.js';
import { configPolicy } from '../dynamic/config.js';
import type { ResolvedProfile } from './profile.js';
import type { World } from '../world/world.js';

/**
 * What a correct client with this profile does with this scenario: the one place that turns a
 * scenario and a profile into model input. The client's trust store is the scenario's when it
 * sets one (an old device, a store with an expired root), else the profile's. The client connects
 * to `host`, by default the scenario's first (the one clients are sent to).
 */
export function expectScenario(presented: PresentedScenario, profile: ResolvedProfile, world: World, host: string | undefined = presented.hosts[0]): Verdict {
  const anchors = presented.trust ? presented.trust.map((c) => c.der) : profile.trust.map((name) => world.cert(name).der);
  return evaluate({
    presented: presented.chain.map((c) => c.der),
    anchors,
    host,
    at: presented.at,
    // A resolved profile is a pin policy. In a dynamic scenario the pins are the configuration a
    // correct client holds after the fetch (served or last good), not the profile's.
    policy: presented.config ? configPolicy(presented.config.expected.config) : profile,
    ...(profile.platform ? { platform: profile.platform } : {}),
    // What a client that fetches missing issuers (platforms.ts aia-fetch) gets from the proxy.
    ...(presented.fetchable ? { fetchable: new Map([...presented.fetchable].map(([url, c]) => [url, c.der])) } : {}),
  });
}

/**
 * Check a scenario's `expect:` (what every correct client does, whatever its pins) against the
 * model with each of `profiles`: `accept` needs every profile to accept, `reject` every profile to
 * reject, `either` every profile to meet a chain on which correct platforms differ, `depends-on-pins` a chain that validates (the model accepts it with no pins), so that
 * only pins decide. Returns what is wrong, naming the model's reason, or undefined.
 */
export function checkExpect(expect: 'accept' | 'reject' | 'either' | 'depends-on-pins', presented: PresentedScenario, profiles: readonly ResolvedProfile[], world: World): string | undefined {
  if (expect === 'depends-on-pins') {
    const unpinned = expectScenario(presented, { id: '(no pins)', rules: [], trust: profiles[0]?.trust ?? [] }, world);
    if (unpinned.expected === 'accept') return undefined;
    return `expect: depends-on-pins, but a correct client rejects this chain whatever its pins: ${unpinned.code}: ${unpinned.reason}`;
  }
  for (const profile of profiles) {
    const v = expectScenario(presented, profile, world);
    if (v.expected !== expect) return `expect: ${expect}, but a correct client with profile ${profile.id} would ${v.expected.toUpperCase()}: ${v.code}: ${v.reason}`;
  }
  return undefined;
}
