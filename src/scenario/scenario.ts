import { isIP } from 'node:net';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byPosition, InputError, ScenarioError } from '../errors.js';
import { readBounded, TooLargeError } from '../input-files.js';
import type { KeyType } from '../world/keys.js';
import type { CertRecipe } from '../world/recipe.js';
import { certificateKeys, type WorldSpec } from '../world/spec.js';
import type { ConfigShape } from '../dynamic/adapters.js';
import { CORRECT_SOURCE, serveProblem, type ConfigServe, type ConfigSource } from '../dynamic/channel.js';
import { nameConstraintsProblems } from '../world/name-constraints.js';
import { resolveTime, type TimeSpec } from '../world/time.js';
import { checkedSource, checkedSourceAll, MAX_SOURCE_BYTES, tooLargeSource, type Located } from './source.js';

/** Scenario categories, in the order reports list them. */
export const CATEGORIES = ['calibration', 'control', 'attack', 'validation', 'rotation', 'dynamic'] as const;
/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** A certificate a scenario derives from its world. Unset fields come from `from`, else defaults. */
export interface DerivedCertInput extends Partial<Omit<CertRecipe, 'key'>> {
  from?: string;
  /** A world key name, or `new`. */
  key?: string;
  /** Type of a `new` key (default: the world's key type). */
  keyType?: KeyType;
}

/** A scenario as written in `scenarios/*.yaml`, after validation. */
export interface Scenario {
  id: string;
  title: string;
  category: Category;
  description: string;
  incident?: { name: string; year?: number; reference?: string };
  hosts?: string[];
  trust?: string[];
  at?: TimeSpec;
  expect?: 'accept' | 'reject' | 'either' | 'depends-on-pins';
  certificates?: Record<string, DerivedCertInput>;
  /** Certificates the proxy serves over plain HTTP, by URL (a caIssuers fetch): URL -> certificate name. */
  fetchable?: Record<string, string>;
  /** Dynamic pinning (issue 19): the pin configuration the proxy serves when the app fetches it. */
  config?: ScenarioConfig;
  chain: string[];
  /** Where it was loaded from (for messages), with the line of each chain entry and of the id. */
  source: { file: string; chainLines: number[]; id: { line: number; col: number }; expect?: { line: number; col: number } };
}

/** A dynamic scenario's configuration channel, as written. */
export interface ScenarioConfig {
  /** Where the app fetches its configuration: http:// or https:// (a host of its own), answered by the proxy. */
  url: string;
  /** The shape served (default jws). */
  shape?: ConfigShape;
  /** What the proxy serves there. */
  serve: ConfigServe;
  /** An https URL's TLS: a leaf from the world's genuine hierarchy (default) or the rogue one (the attacker's TLS). */
  tls?: 'genuine' | 'rogue';
  /** The configuration a correct client ends up using: the one served, or its last good one. */
  expectConfig: ConfigSource;
}

/** Folder of the built-in catalog. */
export const BUILTIN_SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
/** The JSON Schema of a scenario file, from the package root. */
export const SCENARIO_SCHEMA = 'scenarios/scenario.schema.json';

/**
 * Parse and check one scenario text against the schema and against the names of a world spec
 * (dangling references, cycles, impossible recipes). Every problem is a {@link ScenarioError}
 * with file:line:col; nothing else is thrown.
 */
export function parseScenario(file: string, text: string, world: WorldSpec, now: Date = new Date()): Scenario {
  return checkScenario(checkedSource(file, text, SCENARIO_SCHEMA), world, now);
}

/** The checks of {@link parseScenario} after the schema: references to the world, cycles, impossible recipes. */
export function checkScenario(source: Located, world: WorldSpec, now: Date = new Date()): Scenario {
  // One set of checks for both: loading throws the first problem found, validate reports them all.
  const first = scenarioProblems(source, world, now)[0];
  if (first) throw first;
  return located(source);
}

/** What `scenarios validate` learns of one scenario file. */
export interface ScenarioValidation {
  /** The scenario, when the file has no problem. */
  scenario?: Scenario;
  /** The id and where it is written, whenever the schema accepts it: ids must be unique whatever else is wrong. */
  id?: { value: string; line: number; col: number };
  /** Every problem, in file order. */
  problems: ScenarioError[];
}

/**
 * Every problem of one scenario text, in file order (what `scenarios validate` reports; loading
 * stops at the first), and the scenario when there is none. Checks that need a part the schema
 * refused are skipped for that part only, so one mistake is one line, not a cascade.
 */
