/**
 * Android Network Security Config (`res/xml/network_security_config.xml`), read as the platform
 * reads it and written as apps ship it, with TrustKit-Android's `<trustkit-config>` inside it.
 *
 * Sources:
 * - Android, "Network security configuration"
 *   (https://developer.android.com/privacy-and-security/security-config): the elements, nesting
 *   and inheritance, `includeSubdomains`, pin-set expiration, `overridePins`, debug-overrides.
 * - The platform's parser and checks, AOSP frameworks/base core/java/android/security/net/config/:
 *   XmlConfigSource.java (what refuses the file when the app first connects: a pin-set outside a
 *   domain-config, a digest other than SHA-256, a domain-config without a domain, a duplicate
 *   domain, an expiration SimpleDateFormat("yyyy-MM-dd") cannot parse; unknown elements are
 *   skipped), NetworkSecurityConfig.java (a nested config inherits every setting it does not set:
 *   pin-set, trust anchors, cleartext), ApplicationConfig.java (an exact domain wins, else the
 *   longest matching includeSubdomains domain), NetworkSecurityTrustManager.java (an empty pin set
 *   pins nothing; pins stop when now > expiration; a chain to an `overridePins` anchor skips them).
 * - Android lint's NetworkSecurityConfigDetector (severity fatal: it fails release builds):
 *   an unknown element under the root, a misspelled element, an expiration that is not an ISO
 *   date (`LocalDate.parse`), a pin-set without pins.
 * - TrustKit-Android (github.com/datatheorem/TrustKit-Android): TrustKitConfigurationParser.java,
 *   DomainPinningPolicy.java (`enforcePinning` defaults to false; report URIs; a default report URI
 *   unless `disableDefaultReportUri`; at least two pins), PinningTrustManager.java.
 */
import { SaxesParser } from 'saxes';
import { InputError } from '../../errors.js';
import { hostPatternProblem, domainCovers, type PinDomain, type PinPolicy, type PinRule, type PolicyPin } from '../../model/policy.js';
import { parsePin } from '../../model/pin.js';
import { PolicyFileError, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot, type WriteOptions } from '../format.js';
import { isPlaceholderPin, looksLikeCertificateFingerprint } from '../pin-values.js';

/** TrustKit-Android's report server, added to every domain's report URIs unless `disableDefaultReportUri="true"` (DomainPinningPolicy.DEFAULT_REPORTING_URL). */
export const TRUSTKIT_DEFAULT_REPORT_URI = 'https://overmind.datatheorem.com/trustkit/report';

// ---------------------------------------------------------------------------------------------
// XML with positions (saxes: strict XML 1.0, character offsets)

interface XmlElement {
  kind: 'element';
  name: string;
  attrs: Record<string, string>;
  /** Offset of its `<`. */
  at: number;
  /** Offset just after the `>` of its start tag. */
  tagEnd: number;
  children: XmlNode[];
}
interface XmlText {
  kind: 'text';
  text: string;
  at: number;
}
interface XmlComment {
  kind: 'comment';
  text: string;
  at: number;
  end: number;
}
type XmlNode = XmlElement | XmlText | XmlComment;

/** Parse `text` into elements with offsets; not well-formed XML is a PolicyFileError at the place saxes stopped. */
function parseXml(file: string, text: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  // Where the markup before the next text ends (texts start there).
  let markEnd = 0;
  let tagStart = 0;
  parser.on('error', (e) => {
    const spot = spotOf(text, Math.max(0, parser.position - 1));
    throw new PolicyFileError(file, spot.line, spot.column, `not well-formed XML: ${e.message.replace(/^\d+:\d+: /, '')}`);
  });
  parser.on('opentagstart', () => {
    tagStart = text.lastIndexOf('<', parser.position - 1);
  });
  parser.on('opentag', (node) => {
    const el: XmlElement = { kind: 'element', name: node.name, attrs: { ...(node.attributes as Record<string, string>) }, at: tagStart, tagEnd: parser.position, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root ??= el;
    stack.push(el);
    markEnd = parser.position;
  });
  parser.on('closetag', () => {
    stack.pop();
    markEnd = parser.position;
  });
  const onText = (t: string) => {
    stack[stack.length - 1]?.children.push({ kind: 'text', text: t, at: markEnd });
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('comment', (c) => {
    const at = text.lastIndexOf('<!--', parser.position);
    const end = text.indexOf('-->', at) + 3;
    stack[stack.length - 1]?.children.push({ kind: 'comment', text: c, at, end });
    markEnd = end;
  });
  parser.write(text).close();
  if (!root) {
    const spot = spotOf(text, text.length);
    throw new PolicyFileError(file, spot.line, spot.column, 'not well-formed XML: no root element');
  }
  return root;
}

const elements = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => c.kind === 'element');

/** The name of the root element, without parsing the whole document (for detection). */
function rootName(text: string): string | undefined {
  const m = /^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z_][\w.:-]*)/.exec(text);
  return m?.[1];
}

