/**
 * The dated incident catalog (issue 18): one YAML file per real pinning incident under
 * `incidents/`, checked against `incidents/incident.schema.json` with the scenario loader's
 * located errors. Pure loading and lookup; the CLI (`pinprick incidents`) only prints.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, ScenarioError } from '../errors.js';
import { readBounded, TooLargeError } from '../input-files.js';
import { loadBuiltinProfiles } from '../scenario/profile.js';
import { incidentMatches, loadCatalog, nearest, type Scenario } from '../scenario/scenario.js';
import { checkedSource, MAX_SOURCE_BYTES, tooLargeSource, type Located } from '../scenario/source.js';
import { defaultWorldSpec } from '../world/spec.js';

/**
 * What an incident can change, in the chains servers send or in what clients trust: the one
 * vocabulary (incidents/incident.schema.json repeats it as an enum for editors; a test keeps the
 * two equal). Each word says which pins it puts at risk.
 */
export const CHANGES = {
  'leaf-key': "The server's key changed (a new leaf key pair): leaf pins without that key break.",
  intermediate: 'Another intermediate key issues the leaf: pins on the old intermediate break.',
  root: 'The chain ends at another root key (a CA move, a root migration): root pins break.',
  'key-algorithm': 'A key in the chain moved to another algorithm (RSA to ECDSA): every pin on the old key breaks, and configurations that name algorithms (TrustKit) need the new one.',
  'cross-sign': 'A cross-signed certificate was added, removed or replaced in served chains: which root a client reaches depends on its store.',
  expiry: 'A certificate in served chains or in clients\' stores expired: paths through it fail on clients that check it.',
  distrust: 'A root program stopped trusting a CA (removal, or a distrust-after date): chains to it fail validation before pins are looked at.',
  lifetime: 'Certificates live shorter: renewals, and new keys with them, come more often.',
} as const;
/** One of {@link CHANGES}. */
export type Change = keyof typeof CHANGES;
/** The keys of {@link CHANGES}, in their order. */
export const CHANGE_IDS = Object.keys(CHANGES) as Change[];