export function validateScenario(file: string, text: string, world: WorldSpec, now: Date = new Date()): ScenarioValidation {
  let checked: ReturnType<typeof checkedSourceAll>;
  try {
    checked = checkedSourceAll(file, text, SCENARIO_SCHEMA);
  } catch (err) {
    if (err instanceof ScenarioError) return { problems: [err] };
    throw err;
  }
  const { source, problems: schema } = checked;
  const refused = schema.map((p) => p.path).filter((p) => p.length > 0);
  const unsound = (path: readonly (string | number)[]) => refused.some((p) => startsWith(path, p) || startsWith(p, path));
  // A document that is not a mapping at all leaves nothing for the later checks to read.
  const value = isMapping(source.value) ? source.value : undefined;
  const later = value ? scenarioProblems(source, world, now, unsound) : [];
  const problems = [...schema.map((p) => p.error), ...later].sort(byPosition);
  if (!problems.length) {
    const scenario = located(source);
    return { scenario, id: { value: scenario.id, ...scenario.source.id }, problems };
  }
  const idValid = typeof value?.id === 'string' && !unsound(['id']);
  return { ...(idValid ? { id: { value: value.id as string, ...source.position(['id']) } } : {}), problems };
}

/** {@link validateScenario} on a file; an unreadable file is its one problem. */
export function validateScenarioFile(file: string, world: WorldSpec, now?: Date): ScenarioValidation {
  let text: string;
  try {
    text = readScenarioText(file);
  } catch (err) {
    if (err instanceof ScenarioError) return { problems: [err] };
    throw err;
  }
  return validateScenario(file, text, world, now);
}

/**
 * The checks after the schema, each problem collected in the order checked. `unsound(path)` says
 * the schema refused something at, above or below `path` (never, once the schema passed): those
 * checks are skipped, since they would repeat the schema's line or follow from it. Values the
 * schema refused may be of any type, so containers are read only when they have the right one.
 */
