/**
 * What the server sends on each simulated day, made concrete: the world's certificates and each
 * event's scenario certificates issued, in memory, with the world's own keys (so every pin is the
 * one `pinprick pins` prints) at the date the event starts, so that a 2016 incident is told with
 * 2016 certificates. While an event lasts, a certificate it sends that was valid when it started
 * is renewed, with the same key, on the day it expires, as an operator (or certbot) would; one
 * already dead when the event starts stays dead (an expired cross-sign is the incident). This is
 * the edge of the simulator: keys and issuance; simulate.ts decides.
 */
import type { KeyObject } from 'node:crypto';
import { derivedSpec, presentFrom, type PresentedScenario } from '../scenario/materialize.js';
import { openDerived, type OpenedWorld } from '../world/store.js';
import { isRelative } from '../world/time.js';
import { materializeWorld, type ExistingMaterial, type World } from '../world/world.js';
import { noonOf } from './days.js';
import type { ResolvedTimeline } from './resolve.js';

/** Days (inclusive) over which one event's chain is the same certificates. */
export interface ServedSpan {
  /** Index of the server event. */
  event: number;
  from: number;
  to: number;
  /** 0 as issued when the event started; n after the n-th renewal. */
  renewal: number;
  /** The world as issued for this span: the trust anchors a profile names come from it. */
  world: World;
  presented: PresentedScenario;
}

const DAY_MS = 86_400_000;

/** Every span from the timeline's first day to its last, in day order. */
export async function servedSpans(resolved: ResolvedTimeline, opened: OpenedWorld): Promise<ServedSpan[]> {
  const { timeline, events } = resolved;
  const worldKeys = keysOf(opened.world);
  const spans: ServedSpan[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const first = Math.max(event.from, timeline.from);
    const last = Math.min((events[i + 1]?.from ?? Infinity) - 1, timeline.to);
    if (first > last) continue;
    const scenario = event.scenario;
    const ownSpec = Object.keys(scenario.certificates ?? {}).length ? derivedSpec(scenario, resolved.spec) : undefined;
    // A scenario's own new keys are the ones `run` uses (stored under certs/<world>/derived/, from the
    // scenario as `run` sees it: the timeline's dates stay in memory), so its pins match too.
    const ownKeys = ownSpec ? keysOf((await openDerived(opened, scenario.id, derivedSpec(scenario, opened.world.spec))).world) : undefined;

    let epoch = noonOf(event.from);
    let world = await issue(resolved.spec, worldKeys, epoch);
    let own = ownSpec ? await issue(ownSpec, ownKeys!, epoch, undefined, world) : undefined;
    let presented = presentFrom(world, own, scenario, epoch);
    // What the operator keeps alive: certificates sent that were valid, and meant to be, when the event started.
    const kept = scenario.chain.filter((name) => {
      const def = (own?.hasCert(name) ? own : world).cert(name).def;
      const cert = presented.chain.find((c) => c.name === name)!.x509;
      return isRelative(def.notBefore) && isRelative(def.notAfter) && new Date(cert.validFrom) <= epoch && epoch < new Date(cert.validTo);
    });
    let day = first;
    let renewedAt: number | undefined;
    for (let renewal = 0; ; ) {
      let expiry = Math.min(...presented.chain.filter((c) => kept.includes(c.name)).map((c) => firstDayAtOrAfter(new Date(c.x509.validTo))));
      // Renewed on this very day and still expired (a recipe whose lifetime is under a day): it stays so.
      if (expiry <= day && renewedAt === day) expiry = Infinity;
      const end = Math.min(last, expiry - 1);
      if (end >= day) spans.push({ event: i, from: day, to: end, renewal, world, presented });
      if (end >= last) break;
      day = Math.max(day, expiry);
      epoch = noonOf(day);
      world = await issue(resolved.spec, worldKeys, epoch, world);
      own = ownSpec ? await issue(ownSpec, ownKeys!, epoch, own, world) : undefined;
      presented = presentFrom(world, own, scenario, epoch);
      renewedAt = day;
      renewal++;
    }
  }
  return spans;
}

/** The first day whose noon is at or after `at`: the first day a certificate ending at `at` is expired. */
function firstDayAtOrAfter(at: Date): number {
  return Math.ceil((at.getTime() - DAY_MS / 2) / DAY_MS);
}

function keysOf(world: World): Map<string, KeyObject> {
  return new Map(world.allKeys().map((k) => [k.name, k.key]));
}

/** Issue `spec`'s certificates at `now` with these keys, keeping those of `previous` that still fit (materializeWorld's renewal rule). */
async function issue(spec: World['spec'], keys: ReadonlyMap<string, KeyObject>, now: Date, previous?: World, parent?: World): Promise<World> {
  const existing: ExistingMaterial = { keys, certs: new Map((previous?.allCerts() ?? []).map((c) => [c.name, { der: c.der, recipeHash: c.recipeHash, x509: c.x509 }])) };
  return (await materializeWorld(spec, { now, existing, ...(parent ? { parent } : {}) })).world;
}
