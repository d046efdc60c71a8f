/**
 * The per-user runtime folder where `pinprick serve` leaves its control address and token for
 * `pinprick use` and `pinprick status` (issue 15, finding 1). A fixed name in /tmp let another user
 * make the file first (and read the token that switches the proxy) or plant a symlink there (and
 * have serve write through it). The remedy is the usual one, as Jupyter does for its runtime
 * files (jupyter_core.paths.jupyter_runtime_dir and secure_write):
 *
 * - `$XDG_RUNTIME_DIR/pinprick` when XDG_RUNTIME_DIR is an absolute path to a folder of ours with
 *   mode 0700, as the XDG Base Directory Specification requires of it; otherwise, as the
 *   specification asks, a warning and a replacement with the same properties:
 * - `$TMPDIR/pinprick-<uid>`, made with mode 0700 and then checked with lstat (a real folder, not
 *   a symlink, owned by us, mode exactly 0700). In a sticky /tmp nobody else can rename or remove
 *   a folder of ours, so once it checks out, what is inside is ours alone.
 * - The state file inside is written to a new name created exclusively without following
 *   symlinks (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), then renamed over `control.json`: rename(2)
 *   replaces a stale file or a symlink itself, never what a symlink points to.
 * - A reader opens it only when lstat shows a regular file of ours with mode 0600.
 */
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { InputError } from '../errors.js';
import { warn } from './output.js';

/** The state file's name inside the runtime folder. */
export const CONTROL_STATE_FILE = 'control.json';

/** What `serve` records for `use` and `status`. */
export interface ControlState {
  url?: string;
  token?: string;
  pid?: number;
}

const uid = (): number | undefined => process.getuid?.();
const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** Why a folder is not private to us (lstat, no follow), or undefined when it is. */
function folderProblem(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'it is a symbolic link, not a folder';
  if (!st.isDirectory()) return 'it is not a folder';
  const me = uid();
  if (me !== undefined && st.uid !== me) return `it is owned by uid ${st.uid}, not ${me}`;
  if (me !== undefined && (st.mode & 0o7777) !== 0o700) return `it has mode ${octal(st.mode)}, not 0700`;
  return undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** XDG_RUNTIME_DIR when it is usable (absolute, a real folder of ours, 0700); a warning when it is set but not. */
function xdgRuntimeDir(): string | undefined {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (!xdg) return undefined;
  // The specification: a relative path "should be considered invalid and ignored".
  const st = isAbsolute(xdg) ? lstatOrUndefined(xdg) : undefined;
  const problem = !isAbsolute(xdg) ? 'it is not an absolute path' : st ? folderProblem(st) : 'it does not exist';
  if (!problem) return xdg;
  warn(`XDG_RUNTIME_DIR ${xdg} is not a private folder of ours (${problem}): using ${fallbackDir()} instead`);
  return undefined;
}

function fallbackDir(): string {
  return join(tmpdir(), `pinprick-${uid() ?? 'user'}`);
}

/** The runtime folder, checked; `exists` is false when it is not there (and `create` was not asked). */
export interface RuntimeDir {
  dir: string;
  exists: boolean;
}

/**
 * The runtime folder: `$XDG_RUNTIME_DIR/pinprick`, else `$TMPDIR/pinprick-<uid>`. With `create`,
 * it is made (mode 0700) when missing. An existing folder that is not a real folder of ours with
 * mode 0700 is refused (one line, exit 2): another user may have made it, to read the state file
 * or to plant one.
 */
export function runtimeDir(options: { create: boolean }): RuntimeDir {
  const xdg = xdgRuntimeDir();
  const dir = xdg ? join(xdg, 'pinprick') : fallbackDir();
  if (options.create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      // New and ours: a umask can only have narrowed 0700, and readers check for exactly 0700.
      chmodOwn(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`cannot make the runtime folder ${dir}: ${(err as Error).message}`);
    }
  }
  const st = lstatOrUndefined(dir);
  if (!st) return { dir, exists: false };
  const problem = folderProblem(st);
  if (problem) {
    throw new InputError(
      `refusing the runtime folder ${dir}: ${problem} (only a private folder keeps the control token from other users); remove it if it is yours, or set ${xdg ? 'XDG_RUNTIME_DIR' : 'TMPDIR or XDG_RUNTIME_DIR'} to another folder`,
    );
  }
  return { dir, exists: true };
}

function chmodOwn(dir: string): void {
  // Through a descriptor opened without following links: the folder just made, not whatever the name holds now.
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
}

/**
 * Record serve's control address and token (mode 0600) in a runtime folder made with
 * `runtimeDir({ create: true })`: written to a new file created exclusively without following
 * symlinks, then renamed over the state file, so a stale file of a dead serve, or a symlink
 * planted there, is replaced and never written through. Returns its path.
 */
export function writeControlState(dir: string, state: ControlState): string {
  const path = join(dir, CONTROL_STATE_FILE);
  try {
    // Readers accept exactly 0600; the mode is set on the descriptor, whatever the umask.
    writeFileAtomic(path, JSON.stringify(state), 0o600);
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return path;
}

/**
 * What the running serve recorded. Read only from a regular file of ours with mode 0600 (lstat,
 * then opened without following links and checked again on the descriptor): anything else may
 * come from another user, and is refused (one line, exit 2). `state` is undefined when there is
 * no file, or one cut short (a serve killed while writing it).
 */
export function readControlState(): { path: string; state?: ControlState } {
  const { dir, exists } = runtimeDir({ create: false });
  const path = join(dir, CONTROL_STATE_FILE);
  return { path, ...(exists ? { state: readStateFile(path) } : {}) };
}

function readStateFile(path: string): ControlState | undefined {
  const st = lstatOrUndefined(path);
  if (!st) return undefined;
  const refuse = (problem: string) =>
    new InputError(`refusing ${path}: ${problem} (serve writes a regular file of ours with mode 0600; another user may have planted this one); remove it, and start pinprick serve again`);
  const problem = fileProblem(st);
  if (problem) throw refuse(problem);
  let text: string;
  // O_NONBLOCK: a FIFO swapped in after the lstat must not hang the open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const now = fstatSync(fd);
    if (now.ino !== st.ino || now.dev !== st.dev) throw refuse('it was replaced while being read');
    const again = fileProblem(now);
    if (again) throw refuse(again);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  try {
    return JSON.parse(text) as ControlState;
  } catch {
    return undefined;
  }
}

/** Why a state file is not one serve wrote (lstat, no follow), or undefined. */
function fileProblem(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'it is a symbolic link, not a regular file';
  if (!st.isFile()) return 'it is not a regular file';
  const me = uid();
  if (me !== undefined && st.uid !== me) return `it is owned by uid ${st.uid}, not ${me}`;
  if (me !== undefined && (st.mode & 0o7777) !== 0o600) return `it has mode ${octal(st.mode)}, not 0600`;
  return undefined;
}

/** At serve's exit: remove the state file if it is still the one this serve wrote (a later serve may have replaced it). */
export function removeControlState(path: string, token: string): void {
  try {
    if (readStateFile(path)?.token === token) unlinkSync(path);
  } catch {
    // Gone, or not ours to remove: leave it.
  }
}
