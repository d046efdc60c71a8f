/**
 * The monitor's state file: what was last seen of each endpoint, so that a restart neither prints
 * nor alerts again what it already did. JSON, written atomically (src/atomic-file.ts: a temporary
 * file created exclusively in the same folder, renamed over the old one) with mode 0600.
 *
 * A missing file is a fresh start. A file that cannot be read, is not JSON, or is not a monitor
 * state is refused (one line, exit 2) rather than replaced: `--state` may name a file that is not
 * ours, and writing over it would destroy it; and starting fresh would alert again about every
 * failing endpoint.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { InputError } from '../errors.js';
import { readBounded, TooLargeError, tooLargeMessage } from '../input-files.js';
import { WARNING_IDS, type MonitorStatus } from './outcome.js';
import type { EndpointState } from './transition.js';

/** What the `format` field of a state file says. */
export const STATE_FORMAT = 'pinprick-monitor-state';
/** The version of the layout; a file of another version is refused. */
export const STATE_VERSION = 1;
/** Largest state file read: an endpoint's entry is ~1 KB. */
export const MAX_STATE_FILE_BYTES = 16 << 20;
/** The default `--state`, relative to the working folder: beside `run`'s reports and `serve`'s verdict log, and kept across reboots (unlike the runtime folder). */
export const DEFAULT_STATE_FILE = 'reports/monitor-state.json';

/** The whole state: the last profile, and each endpoint by its label (endpoints.ts `endpointLabel`). */
export interface MonitorState {
  /** The profile of the last run (information only: another profile is simply a change). */
  profile?: string;
  endpoints: Record<string, EndpointState>;
}

const STATUSES: readonly MonitorStatus[] = ['pass', 'warn', 'fail', 'unreachable'];

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with one endpoint's entry, or undefined. */
function entryProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not an object';
  if (!STATUSES.includes(v.status as MonitorStatus)) return `status ${JSON.stringify(v.status)} is not one of ${STATUSES.join(', ')}`;
  for (const field of ['code', 'reason', 'since', 'lastProbe'] as const) if (!isString(v[field])) return `${field} is not a string`;
  if (v.fix !== undefined && !isString(v.fix)) return 'fix is not a string';
  if (!Array.isArray(v.pinsSeen) || !v.pinsSeen.every(isString)) return 'pinsSeen is not a list of strings';
  if (!Array.isArray(v.warnings)) return 'warnings is not a list';
  for (const w of v.warnings) {
    if (!isObject(w) || !WARNING_IDS.includes(w.id as never) || !isString(w.message) || !isString(w.fix)) return `a warning is not {id (${WARNING_IDS.join(', ')}), message, fix}`;
  }
  return undefined;
}

/** Read a state file's text; throws a one-line {@link InputError} naming the file and what is wrong. */
export function parseState(file: string, text: string): MonitorState {
  const refuse = (what: string) => new InputError(`${file}: ${what}; remove it to start afresh (every failing endpoint will alert again), or give another --state`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON.parse's message: it quotes the file, which may hold anything, newlines included.
    throw refuse('not a pinprick monitor state file (not JSON)');
  }
  if (!isObject(value) || value.format !== STATE_FORMAT) throw refuse(`not a pinprick monitor state file (no "format": "${STATE_FORMAT}")`);
  if (value.version !== STATE_VERSION) throw refuse(`state version ${JSON.stringify(value.version)}, this pinprick reads version ${STATE_VERSION}`);
  if (!isObject(value.endpoints)) throw refuse('"endpoints" is not an object');
  for (const [label, entry] of Object.entries(value.endpoints)) {
    const problem = entryProblem(entry);
    if (problem) throw refuse(`endpoint ${JSON.stringify(label)}: ${problem}`);
  }
  return { ...(isString(value.profile) ? { profile: value.profile } : {}), endpoints: value.endpoints as Record<string, EndpointState> };
}

/** The text of a state file. */
export function stateText(state: MonitorState): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, ...(state.profile ? { profile: state.profile } : {}), endpoints: state.endpoints }, null, 2)}\n`;
}

/** The state in `file`, or an empty one when there is no file yet. */
export function readState(file: string): MonitorState {
  let data: Buffer;
  try {
    data = readBounded(file, MAX_STATE_FILE_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { endpoints: {} };
    if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(file, 'a monitor state file', err));
    throw new InputError(`${file}: cannot read the monitor state (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseState(file, data.toString('utf8'));
}

/** Write the state atomically, mode 0600, making its folder when missing (reports/ by default). */
export function writeState(file: string, state: MonitorState): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, stateText(state), 0o600);
  } catch (err) {
    throw new InputError(`${file}: cannot write the monitor state (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