/**
 * Levenshtein distance, to tell a misspelled element from an unknown one as Android lint does
 * (`Lint.isEditableTo(valid, name, 3)`: at most 3 edits).
 */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
const MAX_TYPO_EDITS = 3;

// ---------------------------------------------------------------------------------------------
// Reading

type ConfigType = 'base-config' | 'domain-config' | 'debug-overrides';

interface ReadPin {
  pin: PolicyPin;
  at: number;
}
interface ReadPinSet {
  el: XmlElement;
  pins: ReadPin[];
  /** Unusable pin values, reported as notes by the first rule that uses the set. */
  malformed: { at: number; text: string; detail: string; fingerprint: boolean }[];
  expiration?: { date: Date; at: number };
}
interface ReadAnchor {
  el: XmlElement;
  src: string;
  overridePins: boolean;
  /** overridePins was written (not the default). */
  overrideWritten: boolean;
}
interface ReadTrustKit {
  el: XmlElement;
  enforcePinning?: { value: boolean; at: number };
  disableDefaultReportUri?: boolean;
  reportUris: string[];
}
interface Config {
  type: ConfigType;
  el: XmlElement;
  /** The enclosing domain-config; undefined for a top-level one (its parent is base-config). */
  parent?: Config;
  domains: { domain: PinDomain; at: number }[];
  pinSet?: ReadPinSet;
  anchors?: ReadAnchor[];
  trustKit?: ReadTrustKit;
  cleartext?: { value: boolean; at: number };
}

/** Reads one file; the state of one read. */
class NscReader {
  readonly notes: PolicyNote[] = [];
  /** Every domain-config, parents before their children (document order). */
  readonly domainConfigs: Config[] = [];
  base?: Config;
  debug?: Config;
  private readonly seenDomains = new Map<string, number>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  spot(offset: number): Required<SourceSpot> {
    return spotOf(this.text, offset);
  }

  fail(offset: number, detail: string): never {
    const s = this.spot(offset);
    throw new PolicyFileError(this.file, s.line, s.column, detail);
  }

  note(kind: 'user-ca' | 'debug-overrides' | 'override-pins' | 'certificate-fingerprint' | 'other', offset: number, detail: string): void {
    this.notes.push({ kind, at: this.spot(offset), detail });
  }

  /** Offset of an attribute's name in its element's start tag (the element's `<` when not found). */
  attrAt(el: XmlElement, name: string): number {
    const tag = this.text.slice(el.at, el.tagEnd);
    const m = new RegExp(`\\s${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`).exec(tag);
    return m ? el.at + m.index + 1 : el.at;
  }

  /** A boolean attribute: `true` or `false` as Android documents them; anything else is read as not set, and noted. */
  bool(el: XmlElement, name: string): { value: boolean; at: number } | undefined {
    const raw = el.attrs[name];
    if (raw === undefined) return undefined;
    const at = this.attrAt(el, name);
    const v = raw.trim().toLowerCase();
    if (v === 'true' || v === 'false') return { value: v === 'true', at };
    this.note('other', at, `${name}="${raw}" is neither true nor false: read as not set (the default applies)`);
    return undefined;
  }

  /** An element this place does not know: misspelled (an error, it would silently not apply) or ignored (a note). */
  unknown(el: XmlElement, parent: string, known: readonly string[]): void {
    const near = known.find((k) => editDistance(k, el.name) <= MAX_TYPO_EDITS);
    if (near) this.fail(el.at, `misspelled element <${el.name}> in <${parent}>: did you mean <${near}>? Android skips elements it does not know, so it would silently not apply`);
    this.note('other', el.at, `<${el.name}> in <${parent}> is not part of the Network Security Config: Android ignores it`);
  }

