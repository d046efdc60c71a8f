/**
 * One probe of one endpoint, at the edge: fetch the chain exactly as served
 * (src/proxy/served-chain.ts), ask the reference model what a correct client with the profile
 * does with it (the same `evaluate` as the harness), and read that as an outcome (outcome.ts).
 */
import { NetworkError } from '../errors.js';
import type { NamedKey } from '../harness/policy-fix.js';
import { evaluate, MalformedError, parseCertificate, ruleFor } from '../model/index.js';
import type { ResolvedProfile } from '../scenario/profile.js';
import { fetchServedChain } from '../proxy/served-chain.js';
import { endpointHost, type Endpoint } from './endpoints.js';
import { probeOutcome, unreachableOutcome, type ProbeOutcome } from './outcome.js';

/** What every probe shares. */
export interface ProbeContext {
  /** The client's pin policy and platform. */
  profile: ResolvedProfile;
  /** DER of the trust anchors the client validates with. */
  anchors: readonly Uint8Array[];
  /** Key names for the fixes (the world's). */
  keys: readonly NamedKey[];
  warnDays: number;
  proxy?: { host: string; port: number };
  timeoutMs: number;
  /** Stops probes under way (SIGINT). */
  signal?: AbortSignal;
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** `sha256/B64` of a DER certificate's key, or `(malformed)` for bytes the model cannot read (the verdict says why). */
function pinOf(der: Uint8Array): string {
  try {
    return `sha256/${parseCertificate(der).pin}`;
  } catch (err) {
    if (err instanceof MalformedError) return '(malformed)';
    throw err;
  }
}

/** Probe one endpoint: its outcome, with the time of the verdict. */
export async function probeEndpoint(endpoint: Endpoint, ctx: ProbeContext): Promise<{ outcome: ProbeOutcome; at: Date }> {
  const now = ctx.now ?? (() => new Date());
  let certificates: Buffer[];
  try {
    ({ certificates } = await fetchServedChain({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.sni === undefined ? {} : { sni: endpoint.sni }),
      ...(ctx.proxy ? { proxy: ctx.proxy } : {}),
      timeoutMs: ctx.timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    }));
  } catch (err) {
    if (err instanceof NetworkError) return { outcome: unreachableOutcome(err.message), at: now() };
    throw err;
  }
  const at = now();
  const host = endpointHost(endpoint);
  const { profile } = ctx;
  const verdict = evaluate({ presented: certificates, anchors: ctx.anchors, host, at, policy: profile, ...(profile.platform ? { platform: profile.platform } : {}) });
  // Legacy sha1/ pins name a key by its SHA-1: computed only for a policy that has one.
  let sha1Pins: Map<string, string> | undefined;
  if (ruleFor(profile, host)?.rule.pins.some((p) => p.hash === 'sha1')) {
    sha1Pins = new Map();
    for (const der of [...certificates, ...ctx.anchors]) {
      try {
        const c = parseCertificate(der);
        sha1Pins.set(c.pin, c.pinSha1);
      } catch (err) {
        if (!(err instanceof MalformedError)) throw err;
      }
    }
  }
  const outcome = probeOutcome({ verdict, policy: profile, host, at, warnDays: ctx.warnDays, keys: ctx.keys, pinsSeen: certificates.map(pinOf), ...(sha1Pins ? { sha1Pins } : {}) });
  return { outcome, at };
}
