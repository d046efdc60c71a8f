import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Document, LineCounter, Node } from 'yaml';
import { ScenarioError } from '../errors.js';
import { HOST_PATTERN, HOST_WORDS } from '../world/spec.js';

// yaml and ajv cost ~100 ms to load; most runs read the built-in catalog from its build-time cache
// (see builtin-cache.ts) and never need them. Both are CommonJS, so a synchronous require keeps
// this module's API synchronous while loading them on first use only.
const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= require('yaml') as typeof import('yaml'));

/** What the checks after the schema need of a document: its value, and where any of its paths is. */
export interface Located {
  readonly file: string;
  /** The plain JavaScript value of the document. */
  readonly value: unknown;
  /** A ScenarioError located at `path` (or at the key of its last segment when `atKey`). */
  error(path: readonly (string | number)[], detail: string, atKey?: boolean): ScenarioError;
  /** Line and column of the node at `path`. */
  position(path: readonly (string | number)[], atKey?: boolean): { line: number; col: number };
}

/**
 * Largest scenario or profile file, in bytes: 1 MiB. The shipped files are at most ~1.1 KB and a
 * hand-written one with many derived certificates a few KB; the YAML parser takes ~1.5 s per MiB
 * at worst, so the limit bounds the time a load can take before it starts.
 */
export const MAX_SOURCE_BYTES = 1024 * 1024;
/**
 * Longest single value (or key) in a scenario or profile file, in characters: 16 KiB. The longest
 * shipped value is a description of under 700 characters; values are printed in every report
 * (console, JSON, JUnit, HTML), where a megabyte-long story does no one any good.
 */
export const MAX_SCALAR_CHARS = 16 * 1024;

/**
 * Most YAML nodes (keys, values, lists and mappings) in one file: 10,000. The largest shipped file
 * has 52; a scenario with 500 derived certificates of a dozen fields has ~7,000. Every node can be
 * a problem of its own for `scenarios validate` (a 1 MiB list of 500,000 unknown names took 51 s
 * and 1.8 GB to report), and each derived certificate is issued when the scenario runs.
 */
export const MAX_NODES = 10_000;

/** What the size limit calls a file checked against each shipped schema. */
const KIND_OF_SCHEMA: Readonly<Record<string, string>> = {
  'scenarios/scenario.schema.json': 'a scenario file',
  'profiles/profile.schema.json': 'a profile file',
  'incidents/incident.schema.json': 'an incident file',
  'timelines/timeline.schema.json': 'a timeline file',
};