  read(): void {
    const root = parseXml(this.file, this.text);
    if (root.name !== 'network-security-config') this.fail(root.at, `the root element is <${root.name}>, not <network-security-config>: not an Android Network Security Config`);
    for (const el of elements(root)) {
      if (el.name === 'base-config') {
        if (this.base) this.fail(el.at, `only one <base-config> is allowed (the first is at line ${this.spot(this.base.el.at).line})`);
        this.base = this.config(el, 'base-config', undefined);
      } else if (el.name === 'domain-config') {
        this.config(el, 'domain-config', undefined);
      } else if (el.name === 'debug-overrides') {
        if (this.debug) this.fail(el.at, `only one <debug-overrides> is allowed (the first is at line ${this.spot(this.debug.el.at).line})`);
        this.note('debug-overrides', el.at, 'debug-overrides apply to debuggable builds only: their trust anchors are added to every configuration, and chains to them skip the pins unless overridePins="false"');
        this.debug = this.config(el, 'debug-overrides', undefined);
      } else if (el.name === 'pin' || el.name === 'pin-set' || el.name === 'domain') {
        this.fail(el.at, `<${el.name}> directly in <network-security-config>: it belongs in a <domain-config>`);
      } else {
        const near = ['base-config', 'domain-config', 'debug-overrides'].find((k) => editDistance(k, el.name) <= MAX_TYPO_EDITS);
        this.fail(el.at, near ? `misspelled element <${el.name}>: did you mean <${near}>? Android skips elements it does not know, so it would silently not apply` : `unexpected element <${el.name}> in <network-security-config>: only <base-config>, <domain-config> and <debug-overrides> belong here (Android lint fails release builds on it)`);
      }
    }
  }

  /** One base-config, domain-config (and its nested ones) or debug-overrides, as XmlConfigSource.parseConfigEntry reads it. */
  config(el: XmlElement, type: ConfigType, parent: Config | undefined): Config {
    const c: Config = { type, el, ...(parent ? { parent } : {}), domains: [] };
    if (type === 'domain-config') this.domainConfigs.push(c);
    const cleartext = this.bool(el, 'cleartextTrafficPermitted');
    if (cleartext) c.cleartext = cleartext;
    this.bool(el, 'hstsEnforced');
    for (const child of elements(el)) {
      switch (child.name) {
        case 'domain':
          if (type !== 'domain-config') this.fail(child.at, `<domain> is not allowed in <${type}>: only a <domain-config> names domains`);
          this.domain(child, c);
          break;
        case 'pin-set':
          if (type !== 'domain-config') this.fail(child.at, `<pin-set> is not allowed in <${type}>: Android pins only in a <domain-config>`);
          if (c.pinSet) this.fail(child.at, `only one <pin-set> per <domain-config> (the first is at line ${this.spot(c.pinSet.el.at).line})`);
          c.pinSet = this.pinSet(child);
          break;
        case 'trust-anchors':
          if (c.anchors) this.fail(child.at, `only one <trust-anchors> per <${type}>`);
          c.anchors = this.trustAnchors(child, type);
          break;
        case 'domain-config':
          if (type !== 'domain-config') this.fail(child.at, `a nested <domain-config> is not allowed in <${type}>`);
          this.config(child, 'domain-config', c);
          break;
        case 'certificateTransparency':
          // Android 16 (XmlConfigSource: allowed in base-config and domain-config only).
          if (type === 'debug-overrides') this.fail(child.at, '<certificateTransparency> is not allowed in <debug-overrides>');
          this.bool(child, 'enabled');
          break;
        case 'trustkit-config':
          // TrustKit-Android looks for it inside domain-config only; Android itself skips it.
          if (type !== 'domain-config') this.note('other', child.at, `TrustKit-Android reads <trustkit-config> only inside a <domain-config>: this one in <${type}> is ignored`);
          else c.trustKit = this.trustKit(child);
          break;
        case 'pin':
          this.fail(child.at, `<pin> outside a <pin-set>: Android skips it, so it would pin nothing`);
          break;
        default:
          this.unknown(child, type, ['domain', 'trust-anchors', 'pin-set', 'domain-config', 'trustkit-config']);
      }
    }
    if (type === 'domain-config' && c.domains.length === 0 && !this.hasDomain(el)) this.fail(el.at, '<domain-config> without any <domain>: Android refuses it');
    return c;
  }

  private hasDomain(el: XmlElement): boolean {
    return elements(el).some((e) => e.name === 'domain');
  }

