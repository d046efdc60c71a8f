/**
 * TrustKit for iOS, macOS and tvOS (github.com/datatheorem/TrustKit): the pinning configuration as
 * apps ship it, either `TSKConfiguration` in the Info.plist (TrustKit reads it at launch) or the
 * dictionary literal passed to `TrustKit.initSharedInstance(withConfiguration:)` in Swift or
 * `+[TrustKit initSharedInstanceWithConfiguration:]` in Objective-C.
 *
 * What TrustKit does with it (TrustKit/parse_configuration.m, configuration_utils.m,
 * TSKPinningValidator.m; keys in TSKTrustKitConfig.h):
 * - one pin set per domain; TSKEnforcePinning defaults to YES, TSKIncludeSubdomains to NO;
 * - TSKPublicKeyHashes are the bare base64 of SHA-256 SPKI digests, decoded as written: one that
 *   does not decode to 32 bytes makes TrustKit refuse to start ("invalid Pin");
 * - TrustKit refuses to start when an enforced domain has fewer than two distinct pins ("less than
 *   2 pins (ie. no backup pins)"), one when report-only: lint's `single-pin`; the reader reads it;
 * - TSKExpirationDate is `yyyy-MM-dd` read in UTC; from then on the domain is not pinned;
 * - `getPinningConfigurationKeyForDomain`: a host with its own entry gets that entry; otherwise the
 *   first entry with TSKIncludeSubdomains that is a parent of it (any depth). So `most-specific`,
 *   with one difference: between two nested parents with includeSubdomains TrustKit takes
 *   whichever its dictionary lists first (a note says so);
 * - kTSKExcludeSubdomainFromParentPolicy (whose string is `kSKExcludeSubdomainFromParentPolicy`)
 *   leaves one subdomain unpinned: a rule with `exclude`.
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import type { PinDomain, PinPolicy, PinRule, PolicyPin } from '../../model/policy.js';
import { plistXml, type PlistValue as WritablePlist } from '../../world/mobileconfig.js';
import { domainKeyProblem, nearestKey, refuseOverlappingAll } from '../apple.js';
import { PolicyFileError, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot } from '../format.js';
import { bareSha256Pin } from '../pin-text.js';
import { plistGet, plistKindName, readPlist, type PlistDict, type PlistValue } from '../plist.js';
import { fileConstants, LiteralReader, tokenize, type Literal, type SourceLanguage } from '../swift-objc.js';

type Spot = Required<SourceSpot>;

/** The configuration keys, by what TrustKit's constants stand for (TSKTrustKitConfig.m). */
const KEY = {
  swizzle: 'TSKSwizzleNetworkDelegates',
  domains: 'TSKPinnedDomains',
  ignoreUserAnchors: 'TSKIgnorePinningForUserDefinedTrustAnchors',
  hashes: 'TSKPublicKeyHashes',
  enforce: 'TSKEnforcePinning',
  include: 'TSKIncludeSubdomains',
  algorithms: 'TSKPublicKeyAlgorithms',
  reportUris: 'TSKReportUris',
  disableDefaultReportUri: 'TSKDisableDefaultReportUri',
  expiration: 'TSKExpirationDate',
  additionalAnchors: 'TSKAdditionalTrustAnchors',
  // Sic: TrustKit's constant kTSKExcludeSubdomainFromParentPolicy is this string, without the T.
  exclude: 'kSKExcludeSubdomainFromParentPolicy',
} as const;

/** The Info.plist key TrustKit reads its configuration from at launch (TrustKit.m, kTSKConfiguration). */
const INFO_PLIST_KEY = 'TSKConfiguration';

