/**
 * pinprick's own client pin profiles (profiles/*.yaml, profiles/profile.schema.json) as a pin
 * policy format, read without a world. A profile names its pins either as values (`sha256/B64`
 * and the other spellings model/pin.ts reads) or as world keys (`genuine-intermediate`,
 * `backup-1`). A world key's value exists only in a world (keys are generated per machine), so
 * the reader keeps such a pin as a {@link WorldKeyPin}: its name, and its place in the layout every
 * world shares (src/world/spec.ts: `genuine-leaf` is a leaf key everywhere), which is enough to
 * count distinct keys and to tell a leaf-only set. `pinprick run --profile` resolves names against
 * the world as before (src/scenario/profile.ts).
 */
import { ScenarioError } from '../../errors.js';
import { parsePin, pinText, placeholderPinProblem } from '../../model/pin.js';
import { hostPatternProblem, type PinDomain, type PinPolicy, type PolicyPin } from '../../model/policy.js';
import { checkedSource } from '../../scenario/source.js';
import { PROFILE_SCHEMA } from '../../scenario/profile.js';
import { nearest } from '../../scenario/scenario.js';
import { certificateKeys, defaultWorldSpec } from '../../world/spec.js';
import { PolicyFileError, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type SourceSpot, type WorldKeyPin, type WriteOptions } from '../format.js';
import type { Platform } from '../../model/platforms.js';

/** A profile as its schema allows it. */
interface ProfileDocument {
  id: string;
  hosts?: (string | { pattern: string; includeSubdomains?: boolean })[];
  pins: string[];
  expiration?: string;
  enforce?: boolean;
  platform?: Platform;
}

/**
 * The world key names and positions every pinprick world has that a TLS server can use: the
 * config-signing keys sign pin configurations (issue 19) and are in no certificate, so a profile
 * naming one pins nothing a server serves.
 */
const WORLD_KEYS = certificateKeys(defaultWorldSpec()) as Readonly<Record<string, { position: WorldKeyPin['position'] }>>;

/**
 * How sure the file is a profile: the schema comment the shipped profiles carry, else a YAML or
 * JSON file whose top level has `id` and `pins`.
 */
