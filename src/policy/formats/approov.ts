/**
 * Approov-style dynamic pin maps: a JSON object from API domain to the base64 SHA-256 SPKI pins of
 * that domain, what `Approov.getPins("public-key-sha256")` returns to the app (bare, or under
 * that pin type as key). The key `"*"` is not a host: it lists the managed trust roots, which
 * apply to a domain listed with an empty array and to no other (approov-service-okhttp,
 * ApproovService.getOkHttpClient: "the * domain is for managed trust roots and should not be
 * added directly ... if there are no pins then we try and use any managed trust roots"). A domain
 * with an empty array and no `"*"` roots is not pinned at all.
 *
 * The Android service adds every domain to an OkHttp CertificatePinner (`add(domain, "sha256/" +
 * pin)`), so a domain may be an OkHttp pattern and overlapping entries combine (`all`); no platform
 * is implied (the same map drives the iOS and Android SDKs).
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { InputError } from '../../errors.js';
import type { PinPolicy, PinRule, PolicyPin } from '../../model/policy.js';
import { PolicyFileError, UNNAMED_HOST, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot } from '../format.js';
import { policyPin, readPin } from './pins.js';

/** The pin type Approov's SDKs ask for (`Approov.getPins("public-key-sha256")`). */
const PIN_TYPE = 'public-key-sha256';
const MANAGED_ROOTS = '*';

/** jsonc-parser's error codes as one-line messages. */
const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'not valid JSON here',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes expected (a trailing comma?)',
  ValueExpected: 'a value expected (a trailing comma?)',
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: 'end of file expected after the top-level value',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

/** A parsed JSON document, or the first error at file:line:col. Comments are allowed (configurations written by hand carry them). */
function parseJson(file: string, text: string): Node {
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: false, allowTrailingComma: false, allowEmptyContent: false });
  } catch (e) {
    // jsonc-parser recurses once per nesting level: a pathological file exhausts the stack.
    if (e instanceof RangeError) throw new PolicyFileError(file, 1, 1, 'JSON nested too deeply for a pin map');
    throw e;
  }
  const first = errors[0];
  if (first || !root) {
    const { line, column } = spotOf(text, first?.offset ?? 0);
    throw new PolicyFileError(file, line, column, first ? (JSON_ERRORS[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)) : 'empty file');
  }
  return root;
}