/** TrustKit's constants and the strings they stand for (TSKTrustKitConfig.m), for Swift and Objective-C sources. */
const CONSTANTS: Readonly<Record<string, string>> = {
  kTSKSwizzleNetworkDelegates: KEY.swizzle,
  kTSKPinnedDomains: KEY.domains,
  kTSKIgnorePinningForUserDefinedTrustAnchors: KEY.ignoreUserAnchors,
  kTSKPublicKeyHashes: KEY.hashes,
  kTSKEnforcePinning: KEY.enforce,
  kTSKIncludeSubdomains: KEY.include,
  kTSKPublicKeyAlgorithms: KEY.algorithms,
  kTSKReportUris: KEY.reportUris,
  kTSKDisableDefaultReportUri: KEY.disableDefaultReportUri,
  kTSKExpirationDate: KEY.expiration,
  kTSKAdditionalTrustAnchors: KEY.additionalAnchors,
  kTSKExcludeSubdomainFromParentPolicy: KEY.exclude,
  kTSKAlgorithmRsa2048: 'TSKAlgorithmRsa2048',
  kTSKAlgorithmRsa4096: 'TSKAlgorithmRsa4096',
  kTSKAlgorithmEcDsaSecp256r1: 'TSKAlgorithmEcDsaSecp256r1',
  kTSKAlgorithmEcDsaSecp384r1: 'TSKAlgorithmEcDsaSecp384r1',
};
const CONSTANT_OF = new Map(Object.entries(CONSTANTS).map(([c, s]) => [s, c]));
const GLOBAL_KEYS: readonly string[] = [KEY.swizzle, KEY.domains, KEY.ignoreUserAnchors];
const DOMAIN_KEYS: readonly string[] = [KEY.hashes, KEY.enforce, KEY.include, KEY.algorithms, KEY.reportUris, KEY.disableDefaultReportUri, KEY.expiration, KEY.additionalAnchors, KEY.exclude];

/** Where TrustKit's release builds send pin failure reports unless TSKDisableDefaultReportUri (TrustKit.m, kTSKDefaultReportUri). */
const DEFAULT_REPORT_URI = 'https://overmind.datatheorem.com/trustkit/report';

/** `yyyy-MM-dd`, read as NSDateFormatter reads TrustKit's format (one or two digit months and days are accepted). */
const EXPIRATION = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** A configuration value, from a plist or from source; `unreadable` is source pinprick cannot evaluate. */
type Node =
  | { kind: 'dict'; at: Spot; entries: { key: string; keyAt: Spot; value: Node }[] }
  | { kind: 'array'; at: Spot; items: Node[] }
  | { kind: 'string'; at: Spot; value: string; label?: string }
  | { kind: 'boolean'; at: Spot; value: boolean }
  | { kind: 'number'; at: Spot; value: number }
  | { kind: 'other'; at: Spot; what: string }
  | { kind: 'unreadable'; at: Spot; why: string };
type DictNode = Extract<Node, { kind: 'dict' }>;

/** How the file writes keys, for messages: `TSKPublicKeyHashes` in a plist, `kTSKPublicKeyHashes` in source. */
interface Context {
  file: string;
  source: boolean;
  notes: PolicyNote[];
}

function keyName(ctx: Context, key: string): string {
  return ctx.source ? (CONSTANT_OF.get(key) ?? `"${key}"`) : key;
}

function kindName(node: Node): string {
  switch (node.kind) {
    case 'dict':
      return 'a dictionary';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return 'a number';
    case 'other':
      return node.what;
    case 'unreadable':
      return 'an expression';
  }
}

function fail(ctx: Context, at: Spot, detail: string): never {
  throw new PolicyFileError(ctx.file, at.line, at.column, detail);
}

/** A value of the kind TrustKit needs there, or a one-line error naming the key. */
function need<K extends Node['kind']>(ctx: Context, node: Node, kind: K, what: string): Extract<Node, { kind: K }> {
  if (node.kind === 'unreadable') {
    fail(ctx, node.at, `${what}: ${node.why}; pinprick reads literals and the constants this file defines (let, static let, NSString * const, #define): define it here or write it inline`);
  }
  if (node.kind !== kind) fail(ctx, node.at, `${what} must be ${kindName({ kind } as Node)}, not ${kindName(node)}`);
  return node as Extract<Node, { kind: K }>;
}

