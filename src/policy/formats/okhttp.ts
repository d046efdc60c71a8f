/**
 * OkHttp's CertificatePinner as Android and JVM apps write it, in Java or Kotlin:
 * `CertificatePinner.Builder().add(pattern, pins…)…build()`, a builder kept in a variable and
 * added to later, or Kotlin's `.apply { add(…) }`. Patterns and pins may be literals, string
 * concatenations and templates, or constants of the same file (`const val`, `static final
 * String`, arrays spread with `*`). One rule per `.add(…)` call.
 *
 * Semantics (OkHttp 4, okhttp3/CertificatePinner.kt; square.github.io/okhttp CertificatePinner):
 * `*.example.com` matches exactly one more label, `**.example.com` any number including none;
 * pins are `sha256/B64` or `sha1/B64`; "if multiple patterns match a hostname, any match is
 * sufficient", so the pins of every matching pattern apply together (`combine: 'all'`). A pin
 * without either prefix makes `Builder.add` throw (the app fails where it builds the pinner).
 *
 * No platform is implied: OkHttp runs on Android and on any JVM, whose validation differs
 * (platforms.ts), and the source does not say which one the app targets.
 */
import { InputError } from '../../errors.js';
import type { PinPolicy, PinRule } from '../../model/policy.js';
import { PolicyFileError, UNNAMED_HOST, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot } from '../format.js';
import { policyPin, readPin } from './pins.js';
import { closing, lex, trailingComment, type SourceLanguage, type Token } from './source-lexer.js';
import { SourceValues, type Value } from './source-values.js';

/** Java or Kotlin, from the file name, else from the text (`val`/`fun` are Kotlin). */
function languageOf(file: string, text: string): SourceLanguage {
  if (/\.kts?$/i.test(file)) return 'kotlin';
  if (/\.java$/i.test(file)) return 'java';
  return /\b(?:val|fun)\s+\w/.test(text) ? 'kotlin' : 'java';
}

/** `CertificatePinner . Builder ( )` at token `i`. */
function isBuilderCall(t: readonly Token[], i: number): boolean {
  return t[i]?.text === 'CertificatePinner' && t[i + 1]?.text === '.' && t[i + 2]?.text === 'Builder' && t[i + 3]?.text === '(' && t[i + 4]?.text === ')';
}

/** The variable a builder expression starting at token `i` is assigned to (`val b = …`, `CertificatePinner.Builder b = new …`). */
function assignedTo(t: readonly Token[], i: number): string | undefined {
  let j = i - 1;
  if (t[j]?.text === 'new') j--;
  // A qualified name: okhttp3.CertificatePinner.Builder().
  while (t[j]?.text === '.' && t[j - 1]?.kind === 'ident') j -= 2;
  if (t[j]?.text !== '=') return undefined;
  if (t[j - 1]?.kind === 'ident' && t[j - 2]?.text !== '.') return t[j - 1]!.text;
  for (let k = j - 1; k > 0 && j - k < 12; k--) if (t[k]?.text === ':' && t[k - 1]?.kind === 'ident') return t[k - 1]!.text;
  return undefined;
}

/**
 * The `add` calls of a builder chain continuing at token `p` (`.add(…)`, Kotlin `.apply { add(…) }`
 * / `.also { it.add(…) }`), recorded in `adds`; returns whether the chain ends in `.build()`.
 */
function followChain(t: readonly Token[], p: number, adds: Set<number>): boolean {
  let i = p;
  for (;;) {
    if (t[i]?.text !== '.' && t[i]?.text !== '?.') return false;
    const name = t[i + 1]?.text;
    if (name === 'add' && t[i + 2]?.text === '(') {
      adds.add(i + 1);
      i = closing(t, i + 2) + 1;
    } else if ((name === 'apply' || name === 'also' || name === 'run') && t[i + 2]?.text === '{') {
      const close = closing(t, i + 2);
      for (let k = i + 3; k < close; k++) {
        if (t[k]!.text !== 'add' || t[k + 1]?.text !== '(') continue;
        const before = t[k - 1]?.text;
        const receiver = t[k - 2]?.text;
        if (before !== '.' || receiver === 'this' || receiver === 'it') {
          adds.add(k);
          followChain(t, closing(t, k + 1) + 1, adds);
        }
      }
      i = close + 1;
    } else return name === 'build';
  }
}