  domain(el: XmlElement, c: Config): void {
    if (elements(el).length) this.fail(elements(el)[0]!.at, '<domain> contains an element: it holds a host name only');
    const name = el.children
      .filter((n): n is XmlText => n.kind === 'text')
      .map((n) => n.text)
      .join('')
      .trim()
      .toLowerCase();
    if (!name) this.fail(el.at, '<domain> without a host name');
    const first = this.seenDomains.get(name);
    if (first !== undefined) this.fail(el.at, `'${name}' is already specified at line ${this.spot(first).line}: Android refuses a domain named twice`);
    this.seenDomains.set(name, el.at);
    const sub = this.bool(el, 'includeSubdomains')?.value === true;
    // Android compares host names as written (ApplicationConfig): no wildcard, no URL ever matches.
    if (name.includes('*')) {
      this.note('other', el.at, `'${name}': Android has no wildcards in <domain> and matches it literally, so it covers no host; write <domain includeSubdomains="true">${name.replace(/^[*.]+/, '')}</domain>`);
      return;
    }
    if (name.includes('/') || name.endsWith('.') || /\s/.test(name)) {
      this.note('other', el.at, `'${name}' is not a host name: Android compares it with the host as written, so it covers no host`);
      return;
    }
    c.domains.push({ domain: { pattern: name, ...(sub ? { includeSubdomains: true } : {}) }, at: el.at });
  }

  pinSet(el: XmlElement): ReadPinSet {
    const set: ReadPinSet = { el, pins: [], malformed: [] };
    const exp = el.attrs.expiration;
    if (exp !== undefined) {
      const at = this.attrAt(el, 'expiration');
      const date = isoDate(exp.trim());
      if (!date) this.fail(at, `invalid expiration '${exp}' in <pin-set>: Android expects yyyy-MM-dd, such as 2027-06-30`);
      set.expiration = { date, at };
    }
    let pinCount = 0;
    // A comment on its own line labels the pin after it; one after a pin on the same line, that pin.
    let pending: string | undefined;
    let last: { pin?: PolicyPin; line: number; labelled: boolean } | undefined;
    for (const node of el.children) {
      if (node.kind === 'comment') {
        const label = node.text.replace(/\s+/g, ' ').trim();
        if (last && this.spot(node.at).line === last.line) {
          if (label && last.pin && !last.labelled) last.pin.label = label;
          last.labelled = true;
        } else pending = label || undefined;
        continue;
      }
      if (node.kind === 'text') continue;
      if (node.name !== 'pin') {
        this.unknown(node, 'pin-set', ['pin']);
        continue;
      }
      pinCount++;
      const read = this.pin(node, set);
      if (read) {
        if (pending) read.pin.label = pending;
        set.pins.push(read);
      }
      last = { ...(read ? { pin: read.pin } : {}), line: this.spot(this.endOf(node)).line, labelled: pending !== undefined };
      pending = undefined;
    }
    // Android lint: "Missing <pin> element(s)" is fatal (at run time an empty set would pin nothing).
    if (pinCount === 0) this.fail(el.at, '<pin-set> without any <pin> (Android lint fails release builds on it; to leave hosts unpinned, give them a <domain-config> without a <pin-set>)');
    return set;
  }

  /** Offset just after an element (its end tag, or the start tag when it closes itself). */
  private endOf(el: XmlElement): number {
    if (this.text[el.tagEnd - 2] === '/') return el.tagEnd;
    const close = this.text.indexOf(`</${el.name}`, el.tagEnd);
    return close === -1 ? el.tagEnd : close;
  }