/** A boolean as TrustKit reads it (`boolValue` of an NSNumber: a boolean, or a number, 0 meaning NO). */
function boolOf(ctx: Context, node: Node, what: string): boolean {
  if (node.kind === 'number') return node.value !== 0;
  return need(ctx, node, 'boolean', what).value;
}

function get(dict: DictNode, key: string) {
  return dict.entries.find((e) => e.key === key);
}

/** The UTC midnight TrustKit reads `yyyy-MM-dd` as, or undefined when it is not such a date. */
function expirationDate(text: string): Date | undefined {
  const m = EXPIRATION.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : undefined;
}

/** Read one TrustKit configuration dictionary into rules. */
function interpret(ctx: Context, config: DictNode): ReadPolicy {
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const reportUris: string[] = [];
  const note = (at: Spot, detail: string) => ctx.notes.push({ kind: 'other', at, detail });

  for (const e of config.entries) {
    if (GLOBAL_KEYS.includes(e.key)) continue;
    const near = nearestKey(e.key, [...GLOBAL_KEYS, ...DOMAIN_KEYS]);
    note(e.keyAt, `unknown key ${keyName(ctx, e.key)} in the TrustKit configuration${near ? ` (did you mean ${keyName(ctx, near)}?)` : ''}: TrustKit ignores it`);
  }
  const ignoreUser = get(config, KEY.ignoreUserAnchors);
  if (ignoreUser && boolOf(ctx, ignoreUser.value, keyName(ctx, KEY.ignoreUserAnchors))) {
    ctx.notes.push({
      kind: 'override-pins',
      at: ignoreUser.keyAt,
      detail: `${keyName(ctx, KEY.ignoreUserAnchors)} is YES: on macOS TrustKit skips pin validation when the chain ends at a trust anchor the user or an administrator added, so a proxy CA installed on the Mac bypasses the pins (TSKTrustKitConfig.h)`,
    });
  }
  const domainsEntry = get(config, KEY.domains);
  if (!domainsEntry) fail(ctx, config.at, `no ${keyName(ctx, KEY.domains)} in this TrustKit configuration`);
  const domains = need(ctx, domainsEntry!.value, 'dict', keyName(ctx, KEY.domains));
  if (!domains.entries.length) note(domainsEntry!.keyAt, `${keyName(ctx, KEY.domains)} is empty: TrustKit refuses to start with no pinned domains (parse_configuration.m)`);

  const defaultReports: string[] = [];
  for (const { key: domain, keyAt, value } of domains.entries) {
    const where = `the entry of ${domain}`;
    const entry = need(ctx, value, 'dict', `${where}`);
    const problem = domainKeyProblem(domain, 'TrustKit', keyName(ctx, KEY.include));
    if (problem) {
      note(keyAt, problem);
      continue;
    }
    if (isIP(domain)) note(keyAt, `'${domain}' is an IP address: TrustKit refuses to start ("initialized with an invalid domain": it pins names under a public suffix only)`);
    for (const e of entry.entries) {
      if (DOMAIN_KEYS.includes(e.key)) continue;
      const near = nearestKey(e.key, [...DOMAIN_KEYS, 'TSKExcludeSubdomainFromParentPolicy']);
      const hint = e.key === 'TSKExcludeSubdomainFromParentPolicy' ? ` (TrustKit's kTSKExcludeSubdomainFromParentPolicy is the string '${KEY.exclude}')` : near ? ` (did you mean ${keyName(ctx, near)}?)` : '';
      note(e.keyAt, `unknown key ${keyName(ctx, e.key)} in ${where}${hint}: TrustKit ignores it`);
    }

    const exclude = get(entry, KEY.exclude);
    if (exclude && boolOf(ctx, exclude.value, keyName(ctx, KEY.exclude))) {
      if (entry.entries.length > 1) note(exclude.keyAt, `TrustKit refuses to start: ${keyName(ctx, KEY.exclude)} must be the only key of ${where}`);
      rules.push({ domains: [{ pattern: domain }], pins: [], enforce: false, exempt: true });
      sources.push({ at: keyAt, pins: [] });
      continue;
    }

    const rule: PinRule = { domains: [{ pattern: domain }], pins: [], enforce: true };
    const source: RuleSource = { at: keyAt, pins: [] };
    const include = get(entry, KEY.include);
    if (include && boolOf(ctx, include.value, keyName(ctx, KEY.include))) rule.domains = [{ pattern: domain, includeSubdomains: true }];
    const enforce = get(entry, KEY.enforce);
    if (enforce) {
      rule.enforce = boolOf(ctx, enforce.value, keyName(ctx, KEY.enforce));
      source.enforce = enforce.keyAt;
    }
    const expiration = get(entry, KEY.expiration);
    if (expiration) {
      const text = need(ctx, expiration.value, 'string', keyName(ctx, KEY.expiration));
      const date = expirationDate(text.value);
      if (date) {
        rule.expiration = date;
        source.expiration = text.at;
      } else {
        note(text.at, `${keyName(ctx, KEY.expiration)} '${text.value}' is not a yyyy-MM-dd date: TrustKit's date formatter reads none, so these pins never expire`);
      }
    }
    const algorithms = get(entry, KEY.algorithms);
    if (algorithms) note(algorithms.keyAt, `${keyName(ctx, KEY.algorithms)} is ignored: older TrustKit releases needed each key's algorithm to compute pins; current TrustKit (parse_configuration.m) no longer reads it`);
    const anchors = get(entry, KEY.additionalAnchors);
    if (anchors) note(anchors.keyAt, `${keyName(ctx, KEY.additionalAnchors)}: TrustKit also trusts these certificates as anchors for ${domain} in debug builds (or when TSKPinningValidator allows additional trust anchors), bypassing the system trust store (TSKTrustKitConfig.h)`);
    const uris = get(entry, KEY.reportUris);
    if (uris) {
      for (const u of need(ctx, uris.value, 'array', keyName(ctx, KEY.reportUris)).items) {
        const uri = need(ctx, u, 'string', `an item of ${keyName(ctx, KEY.reportUris)}`).value;
        if (!reportUris.includes(uri)) reportUris.push(uri);
      }
    }
    const disable = get(entry, KEY.disableDefaultReportUri);
    if (!disable || !boolOf(ctx, disable.value, keyName(ctx, KEY.disableDefaultReportUri))) defaultReports.push(domain);

    const hashes = get(entry, KEY.hashes);
    if (hashes) {
      for (const item of need(ctx, hashes.value, 'array', keyName(ctx, KEY.hashes)).items) {
        const s = need(ctx, item, 'string', `a pin of ${domain}`);
        const checked = bareSha256Pin(s.value, 'TrustKit');
        if ('problem' in checked) {
          ctx.notes.push({ kind: 'malformed-pin', at: s.at, detail: `pin of ${domain}: ${checked.problem}`, text: s.value, ruleIndex: rules.length });
          continue;
        }
        const pin: PolicyPin = { ...checked.pin, ...(s.label ? { label: s.label } : {}) };
        rule.pins.push(pin);
        source.pins.push(s.at);
      }
    }
    rules.push(rule);
    sources.push(source);
  }

  if (defaultReports.length) {
    note(domainsEntry!.keyAt, `release builds of TrustKit also send pin failure reports to ${DEFAULT_REPORT_URI} for ${defaultReports.join(', ')} (set ${keyName(ctx, KEY.disableDefaultReportUri)} to stop it)`);
  }
  excludedWithoutParent(rules, sources, note, ctx);
  nestedParents(rules, sources, note);
  return { file: ctx.file, format: 'trustkit', platform: 'apple', policy: { rules, combine: 'most-specific' }, sources, ...(reportUris.length ? { reportUris } : {}), notes: ctx.notes };
}