/** OkHttp's pattern check (CertificatePinner.Pin's `require`): a leading `*.` or `**.` and no other asterisk. */
function okhttpPatternProblem(pattern: string): string | undefined {
  const ok = (pattern.startsWith('*.') && pattern.indexOf('*', 1) === -1) || (pattern.startsWith('**.') && pattern.indexOf('*', 2) === -1) || !pattern.includes('*');
  if (!ok) return `OkHttp refuses the pattern '${pattern}' (IllegalArgumentException "Unexpected pattern"): building the pinner throws`;
  if (!pattern.replace(/^\*{1,2}\./, '') || /(^|\.)\.|\.$|\s/.test(pattern.replace(/^\*{1,2}\./, ''))) return `OkHttp refuses the pattern '${pattern}' (IllegalArgumentException "Invalid pattern"): building the pinner throws`;
  return undefined;
}

/**
 * A pin as OkHttp reads it: the prefix is checked first and case-sensitively, as `Pin` does
 * (`pin.startsWith("sha256/")`), then the value through the one pin parser.
 */
function okhttpPin(text: string): ReturnType<typeof readPin> {
  if (!text.startsWith('sha256/') && !text.startsWith('sha1/')) return { problem: `OkHttp refuses '${text.length > 60 ? `${text.slice(0, 57)}...` : text}': "pins must start with 'sha256/' or 'sha1/'" (Builder.add throws)` };
  return readPin(text, ['sha256', 'sha1']);
}

function flatten(values: readonly Value[]): Value[] {
  return values.flatMap((v) => (v.kind === 'array' ? flatten(v.items) : [v]));
}

function read(file: string, text: string): ReadPolicy {
  const language = languageOf(file, text);
  const lexed = lex(file, text, language);
  const t = lexed.tokens;
  const values = new SourceValues(text, lexed, language);
  const adds = new Set<number>();
  const builders = new Set<string>();
  let found = false;
  for (let i = 0; i < t.length; i++) {
    if (!isBuilderCall(t, i)) continue;
    found = true;
    const built = followChain(t, i + 5, adds);
    const variable = assignedTo(t, i);
    if (variable && !built) builders.add(variable);
  }
  if (!found) throw new PolicyFileError(file, 1, 1, 'no OkHttp CertificatePinner.Builder() in this file');
  // A builder kept in a variable: `builder.add(…)` anywhere after.
  for (let i = 0; i < t.length; i++) {
    if (t[i]!.kind === 'ident' && builders.has(t[i]!.text) && (t[i + 1]?.text === '.' || t[i + 1]?.text === '?.') && t[i + 2]?.text === 'add') followChain(t, i + 1, adds);
  }
  const spot = (offset: number): SourceSpot => spotOf(text, offset);
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const notes: PolicyNote[] = [];
  for (const at of [...adds].sort((a, b) => a - b)) {
    const addSpot = spot(t[at]!.start);
    const [pattern, ...pinArgs] = values.list(at + 1).items;
    let host: string;
    if (pattern?.kind === 'string') {
      host = pattern.value;
      const problem = okhttpPatternProblem(host);
      if (problem) notes.push({ kind: 'other', at: spot(pattern.start), detail: problem });
    } else {
      host = UNNAMED_HOST;
      notes.push({ kind: 'other', at: spot(pattern?.start ?? t[at]!.start), detail: `the pattern is ${pattern?.kind === 'unknown' ? `'${pattern.text}', which is not written in this file` : 'not a string'}: give the host it stands for with --host` });
    }
    const ruleIndex = rules.length;
    const rule: PinRule = { domains: [{ pattern: host }], pins: [], enforce: true };
    const source: RuleSource = { at: addSpot, pins: [] };
    let unseen = 0;
    for (const arg of flatten(pinArgs)) {
      if (arg.kind !== 'string') {
        unseen++;
        notes.push({ kind: 'other', at: spot(arg.start), detail: `a pin comes from '${arg.kind === 'unknown' ? arg.text : arg.kind}', which is not written in this file: pinprick cannot check it` });
        continue;
      }
      const reading = okhttpPin(arg.value);
      if ('problem' in reading) {
        notes.push({ kind: 'malformed-pin', at: spot(arg.start), detail: reading.problem, text: arg.value, ruleIndex });
        continue;
      }
      rule.pins.push(policyPin(reading.pin, trailingComment(text, lexed.comments, arg.end)));
      source.pins.push(spot(arg.start));
    }
    // Pins all from elsewhere: the rule's real pins are unknown, and an empty set would refuse every chain.
    if (unseen > 0 && rule.pins.length === 0 && !notes.some((n) => n.kind === 'malformed-pin' && n.ruleIndex === ruleIndex)) continue;
    rules.push(rule);
    sources.push(source);
  }
  return {
    file,
    format: 'okhttp',
    policy: { rules, combine: 'all' },
    sources,
    notes,
    ...(rules.some((r) => r.domains.some((d) => d.pattern === UNNAMED_HOST)) ? { hostless: true as const } : {}),
  };
}

