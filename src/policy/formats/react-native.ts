/**
 * react-native-ssl-public-key-pinning (github.com/frw/react-native-ssl-public-key-pinning): the
 * object given to `initializeSslPinning({...})` in JavaScript or TypeScript, keyed by domain, each
 * with `includeSubdomains`, `publicKeyHashes` (bare base64 SHA-256 SPKI hashes) and
 * `expirationDate` (`yyyy-MM-dd`, src/types.ts DomainOptions). The object may be written inline or
 * as a constant of the same file; keys quoted or not, computed from constants, trailing commas,
 * comments (a comment after a hash is its label).
 *
 * What the library does with it (its native modules): on Android it builds an OkHttp
 * CertificatePinner, adding `"sha256/" + hash` under `"**." + domain` when includeSubdomains is
 * set and skipping a domain whose expirationDate (parsed as UTC) has passed; on iOS it hands the
 * domains to TrustKit. So no single platform is implied, and where two entries cover one host
 * the platforms differ: OkHttp applies the pins of both, TrustKit those of the closer one. The
 * policy says `most-specific` (TrustKit's, the stricter) and a note names the overlap.
 */
import { InputError } from '../../errors.js';
import { domainCovers, type PinPolicy, type PinRule } from '../../model/policy.js';
import { PolicyFileError, UNNAMED_HOST, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource } from '../format.js';
import { policyPin, readPin } from './pins.js';
import { closing, lex, trailingComment } from './source-lexer.js';
import { SourceValues, entryOf, type Value } from './source-values.js';

