import type { PresentedScenario } from '../scenario/materialize.js';
import type { ResolvedProfile } from '../scenario/profile.js';
import type { World } from '../world/world.js';
import { evaluate, type Verdict } from './verdict.js';

/**
 * What a correct client with this profile does with this scenario: the one place that turns a
 * scenario and a profile into model input. The client's trust store is the scenario's when it
 * sets one (an old device, a store with an expired root), else the profile's.
 */
export function expectScenario(presented: PresentedScenario, profile: ResolvedProfile, world: World): Verdict {
  const anchors = presented.trust ? presented.trust.map((c) => c.der) : profile.trust.map((name) => world.cert(name).der);
  return evaluate({
    presented: presented.chain.map((c) => c.der),
    anchors,
    host: presented.hosts[0],
    at: presented.at,
    policy: { domains: profile.domains, pins: profile.pins, enforce: profile.enforce, ...(profile.expiration ? { expiration: profile.expiration } : {}) },
  });
}