function detect(file: string, text: string): number {
  const head = text.slice(0, 64 * 1024);
  if (/profile\.schema\.json/.test(head) && /^\s*"?pins"?\s*:/m.test(head)) return 1;
  if (!/\.(ya?ml|json)$/i.test(file)) return 0;
  const yamlKeys = /^id\s*:/m.test(head) && /^pins\s*:/m.test(head);
  const jsonKeys = /"id"\s*:/.test(head) && /"pins"\s*:/.test(head) && /^\s*\{/.test(head);
  return yamlKeys || jsonKeys ? 0.7 : 0;
}

/** A scenario-style error (YAML syntax, schema) as the policy formats' error. */
function asPolicyError(err: unknown): never {
  if (err instanceof ScenarioError && !(err instanceof PolicyFileError)) throw new PolicyFileError(err.file, err.line, err.col, err.detail);
  throw err;
}

function read(file: string, text: string): ReadPolicy {
  let source: ReturnType<typeof checkedSource>;
  try {
    source = checkedSource(file, text, PROFILE_SCHEMA);
  } catch (err) {
    asPolicyError(err);
  }
  const doc = source.value as ProfileDocument;
  const spot = (path: (string | number)[], atKey = false): SourceSpot => {
    const p = source.position(path, atKey);
    return { line: p.line, column: p.col };
  };
  const fail = (path: (string | number)[], detail: string): never => {
    const p = source.position(path);
    throw new PolicyFileError(file, p.line, p.col, detail);
  };

  const domains: PinDomain[] = (doc.hosts ?? []).map((h, i) => {
    const domain = typeof h === 'string' ? { pattern: h } : { pattern: h.pattern, ...(h.includeSubdomains === undefined ? {} : { includeSubdomains: h.includeSubdomains }) };
    // A pattern the model cannot match would pin nothing, silently: refused where it is written, as the profile loader does.
    const problem = hostPatternProblem(domain.pattern);
    if (problem) fail(typeof h === 'string' ? ['hosts', i] : ['hosts', i, 'pattern'], problem);
    return domain;
  });

  let expiration: Date | undefined;
  if (doc.expiration !== undefined) {
    expiration = new Date(`${doc.expiration}T00:00:00Z`);
    if (Number.isNaN(expiration.getTime()) || expiration.toISOString().slice(0, 10) !== doc.expiration) fail(['expiration'], `'${doc.expiration}' is not a date`);
  }

  const pins: PolicyPin[] = [];
  const pinSpots: SourceSpot[] = [];
  const worldKeys: WorldKeyPin[] = [];
  const notes: PolicyNote[] = [];
  doc.pins.forEach((text, i) => {
    const at = spot(['pins', i]);
    if (Object.hasOwn(WORLD_KEYS, text)) {
      worldKeys.push({ ruleIndex: 0, name: text, position: WORLD_KEYS[text]!.position, at });
      return;
    }
    const pin = parsePin(text);
    const placeholder = pin && placeholderPinProblem(pin);
    if (!pin || placeholder) {
      // Not a usable pin: the set keeps its other pins and lint reports this one.
      const near = nearest(text, Object.keys(WORLD_KEYS));
      const keys = near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : '';
      const detail = placeholder ?? `neither a world key${keys} nor a pin (sha256/ and 44 base64 characters, or a legacy sha1/ and 28)`;
      notes.push({ kind: 'malformed-pin', at, detail, text, ruleIndex: 0 });
      return;
    }
    pins.push(pin);
    pinSpots.push(at);
  });

  const policy: PinPolicy = { rules: [{ domains, pins, enforce: doc.enforce ?? true, ...(expiration ? { expiration } : {}) }] };
  return {
    file,
    format: 'pinprick',
    policy,
    sources: [
      {
        at: spot(['pins'], true),
        pins: pinSpots,
        ...(doc.expiration === undefined ? {} : { expiration: spot(['expiration']) }),
        ...(doc.enforce === undefined ? {} : { enforce: spot(['enforce']) }),
      },
    ],
    ...(doc.platform ? { platform: doc.platform } : {}),
    notes,
    ...(worldKeys.length ? { worldKeys } : {}),
  };
}

/** A YAML scalar that reads back as the same string (JSON strings are YAML double-quoted scalars). */
const str = (s: string) => JSON.stringify(s);

/**
 * A profile holding a one-rule policy: its hosts, its pins as `sha256/B64` values, its expiration
 * (a date: the profile format has no time of day) and its enforcement. Labels have no place in a
 * profile and are dropped. A policy of several pin sets has no profile form.
 */
function write(policy: PinPolicy, _options?: WriteOptions): string {
  if (policy.rules.length !== 1) throw new Error(`a pinprick profile holds one pin set; this policy has ${policy.rules.length}`);
  const rule = policy.rules[0]!;
  if (!rule.pins.length) throw new Error('a pinprick profile needs at least one pin');
  const lines = ['# yaml-language-server: $schema=./profile.schema.json', 'id: pinned-hosts'];
  if (rule.domains.length) {
    lines.push('hosts:');
    for (const d of rule.domains) lines.push(d.includeSubdomains === undefined ? `  - ${str(d.pattern)}` : `  - { pattern: ${str(d.pattern)}, includeSubdomains: ${d.includeSubdomains} }`);
  }
  lines.push('pins:');
  for (const p of rule.pins) lines.push(`  - ${str(pinText(p))}`);
  if (rule.expiration) lines.push(`expiration: ${str(rule.expiration.toISOString().slice(0, 10))}`);
  if (!rule.enforce) lines.push('enforce: false');
  return `${lines.join('\n')}\n`;
}

/** pinprick profiles. */
export const pinprickFormat: PolicyFormatModule = {
  format: 'pinprick',
  title: 'pinprick client pin profile',
  detect,
  read,
  write,
};