/** TrustKit refuses an exclusion no parent with includeSubdomains covers (parse_configuration.m). */
function excludedWithoutParent(rules: PinRule[], sources: RuleSource[], note: (at: Spot, detail: string) => void, ctx: Context): void {
  const parents = includingSubdomains(rules);
  rules.forEach((r, i) => {
    if (!r.exempt) return;
    if (parentOf(r.domains[0]!.pattern.toLowerCase(), parents) === undefined) note(sources[i]!.at as Spot, `TrustKit refuses to start: ${keyName(ctx, KEY.exclude)} on ${r.domains[0]!.pattern}, but no parent domain with ${keyName(ctx, KEY.include)} covers it`);
  });
}

/**
 * Two entries with includeSubdomains where one is a parent of the other: for a host below both
 * with no entry of its own, TrustKit takes whichever its dictionary enumerates first
 * (configuration_utils.m), not the closer one; pinprick's model takes the closer one.
 */
function nestedParents(rules: PinRule[], sources: RuleSource[], note: (at: Spot, detail: string) => void): void {
  const parents = includingSubdomains(rules);
  for (const [name, i] of parents) {
    const outer = parentOf(name, parents);
    if (outer !== undefined) {
      note(sources[i]!.at as Spot, `both ${outer} and ${name} include subdomains: for a name below ${name} without its own entry, TrustKit applies whichever of the two its dictionary lists first (configuration_utils.m), while pinprick applies ${name}'s pins`);
    }
  }
}