/** The size refusal of a scenario or profile file (size undefined: more than the limit, from a pipe). */
export function tooLargeSource(file: string, size: number | undefined, kind = 'a scenario or profile file'): ScenarioError {
  return new ScenarioError(file, 1, 1, `too large for ${kind}: ${size === undefined ? `more than ${MAX_SOURCE_BYTES}` : size} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
}

/** A problem found by walking the parsed tree, at its offset in the text. */
interface TreeProblem {
  offset: number;
  message: string;
}

/**
 * More nodes than {@link MAX_NODES}, the first duplicate key and the first value over
 * {@link MAX_SCALAR_CHARS}, in one walk of the tree with a Set per mapping. yaml's own duplicate
 * check (`uniqueKeys: true`) compares each key with every earlier key of its mapping: 40,000 keys
 * took 18 s, 80,000 85 s. Keys are equal as yaml's check has them: scalars with the same value
 * (`1` and `'1'` differ; NaN never equals NaN); collections and aliases never. The message and
 * position of a duplicate are yaml's (but see keyOffset).
 */
function treeProblems(text: string, contents: unknown): TreeProblem[] {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  let duplicate: TreeProblem | undefined;
  let long: TreeProblem | undefined;
  let nodes = 0;
  const stack: unknown[] = [contents];
  while (stack.length) {
    const node = stack.pop();
    if (node !== null && node !== undefined && !isPair(node)) nodes++;
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string' && v.length > MAX_SCALAR_CHARS && (!long || (node.range?.[0] ?? 0) < long.offset)) {
        long = { offset: node.range?.[0] ?? 0, message: `a value of ${v.length} characters is too long (limit ${MAX_SCALAR_CHARS} characters)` };
      }
    } else if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          if (seen.has(key.value)) {
            const offset = keyOffset(text, key.range?.[0] ?? 0, key.range?.[1] ?? 0);
            if (!duplicate || offset < duplicate.offset) duplicate = { offset, message: 'Map keys must be unique' };
          } else seen.add(key.value);
        }
        stack.push(key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
    // An alias is not walked: the node it points at is, where it is defined.
  }
  const tooMany = nodes > MAX_NODES ? { offset: 0, message: `too many values: ${nodes} YAML nodes (keys, values, lists, mappings; limit ${MAX_NODES})` } : undefined;
  return [tooMany, duplicate, long].filter((p): p is TreeProblem => p !== undefined);
}

/**
 * Where yaml's duplicate check placed a key: at its text, and for an empty key (`: value`) at the
 * first character after the blanks and comments its range starts among.
 */
function keyOffset(text: string, start: number, end: number): number {
  if (start !== end) return start;
  let i = start;
  for (;;) {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
    if (text[i] !== '#') return i;
    while (i < text.length && text[i] !== '\n') i++;
  }
}

/** A parsed YAML (or JSON) document that can point at any of its paths as file:line:col. */
export class SourceDocument implements Located {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The plain JavaScript value of the document. */
    readonly value: unknown,
  ) {}

  /**
   * Parse text; YAML errors become a {@link ScenarioError} at their position. A text over
   * {@link MAX_SOURCE_BYTES} is refused before parsing, a value over {@link MAX_SCALAR_CHARS} after.
   */
  static parse(file: string, text: string, kind?: string): SourceDocument {
    // A character takes at most 3 bytes of UTF-8 (4 for a surrogate pair, 2 code units): only a
    // text that might be over the limit is measured.
    if (text.length * 3 > MAX_SOURCE_BYTES) {
      const size = Buffer.byteLength(text);
      if (size > MAX_SOURCE_BYTES) throw tooLargeSource(file, size, kind);
    }
    const { LineCounter, parseDocument } = yaml();
    const lines = new LineCounter();
    // JSON is YAML. Duplicate keys are found by treeProblems in linear time, as yaml's own check
    // (uniqueKeys) is quadratic; the alias cap stops "billion laughs" documents.
    // logLevel 'error': the loader reports through errors only, never through process warnings.
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true, logLevel: 'error' });
    const first = doc.errors[0];
    const yamlProblem = first && { offset: first.pos[0], message: first.code === 'MULTIPLE_DOCS' ? "a file holds one document: remove the second '---'" : first.message.split('\n')[0]! };
    // The earliest problem in the file, as when yaml checked duplicate keys while parsing.
    const problem = [...(yamlProblem ? [yamlProblem] : []), ...treeProblems(text, doc.contents)].sort((a, b) => a.offset - b.offset)[0];
    if (problem) {
      const pos = lines.linePos(problem.offset);
      const detail = problem === yamlProblem || problem.message === 'Map keys must be unique' ? `invalid YAML: ${problem.message}` : problem.message;
      throw new ScenarioError(file, pos.line, pos.col, detail);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new ScenarioError(file, 1, 1, `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    return new SourceDocument(file, doc, lines, value);
  }

  /** A ScenarioError located at `path` (or at the key of its last segment when `atKey`). */
  error(path: readonly (string | number)[], detail: string, atKey = false): ScenarioError {
    const { line, col } = this.position(path, atKey);
    const where = path.length ? `${formatPath(path)}: ` : '';
    return new ScenarioError(this.file, line, col, oneLine(`${where}${detail}`));
  }

  /** Line and column of the node at `path`, walking up to the closest existing node. */
  position(path: readonly (string | number)[], atKey = false): { line: number; col: number } {
    const { isMap, isPair, isScalar, isSeq } = yaml();
    let node: unknown = this.doc.contents;
    let keyNode: Node | undefined;
    let best: unknown = node;
    for (const segment of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair =
          node.items.find((p) => isPair(p) && keyString(p.key) === String(segment)) ??
          // A collection key: toJS names it by its YAML flow form, so compare without punctuation.
          node.items.find((p) => isPair(p) && !isScalar(p.key) && p.key !== null && bare(String(p.key)) === bare(String(segment)));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else break;
      if (!node) break;
      best = node;
    }
    const target = (atKey && keyNode ? keyNode : best) as Node | undefined;
    const offset = target?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, col: pos.col };
  }
}