  /** One `<pin>`: a wrong digest is an error; an unusable value is a note (the set keeps its other pins). */
  pin(el: XmlElement, set: ReadPinSet): ReadPin | undefined {
    const digest = el.attrs.digest;
    if (digest === undefined) this.fail(el.at, '<pin> without digest: Android needs digest="SHA-256"');
    // Pin.isSupportedDigestAlgorithm: "SHA-256", any case. Another digest refuses the whole file.
    if (digest.trim().toUpperCase() !== 'SHA-256') this.fail(this.attrAt(el, 'digest'), `unsupported pin digest '${digest}': Android accepts only SHA-256 (the digest of the SubjectPublicKeyInfo) and refuses the whole file otherwise`);
    if (elements(el).length) this.fail(elements(el)[0]!.at, '<pin> contains an element: it holds a base64 digest only');
    let at = el.tagEnd;
    while (at < this.text.length && /\s/.test(this.text[at]!)) at++;
    const raw = el.children
      .filter((n): n is XmlText => n.kind === 'text')
      .map((n) => n.text)
      .join('')
      .trim();
    const bad = (detail: string, fingerprint = false) => {
      set.malformed.push({ at, text: raw, detail, fingerprint });
      return undefined;
    };
    if (!raw) {
      at = el.at;
      return bad('empty <pin>: Android refuses the file ("Missing pin digest")');
    }
    // Android base64-decodes the text as it is (android.util.Base64): 'sha256/' and quotes are not a wrapping there.
    const parsed = parsePin(raw);
    if (parsed && parsed.value === raw && parsed.hash === 'sha256') {
      if (isPlaceholderPin(raw)) return bad(`'${raw}' is a placeholder, not the digest of a key: it pins nothing`);
      return { pin: { hash: 'sha256', value: raw }, at };
    }
    // Android compares the decoded bytes (android.util.Base64: padding optional, the unused low
    // bits of the last character ignored): a value without '=' or with those bits set is the same
    // 32 bytes as its canonical spelling, which is how pins compare here.
    if (/^[A-Za-z0-9+/]{43}=?$/.test(raw)) {
      const canonical = parsePin(Buffer.from(raw, 'base64').toString('base64'));
      if (canonical?.hash === 'sha256') {
        if (isPlaceholderPin(canonical.value)) return bad(`'${raw}' is a placeholder, not the digest of a key: it pins nothing`);
        this.note('other', at, `pin written as '${raw}' (${raw.endsWith('=') ? 'not canonical base64' : "without its '=' padding"}): Android reads the same bytes as ${canonical.value}`);
        return { pin: { hash: 'sha256', value: canonical.value }, at };
      }
    }
    if (looksLikeCertificateFingerprint(raw)) return bad(`'${raw}' is a certificate fingerprint in hex, not the base64 SHA-256 of a public key: Android refuses the file (wrong digest length), and a certificate hash changes at every renewal`, true);
    if (parsed && parsed.value !== raw) return bad(`'${raw}': Android takes the bare base64 digest, without '${raw.slice(0, raw.length - parsed.value.length)}'; it refuses the file (wrong digest length)`);
    if (parsed?.hash === 'sha1') return bad(`'${raw}' is 20 bytes (a SHA-1?): Android needs the 32-byte SHA-256 and refuses the file`);
    return bad(`'${raw}' is not the base64 of a 32-byte SHA-256 digest: Android refuses the file ("Invalid pin digest" or a wrong digest length)`);
  }

  trustAnchors(el: XmlElement, type: ConfigType): ReadAnchor[] {
    const anchors: ReadAnchor[] = [];
    for (const child of elements(el)) {
      if (child.name !== 'certificates') {
        this.unknown(child, 'trust-anchors', ['certificates']);
        continue;
      }
      const src = child.attrs.src;
      if (src === undefined) this.fail(child.at, '<certificates> without src: Android needs system, user or a resource such as @raw/my_ca');
      const s = src.trim();
      if (!['system', 'user', 'wfa'].includes(s) && !/^@(?:[\w.]+:)?\w+\/[\w.]+$/.test(s)) this.fail(this.attrAt(child, 'src'), `unknown certificates src '${src}': Android accepts system, user or a resource such as @raw/my_ca`);
      const written = this.bool(child, 'overridePins');
      // XmlConfigSource: overridePins defaults to true inside debug-overrides, false elsewhere.
      anchors.push({ el: child, src: s, overridePins: written?.value ?? type === 'debug-overrides', overrideWritten: written !== undefined });
    }
    return anchors;
  }

  trustKit(el: XmlElement): ReadTrustKit {
    const tk: ReadTrustKit = { el, reportUris: [] };
    // TrustKit reads these with Boolean.parseBoolean: "true" (any case) is true, anything else false.
    const enforce = el.attrs.enforcePinning;
    if (enforce !== undefined) tk.enforcePinning = { value: enforce.trim().toLowerCase() === 'true', at: this.attrAt(el, 'enforcePinning') };
    const disable = el.attrs.disableDefaultReportUri;
    if (disable !== undefined) tk.disableDefaultReportUri = disable.trim().toLowerCase() === 'true';
    for (const child of elements(el)) {
      if (child.name !== 'report-uri') continue;
      const uri = child.children
        .filter((n): n is XmlText => n.kind === 'text')
        .map((n) => n.text)
        .join('')
        .trim();
      if (uri) tk.reportUris.push(uri);
    }
    return tk;
  }

  /** The nearest value along a domain-config's parents (then base-config, for what it may set), as NetworkSecurityConfig.Builder inherits. */
  inherited<T>(c: Config, get: (c: Config) => T | undefined, withBase: boolean): { value: T; from: Config } | undefined {
    for (let x: Config | undefined = c; x; x = x.parent) {
      const v = get(x);
      if (v !== undefined) return { value: v, from: x };
    }
    const v = withBase && this.base ? get(this.base) : undefined;
    return v !== undefined && this.base ? { value: v, from: this.base } : undefined;
  }