/** The domains with includeSubdomains, lower-cased, and the index of their rule. */
function includingSubdomains(rules: PinRule[]): Map<string, number> {
  const found = new Map<string, number>();
  rules.forEach((r, i) => {
    const d = r.domains[0];
    if (!r.exempt && d?.includeSubdomains && !found.has(d.pattern.toLowerCase())) found.set(d.pattern.toLowerCase(), i);
  });
  return found;
}

/** The nearest proper parent of `name` among `parents`, by walking up its labels (linear in the name). */
function parentOf(name: string, parents: Map<string, number>): string | undefined {
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const up = name.slice(dot + 1);
    if (parents.has(up)) return up;
  }
  return undefined;
}

/** A plist value as a configuration node. */
function fromPlist(value: PlistValue): Node {
  switch (value.kind) {
    case 'dict':
      return { kind: 'dict', at: value.at, entries: value.entries.map((e) => ({ key: e.key, keyAt: e.keyAt, value: fromPlist(e.value) })) };
    case 'array':
      return { kind: 'array', at: value.at, items: value.items.map(fromPlist) };
    case 'string':
      return { kind: 'string', at: value.at, value: value.value, ...(value.comment ? { label: value.comment } : {}) };
    case 'boolean':
      return { kind: 'boolean', at: value.at, value: value.value };
    case 'integer':
      return { kind: 'number', at: value.at, value: Number(value.value) };
    default:
      return { kind: 'other', at: value.at, what: plistKindName(value) };
  }
}

/** How source literals become configuration nodes: names resolved through TrustKit's constants and the file's own. */
class SourceValues {
  constructor(
    readonly ctx: Context,
    readonly reader: LiteralReader,
    readonly constants: Map<string, Literal>,
  ) {}

  spot(offset: number): Spot {
    return this.reader.lines.spot(offset);
  }