function read(file: string, text: string): ReadPolicy {
  const root = parseJson(file, text);
  const spot = (node: Node): SourceSpot => spotOf(text, node.offset);
  const fail = (node: Node, detail: string): never => {
    const { line, column } = spotOf(text, node.offset);
    throw new PolicyFileError(file, line, column, detail);
  };
  if (root.type !== 'object') fail(root, 'an Approov pin map is a JSON object: domain -> array of base64 SHA-256 pins');
  const nested = root.children?.find((p) => p.children?.[0]?.value === PIN_TYPE)?.children?.[1];
  const map = nested?.type === 'object' ? nested : root;
  const entries: { key: Node; host: string; pins: Node[] }[] = [];
  for (const property of map.children ?? []) {
    const [key, value] = property.children as [Node, Node | undefined];
    const host = String(key.value);
    if (!value || value.type !== 'array') return fail(value ?? key, `'${host}': expected an array of base64 SHA-256 pins`);
    for (const item of value.children ?? []) if (item.type !== 'string') fail(item, `'${host}': a pin is a base64 string, not ${item.type === 'null' ? 'null' : `a ${item.type}`}`);
    entries.push({ key, host, pins: value.children ?? [] });
  }
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const notes: PolicyNote[] = [];
  const managed = entries.find((e) => e.host === MANAGED_ROOTS);

  /** Checked pins of a list, malformed ones noted against rule `ruleIndex`. */
  const pinsOf = (nodes: readonly Node[], ruleIndex: number): { pins: PolicyPin[]; spots: SourceSpot[] } => {
    const pins: PolicyPin[] = [];
    const spots: SourceSpot[] = [];
    for (const node of nodes) {
      const value = String(node.value);
      // The services add "sha256/" themselves (pinBuilder.add(domain, "sha256/" + pin)).
      const reading = /^(?:sha256|sha1)\//i.test(value) ? { problem: `'${value.slice(0, 60)}': Approov pins are bare base64; the SDK adds 'sha256/' itself, so this never matches` } : readPin(value, ['sha256']);
      if ('problem' in reading) notes.push({ kind: 'malformed-pin', at: spot(node), detail: reading.problem, text: value, ruleIndex });
      else {
        pins.push(policyPin(reading.pin));
        spots.push(spot(node));
      }
    }
    return { pins, spots };
  };

  let managedUsed = false;
  for (const entry of entries) {
    if (entry === managed) continue;
    if (entry.host.includes('*')) {
      notes.push({ kind: 'other', at: spot(entry.key), detail: `'${entry.host}': the Android service adds it as an OkHttp pattern; the iOS services look hosts up by their exact name, so there it pins nothing` });
    }
    const ruleIndex = rules.length;
    let got: { pins: PolicyPin[]; spots: SourceSpot[] };
    if (entry.pins.length) got = pinsOf(entry.pins, ruleIndex);
    else if (managed?.pins.length) {
      managedUsed = true;
      notes.push({ kind: 'other', at: spot(entry.key), detail: `'${entry.host}' has no pins of its own: it is pinned to the managed trust roots listed under '*'` });
      got = pinsOf(managed.pins, ruleIndex);
    } else {
      notes.push({
        kind: 'other',
        at: spot(entry.key),
        detail: `'${entry.host}' has no pins and this file lists no managed trust roots ('*'): the SDK pins it to Approov's managed trust roots when they are turned on, which pinprick cannot know, else not at all`,
      });
      continue;
    }
    rules.push({ domains: [{ pattern: entry.host }], pins: got.pins, enforce: true });
    sources.push({ at: spot(entry.key), pins: got.spots });
  }
  if (managed && !managedUsed) notes.push({ kind: 'other', at: spot(managed.key), detail: "'*' lists managed trust roots, which apply only to domains listed with no pins of their own; there is none" });
  return { file, format: 'approov', policy: { rules, combine: 'all' }, sources, notes };
}

/** The JSON map for a policy; what the map cannot express is an InputError. */
function write(policy: PinPolicy): string {
  const map: Record<string, string[]> = {};
  for (const rule of policy.rules) {
    if (!rule.enforce) throw new InputError('Approov pins have no report-only mode; a rule is not enforced');
    if (rule.expiration) throw new InputError('Approov pins do not expire in the map; a rule has an expiration');
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError(`Approov's ${PIN_TYPE} pins are SHA-256; a rule has a SHA-1 pin`);
      if (pin.on) throw new InputError('Approov matches a pin anywhere on the chain; a pin restricted to the leaf or to CAs cannot be written');
    }
    if (!rule.pins.length) throw new InputError('Approov: a domain with an empty list means its managed trust roots, not "no pin"; a rule has no pins');
    for (const domain of rule.domains) {
      if (domain.pattern === UNNAMED_HOST) throw new InputError('Approov: a rule has no host (read from a file that does not name it): give one with --host');
      if (domain.includeSubdomains) throw new InputError(`Approov pins API domains one by one; '${domain.pattern}' with its subdomains cannot be written`);
      if (map[domain.pattern]) throw new InputError(`Approov: '${domain.pattern}' is in two rules, and the map has one entry per domain`);
      map[domain.pattern] = rule.pins.map((p) => p.value);
    }
  }
  return `${JSON.stringify(map, null, 2)}\n`;
}

/** The `approov` format. */
export const approovFormat: PolicyFormatModule = {
  format: 'approov',
  title: 'Approov-style JSON pin map',
  detect(file, text) {
    const head = text.trimStart();
    if (!head.startsWith('{')) return 0;
    // Keys mapped to arrays of 44-character base64 strings (or empty arrays).
    const shaped = /"[^"\n]+"\s*:\s*\[\s*(?:"[A-Za-z0-9+/]{43}="|\])/.test(text);
    if (!shaped) return 0;
    return /approov/i.test(file) || /"\*"\s*:\s*\[/.test(text) || text.includes(PIN_TYPE) ? 0.9 : 0.7;
  },
  read,
  write,
};
