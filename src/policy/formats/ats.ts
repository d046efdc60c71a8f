/**
 * Apple App Transport Security identity pinning (iOS 14, macOS 11): `NSAppTransportSecurity` >
 * `NSPinnedDomains` in an Info.plist. Apple's reference (developer.apple.com/documentation/
 * bundleresources/information-property-list/nsapptransportsecurity/nspinneddomains and the pages
 * of NSPinnedCAIdentities, NSPinnedLeafIdentities, NSIncludesSubdomains):
 * - per domain, `NSPinnedCAIdentities` (the SPKI digest of at least one CA or sub-CA certificate of
 *   the chain must be listed) and/or `NSPinnedLeafIdentities` (the leaf's SPKI digest must be
 *   listed); each an array of `{ SPKI-SHA256-BASE64: base64 }`; "if you specify both, ATS requires
 *   a match in each category": PolicyPin `on: 'ca'` / `on: 'leaf'`, which the model's pin check
 *   (model/pin-check.ts, `satisfied`) requires one of each kind present;
 * - `NSIncludesSubdomains` extends an entry to subdomains "that have one additional path
 *   component" only (example.com covers math.example.com, not advanced.math.example.com): the
 *   rule is `example.com` plus `*.example.com`, never any depth;
 * - always enforced, no expiration, no reports.
 * Apple does not say which entry applies when an explicit entry and a parent's
 * NSIncludesSubdomains both cover a host; pinprick takes the explicit one (`most-specific`), as
 * TrustKit and Android do.
 *
 * An entry with neither key, or with empty arrays, breaks Apple's "you must include" rule; Apple's
 * Security regression data tests such a file (si-20-sectrust-policies-data/
 * NSPinnedDomains_with_empty_spki.plist) but its expected outcome is not public. pinprick reads
 * it as a pin set nothing matches (every connection to the host fails, as an empty pin set does
 * in the model) and a note says so; lint reports it.
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import type { PinPolicy, PinRule, PolicyPin } from '../../model/policy.js';
import { plistXml, type PlistValue as WritablePlist } from '../../world/mobileconfig.js';
import { domainKeyProblem, nearestKey, refuseOverlappingAll } from '../apple.js';
import { PolicyFileError, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot } from '../format.js';
import { bareSha256Pin } from '../pin-text.js';
import { plistGet, plistKindName, readPlist, type PlistDict, type PlistValue } from '../plist.js';

type Spot = Required<SourceSpot>;

const ATS = 'NSAppTransportSecurity';
const PINNED = 'NSPinnedDomains';
const INCLUDES = 'NSIncludesSubdomains';
const CA = 'NSPinnedCAIdentities';
const LEAF = 'NSPinnedLeafIdentities';
const SPKI = 'SPKI-SHA256-BASE64';
const DOMAIN_KEYS = [INCLUDES, CA, LEAF] as const;

function need<K extends PlistValue['kind']>(file: string, value: PlistValue, kind: K, what: string): Extract<PlistValue, { kind: K }> {
  if (value.kind !== kind) throw new PolicyFileError(file, value.at.line, value.at.column, `${what} must be <${kind === 'boolean' ? 'true/> or <false/' : kind}>, not ${plistKindName(value)}`);
  return value as Extract<PlistValue, { kind: K }>;
}

/** The pinned domains of an Info.plist, or a one-line error saying what is missing. */
function pinnedDomains(file: string, root: PlistValue): { dict: PlistDict; root: PlistDict } {
  const at = root.at;
  if (root.kind !== 'dict') throw new PolicyFileError(file, at.line, at.column, `an Info.plist is a dictionary, not ${plistKindName(root)}`);
  const ats = plistGet(root, ATS);
  if (!ats) throw new PolicyFileError(file, at.line, at.column, `no ${ATS} in this property list (identity pinning is ${ATS} > ${PINNED})`);
  const atsDict = need(file, ats.value, 'dict', ATS);
  const pinned = plistGet(atsDict, PINNED);
  if (!pinned) throw new PolicyFileError(file, ats.keyAt.line, ats.keyAt.column, `no ${PINNED} in ${ATS}`);
  return { dict: need(file, pinned.value, 'dict', PINNED), root };
}