function scenarioProblems(source: Located, world: WorldSpec, now: Date, unsound: (path: readonly (string | number)[]) => boolean = () => false): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const raw = source.value as Omit<Scenario, 'source'>;
  const localsReadable = raw.certificates === undefined || isMapping(raw.certificates);
  const local = localsReadable ? (raw.certificates ?? {}) : {};
  const worldCerts = Object.keys(world.certs);
  // Object.hasOwn, never `in`: a name like 'toString' must not resolve through Object.prototype.
  const has = (obj: object, name: string) => Object.hasOwn(obj, name);
  // The config-signing keys sign pin configurations, never a certificate.
  const tlsKeys = certificateKeys(world);
  const known = (name: string) => has(local, name) || has(world.certs, name);
  const sound = (name: string) => has(local, name) && !unsound(['certificates', name]);
  const localNames = Object.keys(local);
  const hint = () => `a world certificate (${worldCerts.join(', ')}) or a name under certificates:`;
  // A typo gets its nearest names first: the full list follows for anything else.
  const didYouMean = (name: unknown, names: readonly string[]) => {
    const near = typeof name === 'string' ? nearest(name, names) : [];
    return near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : '';
  };
  const certNames = () => [...worldCerts, ...localNames];

  for (const [name, input] of Object.entries(local)) {
    if (!sound(name)) continue;
    const at = (field: string) => ['certificates', name, field];
    if (name === 'self' || name === 'new') problems.push(source.error(['certificates', name], `'${name}' is a reserved word: choose another name`, true));
    if (has(world.certs, name)) problems.push(source.error(['certificates', name], `'${name}' is already a world certificate: choose another name`, true));
    if (input.from !== undefined && !has(world.certs, input.from)) {
      // The rest of the recipe is read against the certificate it starts from: nothing to check it against.
      problems.push(source.error(at('from'), `unknown world certificate '${input.from}'${didYouMean(input.from, worldCerts)} (expected one of: ${worldCerts.join(', ')})`));
      continue;
    }
    const base = input.from !== undefined ? world.certs[input.from] : undefined;
    if (!base && (input.subject === undefined || input.issuer === undefined || input.key === undefined)) {
      const missing = ['subject', 'issuer', 'key'].filter((f) => input[f as keyof DerivedCertInput] === undefined);
      problems.push(source.error(['certificates', name], `missing ${missing.join(', ')}: a certificate without 'from' needs subject, issuer and key`, true));
    }
    if (input.issuer !== undefined && input.issuer !== 'self' && !known(input.issuer)) {
      problems.push(source.error(at('issuer'), `unknown issuer '${input.issuer}'${didYouMean(input.issuer, certNames())} (expected 'self', ${hint()})`));
    }
    const keyKnown = input.key === undefined || input.key === 'new' || has(tlsKeys, input.key);
    if (!keyKnown) problems.push(source.error(at('key'), `unknown key '${input.key}'${didYouMean(input.key, Object.keys(tlsKeys))} (expected 'new' or a world key: ${Object.keys(tlsKeys).join(', ')})`));
    const keyName = input.key ?? base?.key;
    // A missing or unknown key is reported above; its type would only say so again.
    if (input.keyType !== undefined && keyName !== 'new' && keyName !== undefined && keyKnown) {
      const actual = has(world.keys, keyName) ? world.keys[keyName]!.type : undefined;
      if (actual !== input.keyType) problems.push(source.error(at('keyType'), `impossible: keyType ${input.keyType} applies only to key: new (key '${keyName}' is ${actual})`));
    }
    const ca = input.ca ?? base?.ca;
    if (input.pathLen !== undefined && ca !== true) problems.push(source.error(at('pathLen'), 'impossible: pathLen needs ca: true'));
    if (input.nameConstraints !== undefined) {
      if (ca !== true) problems.push(source.error(at('nameConstraints'), 'impossible: nameConstraints needs ca: true (RFC 5280 4.2.1.10: CA certificates only)', true));
      for (const p of nameConstraintsProblems(input.nameConstraints)) problems.push(source.error([...at('nameConstraints'), ...p.path], p.message));
    }
    for (const [i, ip] of (input.ip ?? []).entries()) {
      if (!isIP(ip)) problems.push(source.error(['certificates', name, 'ip', i], `'${ip}' is not an IPv4 or IPv6 address`));
    }
    const notBefore = input.notBefore ?? base?.notBefore ?? '-1d';
    const notAfter = input.notAfter ?? base?.notAfter ?? '+397d';
    const resolved = (field: 'notBefore' | 'notAfter', spec: string) => {
      try {
        return resolveTime(spec, now);
      } catch (err) {
        problems.push(source.error(at(input[field] !== undefined ? field : 'from'), (err as InputError).message));
        return undefined;
      }
    };
    const after = resolved('notAfter', notAfter);
    const before = resolved('notBefore', notBefore);
    if (after && before && after <= before) {
      problems.push(source.error(at(input.notAfter !== undefined ? 'notAfter' : 'notBefore'), `impossible validity: notAfter (${notAfter}) is not after notBefore (${notBefore})`));
    }
  }
  // Issuer cycles among the scenario's own certificates (world certificates cannot point back),
  // one line per cycle: walks that reach a cycle already reported stop there.
  const inCycle = new Set<string>();
  const issuerOf = (name: string) => local[name]!.issuer ?? (has(world.certs, local[name]!.from ?? '') ? world.certs[local[name]!.from!]!.issuer : undefined);
  for (const start of Object.keys(local)) {
    const seen: string[] = [];
    for (let cur: string | undefined = start; cur && sound(cur) && !inCycle.has(cur); cur = issuerOf(cur)) {
      if (seen.includes(cur)) {
        problems.push(source.error(['certificates', start, 'issuer'], `issuer cycle: ${[...seen, cur].join(' -> ')}`));
        for (const c of seen.slice(seen.indexOf(cur))) inCycle.add(c);
        break;
      }
      seen.push(cur);
    }
  }
  // Names are checked only against a readable certificates: mapping, else every local name would be "unknown".
  for (const field of ['chain', 'trust'] as const) {
    const names = raw[field];
    if (!localsReadable || !Array.isArray(names)) continue;
    names.forEach((name, i) => {
      if (!unsound([field, i]) && !known(name)) problems.push(source.error([field, i], `unknown certificate '${name}'${didYouMean(name, certNames())} (expected ${hint()})`));
    });
  }
  if (localsReadable && isMapping(raw.fetchable)) {
    for (const [url, name] of Object.entries(raw.fetchable)) {
      if (!unsound(['fetchable', url]) && !known(name)) problems.push(source.error(['fetchable', url], `unknown certificate '${name}'${didYouMean(name, certNames())} (expected ${hint()})`));
    }
  }
  if (isMapping(raw.config) && !unsound(['config'])) {
    const { shape = 'jws', serve, expectConfig } = raw.config;
    const wrong = serveProblem(shape, serve);
    if (wrong) problems.push(source.error(['config', 'serve'], wrong));
    // Like expect: for the chain, expectConfig is checked against what a correct client does.
    if (expectConfig !== CORRECT_SOURCE[serve]) problems.push(source.error(['config', 'expectConfig'], `${expectConfig}, but a correct client ends up with the ${CORRECT_SOURCE[serve]} configuration when the channel serves '${serve}'`));
    if (raw.category !== 'dynamic') problems.push(source.error(['category'], `a scenario with config: is category dynamic, not ${raw.category}`));
    // An https configuration host gets its own leaf from the proxy: the API hosts get the scenario's
    // chain, so one name cannot be both (the harness tells the channels apart by host).
    const configHost = typeof raw.config.url === 'string' && raw.config.url.startsWith('https://') ? new URL(raw.config.url).hostname : undefined;
    if (raw.config.tls !== undefined && !configHost) problems.push(source.error(['config', 'tls'], `tls: ${raw.config.tls} applies to an https:// configuration URL, not ${raw.config.url}`));
    if (configHost && (raw.hosts ?? world.hosts).includes(configHost)) problems.push(source.error(['config', 'url'], `an https configuration URL needs a host of its own: ${configHost} is one of the scenario's hosts (${(raw.hosts ?? world.hosts).join(', ')})`));
  }
  if (raw.at !== undefined && !unsound(['at'])) {
    try {
      resolveTime(raw.at, now);
    } catch (err) {
      problems.push(source.error(['at'], (err as InputError).message));
    }
  }
  return problems;
}

