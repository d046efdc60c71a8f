import type { Verdict } from '../model/index.js';
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
  pins: { sha256: string; label?: string }[];
  /** The pin that matched on the path, when one did. */
  matchedPin?: { pin: string; label?: string; pathIndex: number };
  /** Pinned keys that were sent but are not on the path (pin-stuffing bait). */
  offPathPins: { pin: string; label?: string; index: number }[];
}

/**
 * The picture of one scenario: pure, from the presented chain, the reference model's verdict and
 * the profile. Kept in the run report so every report format draws from the same data.
 */
export function chainPicture(presented: PresentedScenario, verdict: Verdict, profile: ResolvedProfile): ChainPicture {
  const labels = new Map(profile.pins.map((p) => [p.sha256, p.label ?? 'pinned']));
  const chosen = verdict.chosenPath === undefined ? undefined : verdict.paths[verdict.chosenPath];
  const onPath = new Set(chosen?.certificates.flatMap((c) => (c.presentedIndex === undefined ? [] : [c.presentedIndex])) ?? []);
  const matched = verdict.pinCheck?.matched;
  const sent = presented.chain.map((c, index): SentCertificate => {
    const label = labels.get(c.pin.sha256);
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
    const label = labels.get(c.pin);
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
    pins: profile.pins.map((p) => ({ sha256: p.sha256, ...(p.label ? { label: p.label } : {}) })),
    ...(matched ? { matchedPin: { pin: matched.pin, ...(matched.label ? { label: matched.label } : {}), pathIndex: matched.certIndexInPath } } : {}),
    offPathPins: (verdict.pinCheck?.offPathPins ?? []).map((o) => ({ pin: o.pin, ...(o.label ? { label: o.label } : {}), index: o.presentedIndex })),
  };
}
