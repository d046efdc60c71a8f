import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { printable } from '../printable.js';
import { startProxy, type RunningProxy } from '../proxy/server.js';
import type { ConnectionVerdict } from '../proxy/connection-record.js';
import { presentScenario } from '../scenario/materialize.js';
import type { ResolvedProfile } from '../scenario/profile.js';
import type { Scenario } from '../scenario/scenario.js';
import type { OpenedWorld } from '../world/store.js';
import { applyCalibration } from './classify.js';
import { hostAskedFor, isVerdictOf, openWorkDir, prepareScenario, scenarioResult, type PreparedScenario, type ScenarioResult } from './run.js';

/** The command of a scenario a stopped manual run did not get to. */
export const NOT_RUN = '(manual, not run)';

/** Options of {@link runManual}. */
export interface ManualOptions {
  opened: OpenedWorld;
  scenarios: Scenario[];
  profile: ResolvedProfile;
  /** Where the proxy listens: a phone on the LAN needs the machine's address (default 127.0.0.1). */
  listen?: string;
  proxyPort?: number;
  tlsPort?: number;
  graceMs?: number;
  /** How long to wait for a connection per scenario; 0 = until one arrives or the person skips. */
  waitMs?: number;
  /** After the first connection, how long to keep collecting the pin-failure reports it causes. */
  reportWaitMs?: number;
  /** Folder for per-scenario trust files: the caller's (made if missing, kept), else a private one removed at the end (see runSuite). */
  workDir?: string;
  /** The person's answers: Enter skips a scenario, `q` stops the run, `r` re-runs the previous scenario. */
  input: Readable;
  /** Instructions for the person. */
  say: (line: string) => void;
  onStart?: (proxy: RunningProxy) => void;
  onResult?: (r: ScenarioResult, index: number, total: number) => void;
}

/** The next line the person types, and how to stop waiting for it. */
interface LineWait {
  line: Promise<string | undefined>;
  cancel: () => void;
}

/** What ended the wait for one scenario. */
type Ending = { kind: 'connection'; wire: ConnectionVerdict } | { kind: 'skip' } | { kind: 'quit' } | { kind: 'again' } | { kind: 'timeout' };

/**
 * Interactive run for a phone, an emulator or an app that cannot be launched by a command: the
 * proxy switches to each scenario, tells the person what to do, and takes the next connection for
 * that scenario as the client's behaviour (or Enter to skip, `q` to stop, `r` to go back one). The outcome comes from
 * the wire alone; there is no exit code to compare with.
 */
export async function runManual(options: ManualOptions): Promise<ScenarioResult[]> {
  if (!options.scenarios.length) return [];
  const work = openWorkDir(options.workDir);
  try {
    return await runManualIn(options, work.dir);
  } finally {
    work.done();
  }
}