/** OkHttp patterns of a rule: includeSubdomains on a name is `**.name` (the same hosts). */
function patternsOf(rule: PinRule): string[] {
  return rule.domains.map((d) => {
    if (d.pattern === UNNAMED_HOST) throw new InputError('OkHttp: a rule has no host (read from a file that does not name it): give one with --host');
    if (!d.includeSubdomains) return d.pattern;
    if (d.pattern.startsWith('*')) throw new InputError(`OkHttp: '${d.pattern}' with its subdomains has no CertificatePinner pattern ('*.' is one label, '**.' includes the name itself)`);
    return `**.${d.pattern}`;
  });
}

/** What CertificatePinner cannot say, refused rather than dropped. */
function checkWritable(policy: PinPolicy): void {
  for (const rule of policy.rules) {
    if (!rule.enforce) throw new InputError('OkHttp: CertificatePinner has no report-only mode; a rule is not enforced');
    if (rule.expiration) throw new InputError('OkHttp: CertificatePinner pins do not expire; a rule has an expiration');
    if (rule.pins.some((p) => p.on)) throw new InputError('OkHttp: CertificatePinner matches a pin anywhere on the chain; a pin restricted to the leaf or to CAs cannot be written');
  }
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The `.add(…)` lines of a policy, one per pattern, each pin on its line with its label as a comment. */
function addLines(policy: PinPolicy, indent: string): string[] {
  const lines: string[] = [];
  for (const rule of policy.rules) {
    for (const pattern of patternsOf(rule)) {
      lines.push(`${indent}.add(${quote(pattern)}${rule.pins.length ? ',' : ')'}`);
      rule.pins.forEach((p, i) => {
        const last = i === rule.pins.length - 1;
        const label = p.label ? ` // ${p.label.replace(/\s+/g, ' ')}` : '';
        lines.push(`${indent}    ${quote(`${p.hash}/${p.value}`)}${last ? ')' : ','}${label}`);
      });
    }
  }
  return lines;
}

/** A Java (default) or Kotlin CertificatePinner for a policy; what OkHttp cannot express is an InputError. */
export function writeOkHttp(policy: PinPolicy, language: 'java' | 'kotlin' = 'java'): string {
  checkWritable(policy);
  const body = addLines(policy, '    ');
  if (language === 'kotlin') return ['import okhttp3.CertificatePinner', '', 'val certificatePinner = CertificatePinner.Builder()', ...body, '    .build()', ''].join('\n');
  return ['import okhttp3.CertificatePinner;', '', 'CertificatePinner certificatePinner = new CertificatePinner.Builder()', ...body, '    .build();', ''].join('\n');
}

/** The `okhttp` format. */
export const okhttpFormat: PolicyFormatModule = {
  format: 'okhttp',
  title: 'OkHttp CertificatePinner (Java, Kotlin)',
  detect(file, text) {
    if (!text.includes('CertificatePinner')) return 0;
    if (/CertificatePinner\s*\.\s*Builder\s*\(/.test(text)) return /\.(?:kts?|java)$/i.test(file) ? 0.95 : 0.85;
    return 0.3;
  },
  read,
  write: (policy) => writeOkHttp(policy),
};