  /** The pin policy: one rule per domain-config with a pin-set (its own or inherited), and carve-outs. */
  policy(): { policy: PinPolicy; sources: RuleSource[]; reportUris: string[] } {
    const rules: PinRule[] = [];
    const sources: RuleSource[] = [];
    const reportUris = new Set<string>();
    /** Each pin set with unusable values, and the first rule that uses it. */
    const firstRuleOf = new Map<ReadPinSet, number>();
    const pinSetOf = (c: Config) => this.inherited(c, (x) => x.pinSet, false)?.value;
    const pinnedDomains = this.domainConfigs.filter((c) => pinSetOf(c)).flatMap((c) => c.domains.map((d) => d.domain));
    const anchorsOfPinned = new Set<Config>();
    let defaultReportUriNoted = false;
    for (const c of this.domainConfigs) {
      const set = pinSetOf(c);
      if (!set) {
        // A config without a pin set is still the most specific match for its hosts: where a
        // pinned includeSubdomains domain would cover them, it carves them out.
        const carved = c.domains.filter((d) => pinnedDomains.some((p) => p.pattern !== d.domain.pattern && domainCovers(p, d.domain.pattern)));
        if (carved.length) {
          rules.push({ domains: carved.map((d) => d.domain), pins: [], enforce: false, exempt: true });
          sources.push({ at: this.spot(c.el.at), pins: [] });
        }
        continue;
      }
      const anchors = this.inherited(c, (x) => x.anchors, true);
      if (anchors) anchorsOfPinned.add(anchors.from);
      if (c.cleartext?.value) this.note('other', c.cleartext.at, 'cleartextTrafficPermitted="true" on pinned hosts: pins protect HTTPS only, and plain HTTP to these hosts is allowed');
      // Every domain was a wildcard or a URL (noted): this config covers no host.
      if (!c.domains.length) continue;
      if (!firstRuleOf.has(set)) firstRuleOf.set(set, rules.length);
      // TrustKit-Android inherits each of its settings from the enclosing domain-config only.
      const tkConfig = this.inherited(c, (x) => x.trustKit, false);
      const tkEnforce = this.inherited(c, (x) => x.trustKit?.enforcePinning, false);
      const enforce = tkConfig ? (tkEnforce?.value.value ?? false) : true;
      if (tkConfig) {
        for (const u of tkConfig.value.reportUris) reportUris.add(u);
        if (this.inherited(c, (x) => x.trustKit?.disableDefaultReportUri, false)?.value !== true) {
          reportUris.add(TRUSTKIT_DEFAULT_REPORT_URI);
          if (!defaultReportUriNoted) this.note('other', tkConfig.value.el.at, `TrustKit-Android also sends pin failure reports to ${TRUSTKIT_DEFAULT_REPORT_URI} unless disableDefaultReportUri="true"`);
          defaultReportUriNoted = true;
        }
        if (set.pins.length < 2) this.note('other', c.el.at, 'TrustKit-Android refuses a domain with fewer than two pins (DomainPinningPolicy: "Less than two pins were supplied"): the app fails when TrustKit is initialised');
        if (c.domains.length > 1) this.note('other', c.el.at, `TrustKit-Android keeps only the last <domain> of a <domain-config> (${c.domains[c.domains.length - 1]!.domain.pattern}); the platform pins them all`);
      }
      rules.push({
        domains: c.domains.map((d) => d.domain),
        pins: set.pins.map((p) => ({ ...p.pin })),
        enforce,
        ...(set.expiration ? { expiration: set.expiration.date } : {}),
      });
      sources.push({
        at: this.spot(c.el.at),
        pins: set.pins.map((p) => this.spot(p.at)),
        ...(set.expiration ? { expiration: this.spot(set.expiration.at) } : {}),
        ...(tkConfig ? { enforce: this.spot(tkEnforce?.value.at ?? tkConfig.value.el.at) } : {}),
      });
    }
    // Unusable pin values: a note on the first rule that has the set (lint counts what it lost).
    for (const c of this.domainConfigs) {
      const set = c.pinSet;
      if (!set) continue;
      const ruleIndex = firstRuleOf.get(set);
      for (const m of set.malformed) {
        if (ruleIndex === undefined) this.note('other', m.at, m.detail);
        else this.notes.push({ kind: 'malformed-pin', at: this.spot(m.at), detail: m.detail, text: m.text, ruleIndex });
        if (m.fingerprint) this.note('certificate-fingerprint', m.at, 'a certificate fingerprint where the SHA-256 of a SubjectPublicKeyInfo belongs: pin the key (pinprick pins CERT), not the certificate');
      }
    }
    // TrustKit's enforcement, once per trustkit-config that leaves pins unenforced.
    for (const c of this.domainConfigs) {
      const tk = c.trustKit;
      if (!tk) continue;
      if (tk.enforcePinning?.value === false) this.note('other', tk.enforcePinning.at, "enforcePinning=\"false\": connections through TrustKit's SSLSocketFactory report a pin mismatch and go ahead; on Android 7+ the platform still enforces the pin-set for every other connection (the default socket factory, WebView)");
      else if (!this.inherited(c, (x) => x.trustKit?.enforcePinning, false)) this.note('other', tk.el.at, "<trustkit-config> without enforcePinning: TrustKit-Android's default is false, so connections through TrustKit only report pin mismatches");
    }
    this.anchorNotes(anchorsOfPinned);
    return { policy: { rules, combine: 'most-specific' }, sources, reportUris: [...reportUris] };
  }