/** The key as toJS names it in the plain object: null becomes '', a collection its string form. */
function keyString(key: unknown): string {
  const { isScalar } = yaml();
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return String(key);
}

function bare(text: string): string {
  return text.replace(/[\s"'[\]{},:]/g, '');
}

/** Control characters (a newline in a value or key) are escaped: an error is always one line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `chain[2]`, `certificates.expired-leaf.notAfter`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : s === '' ? `${i ? '.' : ''}(empty key)` : i === 0 ? s : `.${s}`)).join('');
}

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// verbose: errors carry their parentSchema, so messages can list the keys and descriptions expected.
// Two instances: loading stops at the first violation (every run and serve start pays for the
// check); the one that collects them all is built only when `scenarios validate` asks for every problem.
const ajvInstances = new Map<boolean, Ajv>();
const ajv = (allErrors: boolean): Ajv => {
  let instance = ajvInstances.get(allErrors);
  if (!instance) {
    instance = new (require('ajv') as typeof import('ajv')).Ajv({ allErrors, strict: false, verbose: true });
    ajvInstances.set(allErrors, instance);
  }
  return instance;
};
const compiled = new Map<string, ValidateFunction>();

/** The JSON Schema shipped at `relativePath` from the package root, compiled once per mode. */
function validator(relativePath: string, allErrors = false): ValidateFunction {
  const key = `${allErrors}:${relativePath}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv(allErrors).compile(JSON.parse(readFileSync(join(schemaDir, relativePath), 'utf8')));
    compiled.set(key, v);
  }
  return v;
}

/**
 * The schemas' patterns in words, for messages: a user should read what to write, not a regular
 * expression. Keyed by the pattern exactly as in scenarios/scenario.schema.json,
 * profiles/profile.schema.json and incidents/incident.schema.json
 * (test/scenario/loader-messages.test.ts checks every pattern there has an entry).
 */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  '^[a-z0-9][a-z0-9-]{0,63}$': 'a kebab-case name: lowercase letters, digits and -, starting with a letter or digit, at most 64 characters (e.g. my-rotation)',
  '^[a-z0-9][a-z0-9+-]{0,63}$': 'a kebab-case name: lowercase letters, digits, - and +, starting with a letter or digit, at most 64 characters (e.g. leaf+backup)',
  '^https?://': 'a web address starting with http:// or https://',
  // The hosts pattern is the world's (one definition of a host).
  [HOST_PATTERN]: HOST_WORDS,
  '^(now|[+-]\\d+[smhdwy]|\\d{4}-\\d{2}-\\d{2}(T[\\d:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)$':
    "a time: now, an offset from now such as -1d or +397d (units s, m, h, d, w, y), or a date such as 2026-03-01 or 2026-03-01T12:00:00Z",
  '^[A-Za-z][A-Za-z0-9.]*=': 'a distinguished name such as CN=api.example.test, O=Example',
  '^([a-zA-Z]+|\\d+(\\.\\d+)+)$': 'an extended key usage name (serverAuth, clientAuth, ...) or an OID such as 1.3.6.1.5.5.7.3.1',
  '^\\d{4}-\\d{2}-\\d{2}$': 'a date written YYYY-MM-DD, such as 2026-03-01',
  '^http://[A-Za-z0-9._-]+(:[0-9]{1,5})?/[A-Za-z0-9._~/-]*$': 'a plain http:// URL with a host and a path (letters, digits, . _ ~ / -), such as http://api.pinprick.test/pinprick/aia/intermediate.der',
  '^https?://[A-Za-z0-9._-]+(:[0-9]{1,5})?/[A-Za-z0-9._~/-]*$':
    'an http:// or https:// URL with a host and a path (letters, digits, . _ ~ / -), such as https://config.pinprick.test/pinprick/config',
  '^[0-2](\\.\\d+)+$': 'a certificate policy OID such as 2.23.140.1.2.1 (2.5.29.32.0 is anyPolicy)',
  '^timelines/[a-z0-9][a-z0-9.-]*\\.ya?ml$': 'a timeline file under timelines/, such as timelines/barclays-2016.yaml',
};

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  return `${typeof v} ${String(v)}`;
}

/** One schema violation: the path it points at (for the checks that follow) and its located line. */
export interface SchemaProblem {
  readonly path: readonly (string | number)[];
  readonly error: ScenarioError;
}

/**
 * Check a document against a shipped JSON Schema; the first violation becomes one line that says
 * where, what was expected and what was found.
 */
export function checkSchema(source: SourceDocument, schemaPath: string): void {
  const validate = validator(schemaPath);
  if (validate(source.value)) return;
  throw schemaProblem(source, usefulErrors(source, validate.errors!)[0]!).error;
}

/**
 * Every schema violation of a document, one line per place (file order is the caller's): the
 * errors `checkSchema` would pick, with ajv's cascades left out.
 */
function schemaProblems(source: SourceDocument, schemaPath: string): SchemaProblem[] {
  const validate = validator(schemaPath, true);
  if (validate(source.value)) return [];
  const byPlace = new Map<string, SchemaProblem>();
  for (const err of usefulErrors(source, validate.errors!)) {
    const problem = schemaProblem(source, err);
    // One line per place: a wrong type, not also the minimum it misses; a bad name, not also its
    // propertyNames wrapper. Each missing key is a problem of its own at the same place.
    const place = positionKey(problem.path, problem.atKey) + (err.keyword === 'required' ? `:${String(err.params.missingProperty)}` : '');
    if (!byPlace.has(place)) byPlace.set(place, { path: problem.path, error: problem.error });
  }
  return [...byPlace.values()];
}

/**
 * The errors worth reporting, in ajv's order. For an anyOf, the errors of the branch whose type
 * fits the value beat the other branch's type error and the anyOf's own "no branch matched".
 */
function usefulErrors(source: SourceDocument, errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const anyOf of errors.filter((e) => e.keyword === 'anyOf')) {
    const branches = errors.filter((e) => e !== anyOf && e.schemaPath.startsWith(`${anyOf.schemaPath}/`) && within(e.instancePath, anyOf.instancePath));
    const value = valueAt(source, pathOf(anyOf.instancePath));
    const fitting = typeof value === 'object' ? branches.filter((e) => e.keyword !== 'type') : [];
    for (const e of fitting.length ? [anyOf, ...branches.filter((b) => !fitting.includes(b))] : branches) dropped.add(e);
  }
  return errors.filter((e) => !dropped.has(e));
}

/** True when JSON pointer `pointer` is `parent` or below it. */
function within(pointer: string, parent: string): boolean {
  return pointer === parent || pointer.startsWith(`${parent}/`);
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(source: SourceDocument, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], source.value);
}

/** One ajv error in words, with the path it points at (a key itself when `atKey`). */
function schemaProblem(source: SourceDocument, err: ErrorObject): { path: (string | number)[]; atKey: boolean; error: ScenarioError } {
  const at = (path: (string | number)[], detail: string, atKey = false) => ({ path, atKey, error: source.error(path, detail, atKey) });
  const path = pathOf(err.instancePath);
  const params = err.params as Record<string, unknown>;
  // A bad property name: its pattern error and the propertyNames wrapper both point at the name.
  const badName = err.propertyName ?? (err.keyword === 'propertyNames' ? String(params.propertyName) : undefined);
  if (badName !== undefined) return at([...path, badName], `bad name '${badName}': use lower-case letters, digits and '-'`, true);
  const actual = valueAt(source, path);
  switch (err.keyword) {
    case 'additionalProperties': {
      const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const key = String(params.additionalProperty);
      return at([...path, key], `unknown key '${key}'${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`, true);
    }
    case 'required':
      return at(path, `missing required key '${String(params.missingProperty)}'`);
    case 'type':
      return at(path, `expected ${params.type === 'object' ? 'a mapping' : params.type === 'array' ? 'a list' : `a ${String(params.type)}`}, got ${describeValue(actual)}`);
    case 'enum':
      return at(path, `expected one of: ${(params.allowedValues as unknown[]).join(', ')}; got ${describeValue(actual)}`);
    case 'pattern': {
      const words = PATTERN_WORDS[String(params.pattern)];
      if (words) return at(path, `${describeValue(actual)} is not valid here; expected ${words}`);
      const desc = (err.parentSchema as { description?: string } | undefined)?.description;
      return at(path, `${describeValue(actual)} is not valid here${desc ? ` (${desc})` : ''}; expected to match ${String(params.pattern)}`);
    }
    case 'minItems':
      return at(path, `expected at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}, got ${Array.isArray(actual) ? actual.length : 0}`);
    case 'maxItems':
      return at(path, `expected at most ${String(params.limit)} items`);
    case 'minLength':
      return at(path, 'expected a non-empty string');
    case 'minimum':
    case 'maximum':
      return at(path, `expected a number ${err.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}, got ${describeValue(actual)}`);
    case 'anyOf':
      return at(path, `expected a host name or {pattern, includeSubdomains}, got ${describeValue(actual)}`);
    default:
      return at(path, err.message ?? 'invalid value');
  }
}

/**
 * The build-time cache of the shipped scenario, profile and incident files (`dist/shipped-cache.json`, written
 * by `npm run build` through precompile.ts). Parsing the 27 shipped YAML files and compiling their
 * JSON Schema took ~200 ms of every `serve`/`run` start; the cache holds, per exact file text, the
 * value that passed the schema and the positions a successful load asks for.
 */
export const SHIPPED_CACHE_FORMAT = 'pinprick-shipped-cache/1';
/** Where the cache lives: the `dist/` folder of the compiled loader (absent when running from src/). */
export const SHIPPED_CACHE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'shipped-cache.json');

/** One cached document: the JSON of its value and the positions recorded for it. */
export interface ShippedCacheEntry {
  /** The schema (path from the package root) the value passed. */
  schema: string;
  /** JSON text of the value: parsed on every use, so every load gets objects of its own. */
  json: string;
  /** `[positionKey(path, atKey), line, col]`. */
  positions: [string, number, number][];
}

/** The cache file. Keyed by the SHA-256 of the document text, and valid only for the schema texts it records. */
export interface ShippedCache {
  format: typeof SHIPPED_CACHE_FORMAT;
  /** Schema path -> SHA-256 of its text when the cache was built. */
  schemas: Record<string, string>;
  entries: Record<string, ShippedCacheEntry>;
}

/** SHA-256 (hex) of a text. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The key a position is cached under. */
export function positionKey(path: readonly (string | number)[], atKey = false): string {
  return JSON.stringify([atKey, ...path]);
}

let shippedCache: ShippedCache | null | undefined;
const currentSchemas = new Map<string, boolean>();

/**
 * Use this cache instead of the file (null: none; undefined: the file again). For tests and
 * benchmarks that compare the cached and the uncached loads in one process.
 */
export function setShippedCache(cache: ShippedCache | null | undefined): void {
  shippedCache = cache;
  currentSchemas.clear();
}

/** The cache, when present and readable (it is only a cache: anything wrong with it means "not cached"). */
function loadShippedCache(): ShippedCache | undefined {
  if (shippedCache === undefined) {
    try {
      const parsed = JSON.parse(readFileSync(SHIPPED_CACHE_FILE, 'utf8')) as ShippedCache;
      shippedCache = parsed?.format === SHIPPED_CACHE_FORMAT && parsed.entries && parsed.schemas ? parsed : null;
    } catch {
      shippedCache = null;
    }
  }
  return shippedCache ?? undefined;
}

/** The cached entry for this exact text checked against this exact schema text, if any. */
function cachedEntry(text: string, schemaPath: string): ShippedCacheEntry | undefined {
  const cache = loadShippedCache();
  if (!cache) return undefined;
  const digest = textDigest(text);
  const entry = Object.hasOwn(cache.entries, digest) ? cache.entries[digest] : undefined;
  if (!entry || entry.schema !== schemaPath) return undefined;
  let current = currentSchemas.get(schemaPath);
  if (current === undefined) {
    let schemaText: string | undefined;
    try {
      schemaText = readFileSync(join(schemaDir, schemaPath), 'utf8');
    } catch {
      schemaText = undefined;
    }
    current = schemaText !== undefined && cache.schemas[schemaPath] === textDigest(schemaText);
    currentSchemas.set(schemaPath, current);
  }
  return current ? entry : undefined;
}

/**
 * A document served from the cache. It answers the positions recorded at build time; anything
 * else (an error to locate, say, because the world differs) parses the text then, so messages and
 * positions are exactly those of {@link SourceDocument}.
 */
class CachedDocument implements Located {
  private parsed: SourceDocument | undefined;
  constructor(
    readonly file: string,
    private readonly text: string,
    readonly value: unknown,
    private readonly positions: ReadonlyMap<string, { line: number; col: number }>,
  ) {}

  private document(): SourceDocument {
    return (this.parsed ??= SourceDocument.parse(this.file, this.text));
  }
  error(path: readonly (string | number)[], detail: string, atKey = false): ScenarioError {
    return this.document().error(path, detail, atKey);
  }
  position(path: readonly (string | number)[], atKey = false): { line: number; col: number } {
    const known = this.positions.get(positionKey(path, atKey));
    return known ? { ...known } : this.document().position(path, atKey);
  }
}

/**
 * Parse `text` and check it against the shipped JSON Schema at `schemaPath`, or take both results
 * from the build-time cache when it holds this exact text and schema. Every file that is not
 * byte-identical to a shipped one (all user files) is parsed and validated in full.
 */
export function checkedSource(file: string, text: string, schemaPath: string): Located {
  const entry = text.length <= MAX_SOURCE_BYTES ? cachedEntry(text, schemaPath) : undefined;
  if (entry) return cachedDocument(file, text, entry);
  const source = SourceDocument.parse(file, text, KIND_OF_SCHEMA[schemaPath]);
  checkSchema(source, schemaPath);
  return source;
}

/**
 * {@link checkedSource} for `validate`: every schema violation rather than the first. A YAML
 * syntax error still throws: past it, the parser's reading of the rest is guesswork.
 */
export function checkedSourceAll(file: string, text: string, schemaPath: string): { source: Located; problems: SchemaProblem[] } {
  const entry = text.length <= MAX_SOURCE_BYTES ? cachedEntry(text, schemaPath) : undefined;
  if (entry) return { source: cachedDocument(file, text, entry), problems: [] };
  const source = SourceDocument.parse(file, text, KIND_OF_SCHEMA[schemaPath]);
  return { source, problems: schemaProblems(source, schemaPath) };
}

function cachedDocument(file: string, text: string, entry: ShippedCacheEntry): CachedDocument {
  return new CachedDocument(file, text, JSON.parse(entry.json), new Map(entry.positions.map(([key, line, col]) => [key, { line, col }])));
}