  key(lit: Literal): string {
    if (lit.kind === 'string' && !lit.interpolated) return lit.value;
    if (lit.kind === 'ref') {
      if (CONSTANTS[lit.name] !== undefined) return CONSTANTS[lit.name]!;
      const c = this.constants.get(lit.name);
      if (c?.kind === 'string' && !c.interpolated) return c.value;
      fail(this.ctx, this.spot(lit.offset), c ? `the key '${lit.path}' is not a string constant` : `the key '${lit.path}' is not defined in this file; pinprick reads the constants this file defines (let, static let, NSString * const, #define) and TrustKit's kTSK names`);
    }
    return fail(this.ctx, this.spot(lit.offset), lit.kind === 'string' ? 'an interpolated string cannot be a key pinprick reads' : `a dictionary key must be a string or a constant, not ${lit.kind === 'expr' ? `'${lit.text}'` : `a ${lit.kind}`}`);
  }

  node(lit: Literal, depth = 0, label?: string): Node {
    const at = this.spot(lit.offset);
    switch (lit.kind) {
      case 'dict': {
        const entries: DictNode['entries'] = [];
        const seen = new Map<string, Spot>();
        for (const e of lit.entries) {
          const key = this.key(e.key);
          const first = seen.get(key);
          if (first) fail(this.ctx, this.spot(e.key.offset), `the key ${keyName(this.ctx, key)} is written twice in this dictionary (first at ${first.line}:${first.column})`);
          const keyAt = this.spot(e.key.offset);
          seen.set(key, keyAt);
          entries.push({ key, keyAt, value: this.node(e.value, depth) });
        }
        return { kind: 'dict', at, entries };
      }
      case 'array':
        return { kind: 'array', at, items: lit.items.map((x) => this.node(x, depth)) };
      case 'string':
        if (lit.interpolated) return { kind: 'unreadable', at, why: 'an interpolated string' };
        return { kind: 'string', at, value: lit.value, ...((label ?? lit.comment) ? { label: label ?? lit.comment! } : {}) };
      case 'bool':
        return { kind: 'boolean', at, value: lit.value };
      case 'number':
        return Number.isFinite(Number(lit.text)) ? { kind: 'number', at, value: Number(lit.text) } : { kind: 'other', at, what: `the number ${lit.text}` };
      case 'ref': {
        if (CONSTANTS[lit.name] !== undefined) return { kind: 'string', at, value: CONSTANTS[lit.name]! };
        const c = this.constants.get(lit.name);
        if (!c) return { kind: 'unreadable', at, why: `'${lit.path}' is not defined in this file` };
        // A constant naming another: follow a few steps, never a cycle.
        if (depth >= 8) return { kind: 'unreadable', at, why: `'${lit.path}' refers to itself` };
        return this.node(c, depth + 1, c.kind === 'string' ? lit.name : undefined);
      }
      case 'expr':
        return { kind: 'unreadable', at, why: `'${lit.text}' is an expression` };
    }
  }
}

/** The language of a source file, by its name. */
function sourceLanguage(file: string): SourceLanguage | undefined {
  if (/\.swift$/i.test(file)) return 'swift';
  if (/\.(m|mm|h)$/i.test(file)) return 'objc';
  return undefined;
}

/** Does `text` look like a property list (not source)? */
function looksLikePlist(text: string): boolean {
  return /^\s*(<\?xml|<!DOCTYPE\s+plist|<plist)/.test(text);
}