  private anchorNotes(anchorsOfPinned: Set<Config>): void {
    const all = [...(this.base ? [this.base] : []), ...this.domainConfigs, ...(this.debug ? [this.debug] : [])];
    for (const c of all) {
      for (const a of c.anchors ?? []) {
        if (a.overridePins) {
          const who = a.src === 'user' ? 'any user-installed CA (anyone who can add a CA to the device)' : a.src === 'system' ? 'every system CA' : `the CAs of ${a.src}`;
          const where = c.type === 'debug-overrides' ? `in debuggable builds (overridePins ${a.overrideWritten ? 'is true' : 'defaults to true in debug-overrides'}), ` : '';
          this.note('override-pins', a.el.at, `${where}chains that end at ${who} skip the pin check (NetworkSecurityTrustManager: an overridePins anchor turns pinning off)`);
        }
        if (a.src === 'user' && c.type !== 'debug-overrides' && (c.type === 'base-config' || anchorsOfPinned.has(c))) {
          this.note('user-ca', a.el.at, `user-installed CAs are trusted here (${c.type === 'base-config' ? 'base-config: every host without trust anchors of its own' : 'a pinned domain-config'}); ${a.overridePins ? 'with overridePins they also bypass the pins' : 'pins still apply to pinned hosts, but every unpinned host can be intercepted by a CA the user installs'}`);
        }
      }
    }
  }
}

/** `yyyy-MM-dd` as lint's `LocalDate.parse(ISO_LOCAL_DATE)` takes it, at 00:00 UTC; undefined when not a real date. */
function isoDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : undefined;
}

function read(file: string, text: string): ReadPolicy {
  const r = new NscReader(file, text);
  r.read();
  const { policy, sources, reportUris } = r.policy();
  // Notes in the order of the file (stable: one place's notes keep the order they were found in).
  const notes = [...r.notes].sort((a, b) => a.at.line - b.at.line || (a.at.column ?? 0) - (b.at.column ?? 0));
  return { file, format: 'android-nsc', policy, sources, platform: 'android', ...(reportUris.length ? { reportUris } : {}), notes };
}

// ---------------------------------------------------------------------------------------------
// Writing

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A label as an XML comment: `--` may not appear in one, nor may it end with `-`. */
const commentText = (s: string) => s.replace(/--+/g, (m) => m.split('').join(' ')).replace(/-$/, '- ');

/** A policy domain as NSC writes it: a name and includeSubdomains. `*.x` has no NSC form. */
function nscDomain(d: PinDomain): { name: string; sub: boolean } {
  const problem = hostPatternProblem(d.pattern);
  if (problem) throw new InputError(`cannot write the host pattern ${problem} as a Network Security Config domain`);
  const p = d.pattern.trim().toLowerCase().replace(/\.$/, '');
  if (p.startsWith('**.')) return { name: p.slice(3), sub: true };
  if (p.startsWith('*.'))
    throw new InputError(
      `cannot write '${d.pattern}' as a Network Security Config domain: NSC has no wildcards, and <domain includeSubdomains="true">${p.slice(2)}</domain> would also pin ${p.slice(2)} itself and names any number of labels below it; write '**.${p.slice(2)}' if that is what you mean`,
    );
  return { name: p, sub: d.includeSubdomains === true };
}