/** Read `NSAppTransportSecurity` > `NSPinnedDomains`. */
function read(file: string, text: string): ReadPolicy {
  const { dict, root } = pinnedDomains(file, readPlist(file, text));
  const notes: PolicyNote[] = [];
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const note = (at: Spot, detail: string) => notes.push({ kind: 'other', at, detail });
  const trustKit = plistGet(root, 'TSKConfiguration');
  if (trustKit) note(trustKit.keyAt, 'this Info.plist also configures TrustKit (TSKConfiguration), which checks its own pins where the app wires it in: read it with --format trustkit');

  for (const { key: domain, keyAt, value } of dict.entries) {
    const entry = need(file, value, 'dict', `the entry of ${domain}`);
    const problem = domainKeyProblem(domain, 'ATS', INCLUDES);
    if (problem) {
      note(keyAt, problem);
      continue;
    }
    // Apple: "Use lowercase — Use example.com, not EXAMPLE.COM" (NSExceptionDomains, whose rules NSPinnedDomains follows).
    if (domain !== domain.toLowerCase()) note(keyAt, `'${domain}': Apple asks for domain names in lowercase (NSExceptionDomains rules, which NSPinnedDomains follows)`);
    for (const e of entry.entries) {
      if ((DOMAIN_KEYS as readonly string[]).includes(e.key)) continue;
      const near = nearestKey(e.key, DOMAIN_KEYS);
      note(e.keyAt, `unknown key ${e.key} in the entry of ${domain}${near ? ` (did you mean ${near}?)` : ''}: ATS ignores it`);
    }
    const rule: PinRule = { domains: [{ pattern: domain }], pins: [], enforce: true };
    const source: RuleSource = { at: keyAt, pins: [] };
    const includes = plistGet(entry, INCLUDES);
    // One more label only, and no effect on IP addresses (NSIncludesSubdomains).
    if (includes && need(file, includes.value, 'boolean', INCLUDES).value && !isIP(domain)) rule.domains.push({ pattern: `*.${domain}` });
    let listed = 0;
    for (const [key, on] of [
      [CA, 'ca'],
      [LEAF, 'leaf'],
    ] as const) {
      const list = plistGet(entry, key);
      if (!list) continue;
      for (const item of need(file, list.value, 'array', key).items) {
        const identity = need(file, item, 'dict', `an item of ${key}`);
        for (const extra of identity.entries.filter((x) => x.key !== SPKI)) note(extra.keyAt, `unknown key ${extra.key} in an identity of ${domain} (an identity holds ${SPKI} only): ATS ignores it`);
        const spki = plistGet(identity, SPKI);
        if (!spki) {
          notes.push({ kind: 'malformed-pin', at: identity.at, detail: `an identity of ${domain} without ${SPKI}`, text: '', ruleIndex: rules.length });
          continue;
        }
        const s = need(file, spki.value, 'string', SPKI);
        listed++;
        const checked = bareSha256Pin(s.value, 'ATS');
        if ('problem' in checked) {
          notes.push({ kind: 'malformed-pin', at: s.at, detail: `${on === 'ca' ? 'CA' : 'leaf'} identity of ${domain}: ${checked.problem}`, text: s.value, ruleIndex: rules.length });
          continue;
        }
        const pin: PolicyPin = { ...checked.pin, on, ...(s.comment ? { label: s.comment } : {}) };
        rule.pins.push(pin);
        source.pins.push(s.at);
      }
    }
    if (!listed) {
      note(keyAt, `${domain} lists no identity: Apple requires at least one in ${CA} or ${LEAF}; pinprick reads it as a pin set nothing matches (every connection to ${domain} fails), since Apple does not document what ATS does with it`);
    }
    rules.push(rule);
    sources.push(source);
  }
  return { file, format: 'ats', platform: 'apple', policy: { rules, combine: 'most-specific' }, sources, notes };
}

/** A model rule as NSPinnedDomains entries (one per exact name; `x` with `*.x` is x with NSIncludesSubdomains). */
function entriesOf(rule: PinRule): { name: string; includes: boolean }[] {
  const patterns = rule.domains.map((d) => {
    const p = d.pattern.trim();
    if (p.startsWith('**.') || d.includeSubdomains) {
      throw new InputError(`'${p}'${d.includeSubdomains ? ' with all its subdomains' : ''} cannot be written for ATS: NSIncludesSubdomains covers names one label below a domain only (NSIncludesSubdomains); write the domain and '*.domain' for that`);
    }
    return p;
  });
  const exact = patterns.filter((p) => !p.startsWith('*.'));
  for (const w of patterns.filter((p) => p.startsWith('*.'))) {
    if (!exact.includes(w.slice(2))) throw new InputError(`'${w}' cannot be written for ATS without '${w.slice(2)}': NSIncludesSubdomains also pins the domain itself`);
  }
  return exact.map((name) => ({ name, includes: patterns.includes(`*.${name}`) }));
}

/** `NSAppTransportSecurity` > `NSPinnedDomains` as an Info.plist holds it. */
function write(policy: PinPolicy): string {
  refuseOverlappingAll(policy, 'ATS');
  const domains: Record<string, WritablePlist> = {};
  for (const rule of policy.rules) {
    if (rule.exempt) throw new InputError(`ATS has no exclusion from a parent's NSIncludesSubdomains (${rule.domains.map((d) => d.pattern).join(', ')})`);
    if (!rule.enforce) throw new InputError('ATS pins are always enforced: a report-only rule cannot be written');
    if (rule.expiration) throw new InputError('ATS pins do not expire: a rule with an expiration cannot be written');
    const identities = { ca: [] as WritablePlist[], leaf: [] as WritablePlist[] };
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError(`ATS takes SHA-256 SPKI digests only; the SHA-1 pin ${pin.value} cannot be written`);
      if (!pin.on) throw new InputError(`ATS pins either a CA (${CA}) or the leaf (${LEAF}); say which for ${pin.value} (a pin with \`on: ca\` or \`on: leaf\`)`);
      identities[pin.on].push({ [SPKI]: pin.value });
    }
    for (const { name, includes } of entriesOf(rule)) {
      if (domains[name] !== undefined) throw new InputError(`two rules pin ${name}; ${PINNED} has one entry per domain: merge them`);
      domains[name] = {
        ...(includes ? { [INCLUDES]: true } : {}),
        ...(identities.ca.length ? { [CA]: identities.ca } : {}),
        ...(identities.leaf.length ? { [LEAF]: identities.leaf } : {}),
      };
    }
  }
  return plistXml({ [ATS]: { [PINNED]: domains } });
}

/** Apple App Transport Security identity pinning. */
export const atsFormat: PolicyFormatModule = {
  format: 'ats',
  title: 'Apple ATS NSPinnedDomains (iOS 14+, macOS 11+)',
  detect(file, text) {
    if (/\.(swift|m|mm|h)$/i.test(file)) return 0;
    // Preferred over `trustkit` when an Info.plist holds both: the system applies these pins to
    // every URLSession connection, TrustKit only where the app wires it in.
    return /<key>\s*NSPinnedDomains\s*<\/key>/.test(text) ? 0.9 : 0;
  },
  read,
  write,
};
