/**
 * Process helpers shared by the benches: CPU pinning with `taskset`, /proc readings (RSS, CPU
 * time), medians, and bounded waits. Linux only for the /proc parts (they return NaN elsewhere).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** `taskset` (util-linux) is there and the machine has the CPU asked for. */
export const TASKSET = spawnSync('taskset', ['-c', '1', 'true']).status === 0;

let noted = false;
function noteNoTaskset(): void {
  if (noted || TASKSET) return;
  noted = true;
  console.error('note: taskset is missing (or there is no CPU 1): server and load are NOT pinned to separate CPUs, figures are noisier');
}

/** Spawn `cmd args` pinned to one CPU (`taskset -c cpu cmd args`), or unpinned with a note. */
export function spawnPinned(cpu: number, cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  noteNoTaskset();
  return TASKSET ? spawn('taskset', ['-c', String(cpu), cmd, ...args], options) : spawn(cmd, args, options);
}

/** Pin this process (all its threads) to one CPU. */
export function pinSelf(cpu: number): boolean {
  noteNoTaskset();
  return TASKSET && spawnSync('taskset', ['-a', '-pc', String(cpu), String(process.pid)]).status === 0;
}

/** Resident set size of a process in MiB (VmRSS of /proc/PID/status). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux build that matters here

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Collect a child's stdout and wait (bounded) until `pattern` matches it. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<{ text: string; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
    };
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        done();
        resolve({ text, match });
      }
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`the process exited (${code ?? signal}) before printing ${pattern}; output: ${text.slice(-2000)}`));
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms; output: ${text.slice(-2000)}`)), timeoutMs);
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Flags: `--name value` or `--name=value`, `--switch` for the names in `switches`; positional arguments are returned in `_`. */
export function parseFlags(argv: string[], switches: string[] = []): { _: string[]; get(name: string, dflt: number): number; str(name: string, dflt: string): string; has(name: string): boolean } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (!switches.includes(a.slice(2)) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), 'true');
  }
  return {
    _: positional,
    get: (name, dflt) => {
      const v = flags.get(name);
      if (v === undefined) return dflt;
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got '${v}'`);
      return n;
    },
    str: (name, dflt) => flags.get(name) ?? dflt,
    has: (name) => flags.has(name) && flags.get(name) !== 'false',
  };
}