/** One incident, as written in `incidents/<id>.yaml`, after validation. */
export interface Incident {
  id: string;
  title: string;
  /** How researchers and scenario files name it: see {@link scenariosNaming}. */
  names: string[];
  /** Oldest first; the first is the incident's date. */
  dates: { date: string; event: string }[];
  changes: Change[];
  summary: string;
  broke: string[];
  survived: string[];
  sources: string[];
  /** Ids of the scenarios that replay it. */
  scenarios: string[];
  /** A shipped profile whose pins it broke: what the replay command runs with. */
  profile?: string;
  /** A simulate timeline, from the package root (it may not be written yet). */
  timeline?: string;
  /** Where it was loaded from, and where its id is written (for messages). */
  source: { file: string; id: { line: number; col: number } };
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Folder of the shipped incident files. */
export const BUILTIN_INCIDENTS_DIR = join(ROOT, 'incidents');
/** The JSON Schema of an incident file, from the package root. */
export const INCIDENT_SCHEMA = 'incidents/incident.schema.json';
/** The profile a replay runs with when the incident names none: `pinprick run`'s default. */
export const DEFAULT_REPLAY_PROFILE = 'intermediate-backup';
/**
 * The Node reference client (examples/clients/correct-client.mjs), as `pinprick run --client`
 * takes it: placeholders bare, the pins through the environment. It pins the verified path, so a
 * replay shows what the incident did to the policy, not a client bug.
 */
export const REFERENCE_CLIENT = 'node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"';

/** What an incident file may refer to, when the caller knows it: checked, with the nearest names on a miss. */
export interface IncidentContext {
  /** Scenario ids that exist (the catalog): every `scenarios:` entry must be one. */
  scenarios?: readonly string[];
  /** Shipped profile ids: `profile:` must be one. */
  profiles?: readonly string[];
}

/** Parse and check one incident text: the schema, then dates and the names of `context`. */
export function parseIncident(file: string, text: string, context: IncidentContext = {}): Incident {
  return checkIncident(checkedSource(file, text, INCIDENT_SCHEMA), context);
}

/**
 * The checks after the schema: each date a day of the calendar (the schema's pattern lets
 * 2021-02-30 through), dates oldest first, and references to scenarios and profiles that exist.
 * The first problem is thrown as a located {@link ScenarioError}.
 */
export function checkIncident(source: Located, context: IncidentContext = {}): Incident {
  const raw = source.value as Omit<Incident, 'source'>;
  raw.dates.forEach(({ date }, i) => {
    if (!isCalendarDate(date)) throw source.error(['dates', i, 'date'], `'${date}' is not a day of the calendar`);
    const previous = raw.dates[i - 1]?.date;
    if (previous !== undefined && date < previous) {
      throw source.error(['dates', i, 'date'], `${date} comes after ${previous}: list dates oldest first (the first is the incident's date)`);
    }
  });
  const known = (field: 'scenarios' | 'profile', name: string, names: readonly string[], path: (string | number)[]) => {
    if (names.includes(name)) return;
    const near = nearest(name, names);
    throw source.error(path, `unknown ${field === 'scenarios' ? 'scenario' : 'shipped profile'} '${name}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''}${field === 'scenarios' ? ' (pinprick scenarios list)' : ` (expected one of: ${names.join(', ')})`}`);
  };
  if (context.scenarios) raw.scenarios.forEach((id, i) => known('scenarios', id, context.scenarios!, ['scenarios', i]));
  if (context.profiles && raw.profile !== undefined) known('profile', raw.profile, context.profiles, ['profile']);
  return { ...raw, source: { file: source.file, id: source.position(['id']) } };
}

/** True for YYYY-MM-DD naming a real day (UTC). */
function isCalendarDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Load one incident file; an unreadable or oversized file is a ScenarioError at line 1. */
export function loadIncidentFile(file: string, context: IncidentContext = {}): Incident {
  let text: string;
  try {
    text = readBounded(file, MAX_SOURCE_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLargeSource(file, err.size, 'an incident file');
    throw new ScenarioError(file, 1, 1, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseIncident(file, text, context);
}

/** The YAML files of a folder (the incident folder by default), by name. */
export function incidentFiles(dir: string = BUILTIN_INCIDENTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/**
 * Every incident of a folder (the shipped catalog by default), oldest first (ties by id). Ids are
 * unique: a second file with an id is refused where its id is written.
 */
export function loadIncidents(options: { dir?: string; context?: IncidentContext } = {}): Incident[] {
  const byId = new Map<string, Incident>();
  for (const file of incidentFiles(options.dir)) {
    const incident = loadIncidentFile(file, options.context);
    const clash = byId.get(incident.id);
    if (clash) throw new ScenarioError(file, incident.source.id.line, incident.source.id.col, `id '${incident.id}' is already used by ${clash.source.file}`);
    byId.set(incident.id, incident);
  }
  return [...byId.values()].sort((a, b) => incidentDate(a).localeCompare(incidentDate(b)) || a.id.localeCompare(b.id));
}

/**
 * The shipped incidents, each checked against the scenarios of `catalog` (default: the built-in
 * one) and the shipped profiles: what the CLI loads.
 */
export function loadShippedIncidents(catalog: readonly Scenario[] = loadCatalog(defaultWorldSpec())): Incident[] {
  const profiles = loadBuiltinProfiles(defaultWorldSpec()).map((p) => p.id);
  return loadIncidents({ context: { scenarios: catalog.map((s) => s.id), profiles } });
}

/** The incident's date: its first dated event. */
export function incidentDate(incident: Incident): string {
  return incident.dates[0]!.date;
}

/** An incident by id; otherwise one line naming the nearest ids and every known one. */
export function findIncident(incidents: readonly Incident[], id: string): Incident {
  const found = incidents.find((i) => i.id === id);
  if (found) return found;
  const ids = incidents.map((i) => i.id);
  const near = nearest(id, ids);
  throw new InputError(`no incident '${id}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} (known: ${ids.join(', ')})`);
}

/**
 * The scenarios whose own `incident:` field names this incident: every word of one of its
 * `names`, as `pinprick run --scenarios NAME` matches them (incidentMatches). The catalog keeps
 * one source of truth: each of them must be listed in the incident's `scenarios:`.
 */
export function scenariosNaming(incident: Incident, catalog: readonly Scenario[]): Scenario[] {
  return catalog.filter((s) => incident.names.some((name) => incidentMatches(name, s.incident)));
}

/** The incident's file from the package root (incidents/barclays-2016.yaml), or as given when it lies outside. */
export function incidentFile(incident: Incident): string {
  const rel = relative(ROOT, incident.source.file);
  return rel.startsWith('..') ? incident.source.file : rel.split('\\').join('/');
}

/** The commands that replay an incident. */
export interface Replay {
  /** `pinprick run` over its scenarios, with the Node reference client and the profile it broke. */
  run: string;
  /** `pinprick simulate` on its timeline, when that file exists. */
  simulate?: string;
  /** `pinprick simulate` on each shipped contrast beside it (`timelines/<id>-*.yaml`: the same change for a better pin set, or another side of it). */
  contrasts?: string[];
}

/** The incident's timeline file (absolute), when it names one; it may not be written yet. */
export function timelineFile(incident: Incident): string | undefined {
  return incident.timeline === undefined ? undefined : join(ROOT, incident.timeline);
}

/** Folder of the shipped worked timelines: an incident's `timeline:` names a file in it. */
export const BUILTIN_TIMELINES_DIR = join(ROOT, 'timelines');

/** Every shipped timeline (absolute paths, by name): the incidents' own and the contrasts beside them (barclays-2016-backup.yaml). */
export function shippedTimelineFiles(): string[] {
  return incidentFiles(BUILTIN_TIMELINES_DIR);
}

/**
 * The exact commands that replay an incident, to run from the pinprick folder; the simulate
 * command only when its timeline exists (the caller looks: {@link timelineFile}).
 */
export function replayCommands(incident: Incident, timelineExists: boolean, timelines: readonly string[] = []): Replay {
  const run = `pinprick run --scenarios ${incident.id} --profile ${incident.profile ?? DEFAULT_REPLAY_PROFILE} --report reports/${incident.id} --client '${REFERENCE_CLIENT}'`;
  const contrasts = timelines
    .map((f) => basename(f))
    .filter((name) => name.startsWith(`${incident.id}-`) && /\.ya?ml$/.test(name))
    .map((name) => `pinprick simulate timelines/${name}`);
  return { run, ...(incident.timeline && timelineExists ? { simulate: `pinprick simulate ${incident.timeline}` } : {}), ...(contrasts.length ? { contrasts } : {}) };
}