async function runManualIn(options: ManualOptions, workDir: string): Promise<ScenarioResult[]> {
  const { opened, profile, say } = options;
  const first = options.scenarios[0]!;
  const proxy = await startProxy({
    scenario: await presentScenario(opened, first),
    host: options.listen ?? '127.0.0.1',
    proxyPort: options.proxyPort ?? 0,
    tlsPort: options.tlsPort ?? 0,
    world: opened.world,
    ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
  });
  options.onStart?.(proxy);
  // Lines typed by the person arrive here; a wait takes the next one (typed-ahead lines count).
  const lines: string[] = [];
  let lineWaiter: ((line: string | undefined) => void) | undefined;
  let inputEnded = false;
  const rl = createInterface({ input: options.input, terminal: false });
  rl.on('line', (line) => (lineWaiter ? (lineWaiter(line), (lineWaiter = undefined)) : lines.push(line)));
  rl.on('close', () => {
    inputEnded = true;
    lineWaiter?.(undefined);
    lineWaiter = undefined;
  });
  const nextLine = (): LineWait => {
    if (lines.length) return { line: Promise.resolve(lines.shift()), cancel: () => undefined };
    // Without input (stdin closed, e.g. in CI) the person cannot skip: only connections and the timeout end a wait.
    if (inputEnded) return { line: new Promise(() => undefined), cancel: () => undefined };
    let resolver: (line: string | undefined) => void = () => undefined;
    const line = new Promise<string | undefined>((resolve) => (resolver = resolve));
    lineWaiter = resolver;
    // A wait that a connection ended must not swallow the next line: it belongs to the next scenario.
    return { line, cancel: () => void (lineWaiter === resolver && (lineWaiter = undefined)) };
  };

  // By position: a re-run replaces the earlier result of its scenario.
  const results: ScenarioResult[] = [];
  try {
    for (let index = 0; index < options.scenarios.length; index++) {
      const scenario = options.scenarios[index]!;
      const p = await prepareScenario(proxy, opened, scenario, profile, workDir);
      instruct(say, proxy, p, index, options.scenarios.length);
      const ending = await waitFor(proxy, p, nextLine, options.waitMs ?? 0, say);
      if (ending.kind === 'again') {
        // The person saw the previous result and wants another try (the app was not ready, the
        // proxy setting was off): go back one; its new result replaces the old one.
        if (index === 0) say('  nothing to re-run yet');
        else say(`  re-running ${options.scenarios[index - 1]!.id}`);
        index = Math.max(index - 1, 0) - 1;
        continue;
      }
      if (ending.kind === 'quit') {
        const rest = options.scenarios.slice(index);
        say(`stopped: the remaining scenarios were not run (${rest.map((x) => x.id).join(', ')})`);
        // In the table and the reports as not run, so a stopped run is never mistaken for a whole one.
        for (const [k, s] of rest.entries()) {
          const q = k === 0 ? p : await prepareScenario(proxy, opened, s, profile, workDir);
          results[index + k] = (
            scenarioResult(proxy, q, profile, {}, {
              command: NOT_RUN,
              classification: { outcome: 'INCONCLUSIVE', observed: 'unknown', reason: 'not run: the run was stopped (q) before this scenario' },
            })
          );
        }
        break;
      }
      if (ending.kind === 'connection') {
        // The detail quotes the peer (its request line, its bytes): escaped like every console line.
        say(`  connection: ${ending.wire.kind}${ending.wire.alert ? ` (${ending.wire.alert.name})` : ''}: ${printable(ending.wire.detail, { max: 512 })}`);
        // A client that refuses a chain may send its pin-failure report a moment later.
        await delay(options.reportWaitMs ?? 1_000);
      }
      const skipped = ending.kind === 'skip' || ending.kind === 'timeout';
      const result = scenarioResult(proxy, p, profile, ending.kind === 'connection' ? { wire: ending.wire } : {}, {
        command: skipped ? '(manual, skipped)' : '(manual)',
        ...(skipped
          ? {
              classification: {
                outcome: 'INCONCLUSIVE' as const,
                observed: 'unknown' as const,
                reason: ending.kind === 'skip' ? 'skipped by the person running the test' : `no connection within ${options.waitMs} ms`,
              },
            }
          : {}),
      });
      results[index] = result;
      options.onResult?.(result, index, options.scenarios.length);
    }
  } finally {
    lineWaiter = undefined;
    rl.close();
    await proxy.close();
  }
  return applyCalibration(results);
}

function instruct(say: (line: string) => void, proxy: RunningProxy, p: PreparedScenario, index: number, total: number): void {
  const host = p.presented.hosts[0]!;
  say('');
  say(`[${index + 1}/${total}] ${p.scenario.id}: ${p.scenario.title}`);
  say(`  Now make the app connect to https://${host}/ through the proxy ${p.values.proxy}`);
  say(`  (or send ${host} to ${proxy.host}:${proxy.tlsPort} directly).`);
  const would = p.expected.either ? `ACCEPT on ${p.expected.either.accept.join(', ')} and REJECT on ${p.expected.either.reject.join(', ')} (both correct)` : p.expected.expected.toUpperCase();
  say(`  A correct client with this pin set would ${would}: ${p.expected.reason}`);
  if (p.presented.trust) say(`  Note: this scenario assumes the client trusts only ${p.presented.trust.map((c) => c.name).join(', ')}; on a device with the usual store, judge with care.`);
  say(`  Waiting for the connection... (Enter: skip, q + Enter: stop${index > 0 ? ', r + Enter: re-run the previous scenario' : ''})`);
}

async function waitFor(proxy: RunningProxy, p: PreparedScenario, nextLine: () => LineWait, waitMs: number, say: (line: string) => void): Promise<Ending> {
  const isOurs = isVerdictOf(p);
  const ignore = (v: ConnectionVerdict) => {
    if (v.id <= p.lastVerdictId || isOurs(v)) return;
    // Shown, so the person sees the device is connected, but not scored.
    say(`  ignored: ${v.kind} connection for ${printable(hostAskedFor(v) ?? '(no host name)')}, not a host of this scenario`);
  };
  const recent = proxy.verdicts.recent().filter((v) => v.id > p.lastVerdictId);
  const already = recent.find(isOurs);
  for (const v of recent) if (v.id < (already?.id ?? Infinity)) ignore(v);
  if (already) return { kind: 'connection', wire: already };
  let unsubscribe: () => void = () => undefined;
  const connection = new Promise<Ending>((resolve) => {
    unsubscribe = proxy.verdicts.subscribe((v) => {
      if (isOurs(v)) resolve({ kind: 'connection', wire: v });
      else ignore(v);
    });
  });
  const wait = nextLine();
  const typed = wait.line.then((line): Ending => {
    const answer = line?.trim().toLowerCase();
    return answer === 'q' ? { kind: 'quit' } : answer === 'r' ? { kind: 'again' } : { kind: 'skip' };
  });
  const racers = [connection, typed];
  let timer: NodeJS.Timeout | undefined;
  if (waitMs > 0) racers.push(new Promise<Ending>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), waitMs))));
  try {
    return await Promise.race(racers);
  } finally {
    unsubscribe();
    wait.cancel();
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