const CALL = 'initializeSslPinning';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `yyyy-MM-dd` as the start of that day in UTC (the Android module's SimpleDateFormat with TimeZone UTC), or undefined. */
function parseDay(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d : undefined;
}

function read(file: string, text: string): ReadPolicy {
  // React Native sources carry JSX (.tsx, .jsx and plain .js alike); only .ts cannot.
  const lexed = lex(file, text, 'js', { jsx: !/\.(?:c|m)?ts$/i.test(file) });
  const t = lexed.tokens;
  const values = new SourceValues(text, lexed, 'js');
  const spot = (offset: number) => spotOf(text, offset);
  const calls: number[] = [];
  for (let i = 0; i < t.length; i++) if (t[i]!.kind === 'ident' && t[i]!.text === CALL && t[i + 1]?.text === '(' && t[i - 1]?.text !== 'function') calls.push(i);
  if (!calls.length) throw new PolicyFileError(file, 1, 1, `no ${CALL}({...}) call in this file`);
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const notes: PolicyNote[] = [];
  if (calls.length > 1) {
    notes.push({ kind: 'other', at: spot(t[calls[1]!]!.start), detail: `${CALL} is called ${calls.length} times: each call replaces the configuration of the one before, so the last to run wins` });
  }
  for (const at of calls) {
    const close = closing(t, at + 1);
    const arg = close > at + 2 ? values.expression(at + 2).value : undefined;
    if (arg?.kind !== 'object') {
      notes.push({ kind: 'other', at: spot(arg?.start ?? t[at]!.start), detail: `the configuration is ${arg?.kind === 'unknown' ? `'${arg.text}', which is not written in this file` : 'not an object literal'}: pinprick cannot read its domains` });
      continue;
    }
    for (const entry of arg.entries) domainRule(entry.key, entry.keyStart, entry.value);
  }

  function domainRule(key: string | undefined, keyStart: number, options: Value): void {
    const domain = key ?? UNNAMED_HOST;
    if (key === undefined) notes.push({ kind: 'other', at: spot(keyStart), detail: 'a domain key is computed from something not written in this file: give the host it stands for with --host' });
    else if (key.includes('*')) notes.push({ kind: 'other', at: spot(keyStart), detail: `'${key}': TrustKit (iOS) takes domains, not wildcard patterns, while OkHttp (Android) reads it as one` });
    if (options.kind !== 'object') {
      notes.push({ kind: 'other', at: spot(options.start), detail: `the options of '${domain}' are ${options.kind === 'unknown' ? `'${options.text}', which is not written in this file` : 'not an object'}` });
      return;
    }
    const hashes = entryOf(options, 'publicKeyHashes');
    if (!hashes) {
      notes.push({ kind: 'other', at: spot(keyStart), detail: `'${domain}' has no publicKeyHashes: the Android module skips the domain and TrustKit (iOS) refuses the configuration` });
      return;
    }
    const ruleIndex = rules.length;
    const subdomains = entryOf(options, 'includeSubdomains');
    const includeSubdomains = subdomains?.value.kind === 'boolean' && subdomains.value.value;
    if (subdomains && subdomains.value.kind !== 'boolean') notes.push({ kind: 'other', at: spot(subdomains.value.start), detail: `includeSubdomains of '${domain}' is not true or false: read as false` });
    const rule: PinRule = { domains: [{ pattern: domain, ...(includeSubdomains ? { includeSubdomains: true } : {}) }], pins: [], enforce: true };
    const source: RuleSource = { at: spot(keyStart), pins: [] };
    const list = hashes.value.kind === 'array' ? hashes.value.items : [hashes.value];
    if (hashes.value.kind !== 'array') notes.push({ kind: 'other', at: spot(hashes.value.start), detail: `publicKeyHashes of '${domain}' is ${hashes.value.kind === 'unknown' ? `'${hashes.value.text}', which is not written in this file` : 'not an array'}` });
    for (const item of list) {
      if (item.kind !== 'string') {
        if (hashes.value.kind === 'array') notes.push({ kind: 'other', at: spot(item.start), detail: `a hash of '${domain}' comes from '${item.kind === 'unknown' ? item.text : item.kind}', which is not written in this file: pinprick cannot check it` });
        continue;
      }
      // The library prefixes "sha256/" itself (Android) or hands the value to TrustKit as is (iOS): a prefix written here breaks both.
      const reading = /^(?:sha256|sha1)\//i.test(item.value)
        ? { problem: `'${item.value.slice(0, 60)}': publicKeyHashes are bare base64; the library adds 'sha256/' itself on Android, so this becomes 'sha256/sha256/...' and never matches` }
        : readPin(item.value, ['sha256']);
      if ('problem' in reading) {
        notes.push({ kind: 'malformed-pin', at: spot(item.start), detail: reading.problem, text: item.value, ruleIndex });
        continue;
      }
      rule.pins.push(policyPin(reading.pin, trailingComment(text, lexed.comments, item.end)));
      source.pins.push(spot(item.start));
    }
    const expiration = entryOf(options, 'expirationDate');
    if (expiration) {
      const day = expiration.value.kind === 'string' ? parseDay(expiration.value.value) : undefined;
      if (day) {
        rule.expiration = day;
        source.expiration = spot(expiration.value.start);
      } else notes.push({ kind: 'other', at: spot(expiration.value.start), detail: `expirationDate of '${domain}' is not a yyyy-MM-dd date: the Android module's date parser throws and initializeSslPinning rejects` });
    }
    rules.push(rule);
    sources.push(source);
  }

  overlapNotes(rules, sources, notes);
  return {
    file,
    format: 'react-native',
    policy: { rules, combine: 'most-specific' },
    sources,
    notes,
    ...(rules.some((r) => r.domains.some((d) => d.pattern === UNNAMED_HOST)) ? { hostless: true as const } : {}),
  };
}

/** Where one entry covers another's domain, Android (OkHttp: both sets) and iOS (TrustKit: the closer) differ. */
function overlapNotes(rules: readonly PinRule[], sources: readonly RuleSource[], notes: PolicyNote[]): void {
  rules.forEach((inner, i) => {
    const name = inner.domains[0]!.pattern;
    if (name.includes('*') || name === UNNAMED_HOST) return;
    const outer = rules.findIndex((r, j) => j !== i && r.domains.some((d) => d.pattern !== name && domainCovers(d, name)));
    if (outer === -1) return;
    notes.push({
      kind: 'other',
      at: sources[i]!.at,
      detail: `'${name}' is also covered by '${rules[outer]!.domains[0]!.pattern}' (includeSubdomains): on Android (OkHttp) the pins of both apply, on iOS (TrustKit) only those of '${name}'`,
    });
  });
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `yyyy-MM-dd` of a UTC midnight; anything else cannot be written. */
function day(d: Date): string {
  if (d.getTime() % 86_400_000 !== 0) throw new InputError(`react-native-ssl-public-key-pinning: expirationDate is a day (yyyy-MM-dd, UTC); ${d.toISOString()} is not the start of one`);
  return d.toISOString().slice(0, 10);
}

/** The `initializeSslPinning` call for a policy; what the library cannot express is an InputError. */
function write(policy: PinPolicy): string {
  const lines = ["import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';", '', 'await initializeSslPinning({'];
  const seen = new Set<string>();
  for (const rule of policy.rules) {
    if (!rule.enforce) throw new InputError('react-native-ssl-public-key-pinning has no report-only mode; a rule is not enforced');
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError('react-native-ssl-public-key-pinning takes SHA-256 hashes only; a rule has a SHA-1 pin');
      if (pin.on) throw new InputError('react-native-ssl-public-key-pinning matches a hash anywhere on the chain; a pin restricted to the leaf or to CAs cannot be written');
    }
    for (const domain of rule.domains) {
      if (domain.pattern === UNNAMED_HOST) throw new InputError('react-native-ssl-public-key-pinning: a rule has no host (read from a file that does not name it): give one with --host');
      if (domain.pattern.includes('*')) throw new InputError(`react-native-ssl-public-key-pinning takes domains (with includeSubdomains), not patterns: '${domain.pattern}'`);
      if (seen.has(domain.pattern)) throw new InputError(`react-native-ssl-public-key-pinning: '${domain.pattern}' is in two rules, and the configuration has one entry per domain`);
      seen.add(domain.pattern);
      lines.push(`  ${quote(domain.pattern)}: {`);
      lines.push(`    includeSubdomains: ${domain.includeSubdomains ? 'true' : 'false'},`);
      lines.push('    publicKeyHashes: [');
      for (const pin of rule.pins) lines.push(`      ${quote(pin.value)},${pin.label ? ` // ${pin.label.replace(/\s+/g, ' ')}` : ''}`);
      lines.push('    ],');
      if (rule.expiration) lines.push(`    expirationDate: ${quote(day(rule.expiration))},`);
      lines.push('  },');
    }
  }
  lines.push('});', '');
  return lines.join('\n');
}

/** The `react-native` format. */
export const reactNativeFormat: PolicyFormatModule = {
  format: 'react-native',
  title: 'react-native-ssl-public-key-pinning (initializeSslPinning)',
  detect(_file, text) {
    if (new RegExp(`\\b${CALL}\\s*\\(`).test(text)) return 0.95;
    if (text.includes('react-native-ssl-public-key-pinning')) return 0.6;
    return 0;
  },
  read,
  write,
};