/** Read a Swift or Objective-C file: the first dictionary literal with a kTSKPinnedDomains entry. */
function readSource(file: string, text: string, lang: SourceLanguage): ReadPolicy {
  const ctx: Context = { file, source: true, notes: [] };
  const { tokens, defines } = tokenize(file, text, lang);
  const reader = new LiteralReader(file, text, tokens, lang);
  // `kTSKPinnedDomains:` (or the string "TSKPinnedDomains":) as a dictionary key.
  const keyIndexes = tokens.flatMap((t, i) => ((t.kind === 'ident' && t.text === 'kTSKPinnedDomains') || (t.kind === 'string' && t.value === KEY.domains)) && tokens[i + 1]?.text === ':' ? [i] : []);
  if (!keyIndexes.length) {
    fail(ctx, { line: 1, column: 1 }, `no TrustKit configuration literal in this file (a dictionary with a kTSKPinnedDomains entry); if the app reads TSKConfiguration from its Info.plist, lint that file`);
  }
  const open = enclosingOpener(reader, keyIndexes[0]!);
  const opener = tokens[open]!;
  if (!(opener.text === '@{' || (opener.text === '[' && lang === 'swift'))) {
    fail(ctx, spotOf(text, tokens[keyIndexes[0]!]!.offset), `kTSKPinnedDomains is not a key of a dictionary literal (${lang === 'swift' ? '[...]' : '@{...}'})`);
  }
  const { lit, next } = reader.value(open);
  for (const later of keyIndexes.slice(1)) {
    if (tokens[later]!.offset > tokens[next - 1]!.offset) {
      ctx.notes.push({ kind: 'other', at: spotOf(text, tokens[later]!.offset), detail: 'a second TrustKit configuration in this file is not read (pinprick reads the first one)' });
      break;
    }
  }
  const values = new SourceValues(ctx, reader, fileConstants(reader, defines));
  const config = need(ctx, values.node(lit), 'dict', 'the TrustKit configuration');
  return interpret(ctx, config);
}

/** The index of the bracket that opens the literal holding token `i`. */
function enclosingOpener(reader: LiteralReader, i: number): number {
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const t = reader.tokens[j]!;
    if (t.kind !== 'punct') continue;
    if (t.text === ']' || t.text === '}' || t.text === ')') depth++;
    else if (['[', '@[', '@{', '{', '(', '@('].includes(t.text)) {
      if (depth === 0) return j;
      depth--;
    }
  }
  return reader.fail(reader.tokens[i]!.offset, 'kTSKPinnedDomains is not inside a dictionary literal');
}

/** Read `TSKConfiguration` from an Info.plist. */
function readInfoPlist(file: string, text: string): ReadPolicy {
  const ctx: Context = { file, source: false, notes: [] };
  const root = readPlist(file, text);
  if (root.kind !== 'dict') fail(ctx, root.at, `an Info.plist is a dictionary, not ${plistKindName(root)}`);
  const entry = plistGet(root as PlistDict, INFO_PLIST_KEY);
  if (!entry) fail(ctx, root.at, `no ${INFO_PLIST_KEY} in this property list (TrustKit reads its configuration from the Info.plist key ${INFO_PLIST_KEY})`);
  const config = need(ctx, fromPlist(entry!.value), 'dict', INFO_PLIST_KEY);
  const ats = plistGet(root as PlistDict, 'NSAppTransportSecurity');
  if (ats?.value.kind === 'dict' && plistGet(ats.value, 'NSPinnedDomains')) {
    ctx.notes.push({
      kind: 'other',
      at: plistGet(ats.value, 'NSPinnedDomains')!.keyAt,
      detail: 'this Info.plist also pins with App Transport Security (NSPinnedDomains), which the system applies to URLSession connections besides TrustKit: read it with --format ats',
    });
  }
  // TSKIgnorePinningForUserDefinedTrustAnchors is macOS-only and defaults to YES there (TSKTrustKitConfig.h): a Mac app's Info.plist says it is one.
  const mac = plistGet(root as PlistDict, 'LSMinimumSystemVersion');
  if (mac && !config.entries.some((e) => e.key === KEY.ignoreUserAnchors)) {
    ctx.notes.push({
      kind: 'override-pins',
      at: entry!.keyAt,
      detail: `a macOS app (LSMinimumSystemVersion) without ${KEY.ignoreUserAnchors}: it defaults to YES, so TrustKit skips pin validation when the chain ends at a trust anchor the user or an administrator added (a proxy CA installed on the Mac bypasses the pins)`,
    });
  }
  return interpret(ctx, config);
}