/**
 * A Network Security Config with one domain-config per rule. Android has no wildcards:
 * `**.example.com` is written as example.com with includeSubdomains, and `*.example.com` (exactly
 * one label, OkHttp) is refused rather than widened. Pins are SHA-256 only; an expiration is
 * written as its UTC date, so the pins stop at or before the instant (Android ends them at the
 * start of that day). Report-only rules and a report URI are written as TrustKit-Android's
 * `<trustkit-config>`, which only apps using TrustKit read: Android itself enforces every pin-set.
 */
function write(policy: PinPolicy, options: WriteOptions = {}): string {
  const rules = policy.rules.map((rule, i) => {
    const where = `rule ${i + 1} (${rule.domains.map((d) => d.pattern).join(', ') || 'no domain'})`;
    if (!rule.domains.length) throw new InputError(`cannot write ${where}: a Network Security Config domain-config needs a domain`);
    if (!rule.exempt && !rule.pins.length) throw new InputError(`cannot write ${where}: it has no pins, and an Android pin-set needs at least one (a domain-config without a pin-set pins nothing)`);
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError(`cannot write the SHA-1 pin sha1/${pin.value} of ${where}: Android accepts SHA-256 pins only (pin the same key by its SHA-256: pinprick pins CERT)`);
      if (pin.on) throw new InputError(`cannot write the ${pin.on === 'leaf' ? 'leaf' : 'CA'}-only pin ${pin.value} of ${where}: an Android pin matches anywhere on the path, so the restriction would be lost`);
    }
    return { rule, domains: rule.domains.map(nscDomain) };
  });
  const seen = new Map<string, number>();
  rules.forEach(({ domains }, i) => {
    for (const d of domains) {
      const first = seen.get(d.name);
      if (first !== undefined) throw new InputError(`cannot write '${d.name}' in rules ${first + 1} and ${i + 1}: Android refuses a domain named twice`);
      seen.set(d.name, i);
    }
  });
  if (policy.combine === 'all') {
    // OkHttp adds up the pins of every matching pattern; Android applies the most specific
    // domain-config alone. The two agree only when no host is covered twice.
    rules.forEach((a, i) =>
      rules.forEach((b, j) => {
        if (j <= i) return;
        for (const da of a.domains)
          for (const db of b.domains) {
            if ((da.sub && domainCovers({ pattern: da.name, includeSubdomains: true }, db.name)) || (db.sub && domainCovers({ pattern: db.name, includeSubdomains: true }, da.name))) {
              throw new InputError(`cannot write rules ${i + 1} and ${j + 1} together: both cover ${da.sub ? db.name : da.name}, where this policy adds up their pins (combine: all, as OkHttp) but Android applies only the most specific domain-config`);
            }
          }
      }),
    );
  }
  const out = ['<?xml version="1.0" encoding="utf-8"?>', '<!-- res/xml/network_security_config.xml, written by pinprick. Reference it from AndroidManifest.xml:', '     <application android:networkSecurityConfig="@xml/network_security_config" ...> -->', '<network-security-config>'];
  for (const { rule, domains } of rules) {
    out.push('    <domain-config>');
    for (const d of domains) out.push(`        <domain${d.sub ? ' includeSubdomains="true"' : ''}>${escapeXml(d.name)}</domain>`);
    if (!rule.exempt) {
      out.push(`        <pin-set${rule.expiration ? ` expiration="${rule.expiration.toISOString().slice(0, 10)}"` : ''}>`);
      for (const pin of rule.pins) {
        if (pin.label) out.push(`            <!-- ${commentText(pin.label)} -->`);
        out.push(`            <pin digest="SHA-256">${pin.value}</pin>`);
      }
      out.push('        </pin-set>');
      if (!rule.enforce || options.reportUri) {
        out.push(`        <trustkit-config enforcePinning="${rule.enforce}" disableDefaultReportUri="true"${options.reportUri ? '' : ' /'}>`);
        if (options.reportUri) out.push(`            <report-uri>${escapeXml(options.reportUri)}</report-uri>`, '        </trustkit-config>');
      }
    }
    out.push('    </domain-config>');
  }
  out.push('</network-security-config>', '');
  return out.join('\n');
}

/** The `android-nsc` format. */
export const androidNsc: PolicyFormatModule = {
  format: 'android-nsc',
  title: 'Android Network Security Config',
  detect(file, text) {
    const root = rootName(text);
    if (root === 'network-security-config') return 1;
    if (root !== undefined) return 0;
    // Not XML at the start, but named as Android names it: read it, to say what is wrong.
    return /(?:^|[\\/])network_security_config[\w-]*\.xml$/i.test(file) ? 0.5 : 0;
  },
  read,
  write,
};