/** The checked value with where it came from: the line of each chain entry, the id and expect: positions. */
function located(source: Located): Scenario {
  const raw = source.value as Omit<Scenario, 'source'>;
  const chainLines = raw.chain.map((_, i) => source.position(['chain', i]).line);
  return { ...raw, source: { file: source.file, chainLines, id: source.position(['id']), ...(raw.expect ? { expect: source.position(['expect']) } : {}) } };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Segments compare as text: a schema path reads a mapping key '0' as the index 0. */
function startsWith(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(path[i]) === String(segment));
}

/** The text of a scenario file; an unreadable file is a ScenarioError at line 1. */
function readScenarioText(file: string): string {
  try {
    return readBounded(file, MAX_SOURCE_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLargeSource(file, err.size, 'a scenario file');
    throw new ScenarioError(file, 1, 1, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Load one scenario file; unreadable files are ScenarioErrors at line 1. */
export function loadScenarioFile(file: string, world: WorldSpec, now?: Date): Scenario {
  return parseScenario(file, readScenarioText(file), world, now);
}

/** The YAML files of a folder, sorted by name (JSON schemas and other files skipped). */
function yamlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new InputError(`${dir}: no such scenario folder`);
  }
  return entries
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch (err) {
        // A dangling symlink, or a file removed while listing: say which, in the usual form.
        throw new ScenarioError(f, 1, 1, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    });
}

/**
 * The built-in catalog plus any user folders (`--scenarios DIR`), in order. A user scenario may
 * not reuse a built-in id: one id, one chain, so reports from different machines compare.
 */
export function loadCatalog(world: WorldSpec, options: { dirs?: string[]; builtin?: boolean; now?: Date } = {}): Scenario[] {
  // A folder named twice (`--scenarios dir/ dir`, or through a symlink) is loaded once, not
  // refused as a duplicate of itself.
  const dirs = [...new Set([...(options.builtin === false ? [] : [BUILTIN_SCENARIOS_DIR]), ...(options.dirs ?? [])].map(canonicalDir))];
  const byId = new Map<string, Scenario>();
  for (const dir of dirs) {
    for (const file of yamlFiles(dir)) {
      const scenario = loadScenarioFile(file, world, options.now);
      const clash = byId.get(scenario.id);
      if (clash) throw new ScenarioError(file, scenario.source.id.line, scenario.source.id.col, `id '${scenario.id}' is already used by ${clash.source.file}`);
      byId.set(scenario.id, scenario);
    }
  }
  return [...byId.values()];
}

/** A folder's real path when it exists (symlinks resolved), else its absolute path. */
function canonicalDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/**
 * Whether a selector names the scenario's incident, as researchers look scenarios up
 * (`DigiNotar`, `CVE-2016-2402`, `Barclays 2016`): every word of it, case-insensitively, in the
 * incident's name and year. Three characters at least, so a stray short word selects nothing.
 */
export function incidentMatches(selector: string, incident: Scenario['incident']): boolean {
  if (!incident || selector.trim().length < 3) return false;
  const text = `${incident.name} ${incident.year ?? ''}`.toLowerCase();
  return selector
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word));
}

/** A scenario by id; the error suggests the nearest ids (did you mean) and says how to list them all. */
export function findScenario(catalog: readonly Scenario[], id: string): Scenario {
  const s = catalog.find((c) => c.id === id);
  if (!s) {
    const near = nearest(id, catalog.map((c) => c.id));
    throw new InputError(`no scenario '${id}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} (all ${catalog.length}: pinprick scenarios list)`);
  }
  return s;
}

/** Names close to `name` (edit distance at most a third of its length, at least 2), nearest first, at most 3. */
export function nearest(name: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return names
    .map((n) => [n, editDistance(name, n)] as const)
    .filter(([, d]) => d <= limit)
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([n]) => n);
}

/** Levenshtein distance (insert, delete, substitute), one row at a time. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

