import { ruleFor, type PolicyPin, type Verdict } from '../model/index.js';
import type { PresentedScenario } from '../scenario/materialize.js';
import type { ResolvedProfile } from '../scenario/profile.js';
import { describeKey } from '../world/keys.js';

/** One certificate as the proxy sent it. */
export interface SentCertificate {
  /** Position on the wire, 0 = first sent. */
  index: number;
  /** The world's or the scenario's name for it. */
  name: string;
  subject: string;
  issuer: string;
  /** `ECDSA P-256`, `RSA 2048`… */
  key: string;
  /** RFC 7469 pin of its key (base64 SHA-256 of the SPKI). */
  pin: string;
  notBefore: string;
  notAfter: string;
  /** Label of the profile pin that names this key (absent: not pinned). */
  pinned?: string;
  /** The certificate is on the path the reference model chose. */
  onPath: boolean;
}

/** One certificate of the path the reference model built, leaf to anchor. */
export interface PathCertificate {
  subject: string;
  issuer: string;
  key: string;
  pin: string;
  /** `anchor`: the client's own trust anchor; `presented`: as sent, at `presentedIndex`; `fetched`: from the caIssuers URL `fetchedFrom`. */
  source: 'presented' | 'anchor' | 'fetched';
  presentedIndex?: number;
  fetchedFrom?: string;
  pinned?: string;
  /** This is the key whose pin decided the verdict. */
  matched: boolean;
}

/** What a report needs to draw a scenario: chain sent, path built, pins and which one matched. */
export interface ChainPicture {
  sent: SentCertificate[];
  /** The chosen path (the first that validates, else the first for its error); empty when none was built. */
  path: PathCertificate[];
  /** The path reaches a trust anchor. */
  pathComplete: boolean;
  validation: { ok: boolean; code: string; reason: string };
  /** The profile's pin set. */
  /** The pins that apply to the scenario's host, as {profile} writes them: `sha256` or legacy `sha1`, a label, where they may match. */
  pins: ChainPin[];
  /** The pin that matched on the path, when one did. */
  matchedPin?: { pin: string; label?: string; pathIndex: number };
  /** Pinned keys that were sent but are not on the path (pin-stuffing bait). */
  offPathPins: { pin: string; label?: string; index: number }[];
}

/** One pin of a picture. */
export interface ChainPin {
  sha256?: string;
  sha1?: string;
  label?: string;
  on?: 'leaf' | 'ca';
}

/** A policy pin as pictures, {profile} and reports write it. */
export function chainPin(p: PolicyPin): ChainPin {
  return { [p.hash]: p.value, ...(p.label ? { label: p.label } : {}), ...(p.on ? { on: p.on } : {}) };
}

/**
 * The picture of one scenario: pure, from the presented chain, the reference model's verdict and
 * the profile. Kept in the run report so every report format draws from the same data.
 */
export function chainPicture(presented: PresentedScenario, verdict: Verdict, profile: ResolvedProfile): ChainPicture {
  // The pins that apply to the scenario's host (every rule's when none covers it: what the profile could have pinned).
  const pins = (ruleFor(profile, presented.hosts[0])?.rule ?? { pins: profile.rules.flatMap((r) => r.pins) }).pins;
  const labels = new Map<string, string>(pins.map((p) => [p.hash === 'sha1' ? `sha1/${p.value}` : p.value, p.label ?? 'pinned']));
  const labelOf = (cert: { pin: string; pinSha1?: string }) => labels.get(cert.pin) ?? (cert.pinSha1 ? labels.get(`sha1/${cert.pinSha1}`) : undefined);
  const chosen = verdict.chosenPath === undefined ? undefined : verdict.paths[verdict.chosenPath];
  const onPath = new Set(chosen?.certificates.flatMap((c) => (c.presentedIndex === undefined ? [] : [c.presentedIndex])) ?? []);
  const matched = verdict.pinCheck?.matched;
  const sent = presented.chain.map((c, index): SentCertificate => {
    const label = labelOf({ pin: c.pin.sha256, pinSha1: c.pin.sha1 });
    return {
      index,
      name: c.name,
      subject: c.x509.subject.split('\n').join(', '),
      issuer: c.x509.issuer.split('\n').join(', '),
      key: describeKey(c.x509.publicKey),
      pin: c.pin.sha256,
      notBefore: new Date(c.x509.validFrom).toISOString(),
      notAfter: new Date(c.x509.validTo).toISOString(),
      ...(label ? { pinned: label } : {}),
      onPath: onPath.has(index),
    };
  });
  const path = (chosen?.certificates ?? []).map((c, i): PathCertificate => {
    const label = labelOf({ pin: c.pin });
    return {
      subject: c.subject,
      issuer: c.issuer,
      key: c.key,
      pin: c.pin,
      source: c.source,
      ...(c.presentedIndex === undefined ? {} : { presentedIndex: c.presentedIndex }),
      ...(c.fetchedFrom === undefined ? {} : { fetchedFrom: c.fetchedFrom }),
      ...(label ? { pinned: label } : {}),
      matched: matched?.certIndexInPath === i,
    };
  });
  return {
    sent,
    path,
    pathComplete: chosen?.complete ?? false,
    validation: { ok: verdict.validation.ok, code: verdict.validation.code, reason: verdict.validation.reason },
    pins: pins.map(chainPin),
    ...(matched ? { matchedPin: { pin: matched.pin, ...(matched.label ? { label: matched.label } : {}), pathIndex: matched.certIndexInPath } } : {}),
    offPathPins: (verdict.pinCheck?.offPathPins ?? []).map((o) => ({ pin: o.pin, ...(o.label ? { label: o.label } : {}), index: o.presentedIndex })),
  };
}