/** TrustKit's domain key for a model host pattern: exact names, with includeSubdomains for `**.x` and `x` + subdomains. */
function trustKitDomain(d: PinDomain): { name: string; includeSubdomains: boolean } {
  const p = d.pattern.trim();
  if (p.startsWith('**.')) return { name: p.slice(3), includeSubdomains: true };
  if (p.startsWith('*.')) {
    throw new InputError(`TrustKit has no wildcards: '${p}' (one label below ${p.slice(2)}) cannot be written; TSKIncludeSubdomains on ${p.slice(2)} covers ${p.slice(2)} itself and names at any depth below it, which is '**.${p.slice(2)}'`);
  }
  if (isIP(p.replace(/^\[|\]$/g, ''))) throw new InputError(`TrustKit pins domain names only: it refuses to start with the IP address '${p}' ("initialized with an invalid domain")`);
  return { name: p, includeSubdomains: d.includeSubdomains === true };
}

/** `TSKConfiguration` as an Info.plist holds it; pins are written bare (TrustKit decodes the text as written). */
function write(policy: PinPolicy, options: { reportUri?: string } = {}): string {
  refuseOverlappingAll(policy, 'TrustKit');
  const domains: Record<string, WritablePlist> = {};
  for (const rule of policy.rules) {
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError(`TrustKit takes SHA-256 pins only; the SHA-1 pin ${pin.value} cannot be written`);
      if (pin.on) throw new InputError(`TrustKit pins match anywhere on the validated chain; the ${pin.on}-only pin ${pin.value} (an ATS ${pin.on === 'leaf' ? 'NSPinnedLeafIdentities' : 'NSPinnedCAIdentities'} entry) cannot be written: use --format ats`);
    }
    if (rule.expiration && rule.expiration.getTime() % 86_400_000 !== 0) {
      throw new InputError(`TrustKit expiration dates are whole days (yyyy-MM-dd, midnight UTC); ${rule.expiration.toISOString()} is not one`);
    }
    for (const d of rule.domains) {
      const { name, includeSubdomains } = trustKitDomain(d);
      if (domains[name] !== undefined) throw new InputError(`two rules pin ${name}; TrustKit has one entry per domain: merge them`);
      if (rule.exempt) {
        domains[name] = { [KEY.exclude]: true };
        continue;
      }
      domains[name] = {
        ...(includeSubdomains ? { [KEY.include]: true } : {}),
        [KEY.enforce]: rule.enforce,
        ...(rule.expiration ? { [KEY.expiration]: rule.expiration.toISOString().slice(0, 10) } : {}),
        [KEY.hashes]: rule.pins.map((p) => p.value),
        ...(options.reportUri ? { [KEY.reportUris]: [options.reportUri] } : {}),
      };
    }
  }
  // TSKSwizzleNetworkDelegates: some TrustKit releases refuse to start without it (parse_configuration.m,
  // "initialized without specifying the kTSKSwizzleNetworkDelegates setting"). NO, the choice
  // TSKTrustKitConfig.h recommends for all but simple apps, which call TSKPinningValidator themselves.
  return plistXml({ [INFO_PLIST_KEY]: { [KEY.swizzle]: false, [KEY.domains]: domains } });
}

/** TrustKit for iOS and macOS. */
export const trustkitFormat: PolicyFormatModule = {
  format: 'trustkit',
  title: 'TrustKit (iOS, macOS)',
  detect(file, text) {
    const lang = sourceLanguage(file);
    if (lang) return /\bkTSKPinnedDomains\b/.test(text) ? 0.95 : 0;
    if (/<key>\s*TSKConfiguration\s*<\/key>/.test(text)) {
      // An Info.plist with both: App Transport Security's pins apply to every URLSession
      // connection, TrustKit's where the app wires it in; `ats` wins detection.
      return /<key>\s*NSPinnedDomains\s*<\/key>/.test(text) ? 0.8 : 0.9;
    }
    return 0;
  },
  read(file, text) {
    const lang = sourceLanguage(file);
    if (lang && !looksLikePlist(text)) return readSource(file, text, lang);
    return readInfoPlist(file, text);
  },
  write,
};
