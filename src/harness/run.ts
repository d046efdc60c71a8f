import { createPublicKey } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { ruleFor, type PinRule, type ReasonCode, type Verdict } from '../model/index.js';
import { expectScenario } from '../scenario/expect.js';
import type { PinReport } from '../proxy/pin-reports.js';
import { startProxy, type RunningProxy } from '../proxy/server.js';
import type { ConnectionVerdict } from '../proxy/connection-record.js';
import { presentScenario, type PresentedScenario } from '../scenario/materialize.js';
import type { ResolvedProfile } from '../scenario/profile.js';
import type { Category, Scenario } from '../scenario/scenario.js';
import { pemOf } from '../world/pem.js';
import { curlPinList } from '../world/pin.js';
import type { OpenedWorld } from '../world/store.js';
import { chainPicture, chainPin, type ChainPicture } from './chain-picture.js';
import { namedKeys, policyFix, type NamedKey } from './policy-fix.js';
import { fillTemplate, templateProblem } from './template.js';
import { applyCalibration, calibrated, calibrationState, classify, classifyConfig, combineChannels, parseConfigLine, type CalibrationState, type Classification, type Observation, type ReportedConfig } from './classify.js';
import { APP_DEVICE } from '../dynamic/channel.js';

/** One scenario's result: expectation, observation, classification. */
export interface ScenarioResult {
  id: string;
  title: string;
  category: Category;
  /** What a correct client does; `either` where correct platforms differ (then `either` says who does what). */
  expected: { verdict: 'accept' | 'reject' | 'either'; code: ReasonCode; reason: string; either?: { divergence: string; accept: string[]; reject: string[]; lenientCode: ReasonCode } };
  wire?: ConnectionVerdict;
  /** The client's exit code; null when killed at --timeout; absent in manual mode. */
  exitCode?: number | null;
  /** The client's output, trimmed to 2,000 characters each (empty in manual mode). */
  stdout: string;
  stderr: string;
  /** The command run (in manual mode: `(manual)`, or `(manual, skipped)`). */
  command: string;
  durationMs: number;
  classification: Classification;
  /** The chain sent, the path a correct client builds, the pins and which one matched. */
  chain: ChainPicture;
  /** Pin-failure reports (HPKP report-uri, TrustKit reportUris) the client sent during this scenario. */
  reports: PinReport[];
  /** Certificates the client fetched from the proxy at the scenario's `fetchable:` URLs (caIssuers fetches), when it fetched any. */
  fetched?: { url: string; certificate: string; via: 'proxy' | 'direct' }[];
  /** A dynamic scenario's configuration channel: what was served, what a correct client ends up with, what the client said, and that channel's own classification. */
  configChannel?: {
    serve: string;
    shape: string;
    url: string;
    expected: { source: 'served' | 'last-good'; version: number };
    /** The client's CONFIG line, when it printed one. */
    reported?: ReportedConfig;
    /** Times the client fetched the configuration from the proxy during the scenario. */
    fetches: number;
    classification: Classification;
  };
  /** In a merged report (`pinprick report merge`): the shard, `i/n`, that ran it. */
  shard?: string;
}

/** Options of {@link runSuite}. */
export interface RunOptions {
  opened: OpenedWorld;
  scenarios: Scenario[];
  profile: ResolvedProfile;
  /** Command template with {url} {host} {port} {proxy} {cafile} {pins} {pinsJson} {profile} {reportUri} {configUrl} {configKey} {configState} {configDevice}. */
  client: string;
  /** Per client run. */
  timeoutMs?: number;
  graceMs?: number;
  /**
   * Folder for per-scenario trust files ({cafile}); the caller's: made if missing, never removed.
   * Default: a fresh private folder ({@link makeWorkDir}) removed when the run ends.
   */
  workDir?: string;
  /** Scenarios run at once, each worker with its own proxy ports (default 1). */
  parallel?: number;
  onResult?: (r: ScenarioResult, index: number, total: number) => void;
}

/**
 * A fresh private folder for a run's trust files: `mkdtemp` makes `$TMPDIR/pinprick-run-XXXXXX`
 * with a random name and mode 0700, so a folder someone else made (or a symlink) is never used
 * (issue 15, finding 2; a fixed /tmp/pinprick-run-<pid> was).
 */
export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'pinprick-run-'));
}

/** The work folder of one run: the caller's (made if missing, kept), or a private one removed by `done`. */
export function openWorkDir(given: string | undefined): { dir: string; done: () => void } {
  if (given === undefined) {
    const dir = makeWorkDir();
    return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
  }
  mkdirSync(given, { recursive: true, mode: 0o700 });
  return { dir: given, done: () => undefined };
}

/**
 * Write a new file without following a symlink or reusing a file found at its name: created
 * exclusively (`wx`: O_CREAT|O_EXCL, which fails on a symlink too). A file already there (this
 * run's own, when a manual run goes back to a scenario, or one planted) is unlinked, never
 * written through, and the file created again.
 */
function writeNewFile(path: string, data: string): void {
  try {
    writeFileSync(path, data, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    unlinkSync(path);
    writeFileSync(path, data, { flag: 'wx', mode: 0o644 });
  }
}

function runCommand(command: string, env: Record<string, string>, timeoutMs: number): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-2000)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole process group: sh and the client it started
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: killed ? null : code, stdout, stderr });
    });
  });
}

/** Scenarios of shard `i` of `n` (1-based): every n-th of the catalog's stable order, so shards never overlap. */
export function shard<T>(items: readonly T[], i: number, n: number): T[] {
  return items.filter((_, index) => index % n === i - 1);
}

/**
 * What a run executes, in order: the catalog's calibration scenarios first, in every selection and
 * every shard (without them a rejection proves nothing), then the selected scenarios, sharded
 * when asked (calibration is not sharded: each shard runs and reports it once).
 */
export function planRun(catalog: readonly Scenario[], selected: readonly Scenario[], shardOf?: { i: number; n: number }): Scenario[] {
  const calibration = catalog.filter((s) => s.category === 'calibration');
  const rest = selected.filter((s) => s.category !== 'calibration');
  return [...calibration, ...(shardOf ? shard(rest, shardOf.i, shardOf.n) : rest)];
}

/** One scenario made ready on a proxy: what the client is given and what a correct client does. */
export interface PreparedScenario {
  scenario: Scenario;
  presented: PresentedScenario;
  expected: Verdict;
  /** Placeholder values ({url}, {host}, …). */
  values: Record<string, string>;
  /** The same as PINPRICK_* environment variables. */
  env: Record<string, string>;
  /** Last verdict and pin-failure report ids before the scenario started: what comes after is its own. */
  lastVerdictId: number;
  lastPinReportId: number;
  lastFetchId: number;
  lastConfigFetchId: number;
  started: number;
  /** The world's keys by name, for a POLICY-RISK fix that names them. */
  keys: NamedKey[];
}

/** Switch the proxy to a scenario, write its trust file, and work out the placeholders and the expectation. */
export async function prepareScenario(proxy: RunningProxy, opened: OpenedWorld, scenario: Scenario, profile: ResolvedProfile, workDir: string): Promise<PreparedScenario> {
  const world = opened.world;
  const presented = await presentScenario(opened, scenario);
  proxy.use(presented);
  const expected = expectScenario(presented, profile, world);
  const anchors = presented.trust ?? profile.trust.map((n) => world.cert(n));
  const cafile = join(workDir, `${scenario.id}.ca.pem`);
  writeNewFile(cafile, anchors.map((c) => pemOf(c.der, 'CERTIFICATE')).join(''));
  const host = presented.hosts[0]!;
  // {pins} and {pinsJson} are the pins a correct client applies to the URL's host: empty when
  // the profile does not pin it (the calibration canary), for clients whose pin option is not
  // host-scoped (curl --pinnedpubkey). The whole policy is {profile}, for clients that scope
  // pins themselves.
  // SHA-1 pins (OkHttp's legacy sha1/) have no place in curl's list: they are in {profile} only.
  const hostPins = (ruleFor(profile, host)?.rule.pins ?? []).filter((p) => p.hash === 'sha256').map((p) => p.value);
  const profileFile = join(workDir, `${scenario.id}.profile.json`);
  writeNewFile(profileFile, profileJson(profile));
  // The configuration channel (dynamic scenarios): the public key the app embeds, and its state
  // file seeded with the configuration it kept from its previous launch (see seedConfigState).
  // Outside them, as {configUrl}, empty: no files a static scenario does not use.
  const configKey = presented.config ? join(workDir, `${scenario.id}.config-key.pem`) : '';
  const configState = presented.config ? join(workDir, `${scenario.id}.config-state`) : '';
  if (presented.config) {
    writeNewFile(configKey, createPublicKey(world.key('config-signing').key).export({ type: 'spki', format: 'pem' }) as string);
    writeNewFile(configState, presented.config.lastGood);
  }
  const values = {
    url: `https://${host}:${proxy.tlsPort}/pinprick/${scenario.id}`,
    host,
    port: String(proxy.tlsPort),
    proxy: `http://${proxy.host}:${proxy.proxyPort}`,
    cafile,
    pins: curlPinList(hostPins),
    pinsJson: JSON.stringify(hostPins),
    profile: profileFile,
    reportUri: proxy.reportUri,
    configUrl: presented.config?.url ?? '',
    configKey,
    configState,
    configDevice: APP_DEVICE,
  };
  const env = {
    PINPRICK_SCENARIO: scenario.id,
    PINPRICK_URL: values.url,
    PINPRICK_HOST: host,
    PINPRICK_PORT: values.port,
    PINPRICK_PROXY: values.proxy,
    PINPRICK_CAFILE: cafile,
    PINPRICK_PINS: values.pins,
    PINPRICK_PINS_JSON: values.pinsJson,
    PINPRICK_PROFILE: profileFile,
    PINPRICK_REPORT_URI: values.reportUri,
    PINPRICK_CONFIG_URL: values.configUrl,
    PINPRICK_CONFIG_KEY: configKey,
    PINPRICK_CONFIG_STATE: configState,
    PINPRICK_CONFIG_DEVICE: APP_DEVICE,
  };
  return {
    scenario,
    presented,
    expected,
    values,
    env,
    keys: namedKeys(world),
    lastVerdictId: proxy.verdicts.lastId,
    lastPinReportId: proxy.reports.lastId,
    lastFetchId: proxy.fetches.lastId,
    lastConfigFetchId: proxy.configFetches.lastId,
    started: Date.now(),
  };
}

/** The host a connection asked for: its SNI, else its CONNECT target's host; undefined if neither. */
export function hostAskedFor(v: ConnectionVerdict): string | undefined {
  if (v.sni) return v.sni;
  if (!v.target) return undefined;
  const m = /^\[(.*)\]:\d+$/.exec(v.target) ?? /^(.*):\d+$/.exec(v.target);
  return m?.[1];
}

/**
 * A verdict recorded for this scenario since it started, on a connection for one of its hosts. A
 * phone makes dozens of unrelated connections, and a client sent to the direct TLS port for
 * another name still gets the scenario's chain: neither says anything about the scenario. (A
 * connection that names no host at all, no SNI and no CONNECT, counts.) The connection that
 * fetches a dynamic scenario's configuration over https is not one of them: it names the
 * configuration host, and its record names no scenario (the scenario's chain was not served).
 */
export function isVerdictOf(p: PreparedScenario): (v: ConnectionVerdict) => boolean {
  return (v) => {
    if (v.scenario !== p.scenario.id || v.id <= p.lastVerdictId) return false;
    const host = hostAskedFor(v);
    return host === undefined || p.presented.hosts.includes(host);
  };
}

/**
 * The whole pin policy as a client configures it (format `pinprick-profile/1`): host patterns,
 * pins (base64 SHA-256 of the SPKI, with labels), expiration, enforcement.
 */
export function profileJson(profile: ResolvedProfile): string {
  return (
    JSON.stringify(
      {
        format: 'pinprick-profile/2',
        id: profile.id,
        rules: profile.rules.map(ruleJson),
        combine: profile.combine ?? 'most-specific',
        ...(profile.platform ? { platform: profile.platform } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

function ruleJson(rule: PinRule) {
  return {
    hosts: rule.domains.map((d) => ({ pattern: d.pattern, includeSubdomains: d.includeSubdomains ?? false })),
    pins: rule.pins.map(chainPin),
    ...(rule.expiration ? { expiration: rule.expiration.toISOString().slice(0, 10) } : {}),
    enforce: rule.enforce,
    // A carve-out (Android, TrustKit): these hosts are not pinned even where a broader rule covers them.
    ...(rule.exempt ? { exempt: true } : {}),
  };
}

/** Whether the profile pins at least one of the scenario's hosts. */
export function profileCovers(profile: ResolvedProfile, hosts: readonly string[]): boolean {
  return hosts.some((h) => ruleFor(profile, h) !== undefined);
}

/**
 * An attack on hosts the profile does not pin tests nothing: a correct client without pins for
 * the host accepts the rogue chain, so "expected accept ... PASS" would turn the attack green (a
 * typo in the profile's `hosts:` does that silently). INCONCLUSIVE instead, saying why.
 */
function uncoveredAttack(p: PreparedScenario, profile: ResolvedProfile): Classification | undefined {
  if (p.scenario.category !== 'attack' || profileCovers(profile, p.presented.hosts)) return undefined;
  return {
    outcome: 'INCONCLUSIVE',
    observed: 'unknown',
    reason: `profile ${profile.id} pins none of this scenario's hosts (${p.presented.hosts.join(', ')}): an attack on a host without pins tests nothing`,
  };
}

/** Put together what was observed: the first connection's verdict, the reports, and the classification. */
export function scenarioResult(
  proxy: RunningProxy,
  p: PreparedScenario,
  profile: ResolvedProfile,
  observation: Observation,
  run: { command: string; stdout?: string; stderr?: string; classification?: Classification },
): ScenarioResult {
  const { scenario, expected } = p;
  const fetched = proxy.fetches
    .recent()
    .filter((f) => f.id > p.lastFetchId && f.scenario === scenario.id)
    .map((f) => ({ url: f.url, certificate: f.certificate, via: f.via }));
  const api = run.classification ?? uncoveredAttack(p, profile) ?? classify(scenario.category, expected, observation, policyFix(expected, p.keys, new Set(profile.rules.flatMap((r) => r.pins).filter((x) => x.hash === 'sha256').map((x) => x.value))));
  const channel = p.presented.config;
  const configChannel = channel && {
    serve: channel.serve,
    shape: channel.shape,
    url: channel.url,
    expected: { source: channel.expected.source, version: channel.expected.config.version },
    ...(observation.config ? { reported: observation.config } : {}),
    fetches: proxy.configFetches.recent().filter((f) => f.id > p.lastConfigFetchId && f.scenario === scenario.id).length,
    classification: classifyConfig({ source: channel.expected.source, version: channel.expected.config.version, serve: channel.serve }, observation.config),
  };
  return {
    id: scenario.id,
    title: scenario.title,
    category: scenario.category,
    expected: {
      verdict: expected.expected,
      code: expected.code,
      reason: expected.reason,
      ...(expected.either ? { either: { divergence: expected.either.divergence, accept: expected.either.accept, reject: expected.either.reject, lenientCode: expected.either.lenient.code } } : {}),
    },
    ...(observation.wire ? { wire: observation.wire } : {}),
    ...(observation.exitCode !== undefined ? { exitCode: observation.exitCode } : {}),
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    command: run.command,
    durationMs: Date.now() - p.started,
    // A dynamic scenario is judged on both channels (README: Dynamic pinning).
    classification: configChannel && !run.classification ? combineChannels(api, configChannel.classification) : api,
    chain: chainPicture(p.presented, expected, profile),
    reports: proxy.reports.recent().filter((r) => r.id > p.lastPinReportId && r.scenario === scenario.id),
    ...(fetched.length ? { fetched } : {}),
    ...(configChannel ? { configChannel } : {}),
  };
}

/**
 * Run the scenarios against a client command, through a proxy switched per scenario (one proxy per
 * parallel worker), and classify each run against the reference model. Results keep the input order.
 */
export async function runSuite(options: RunOptions): Promise<ScenarioResult[]> {
  // Before anything runs: a placeholder quoted again would be unquoted by the fill (see templateProblem).
  const problem = templateProblem(options.client);
  if (problem) throw new InputError(`client: ${problem}`);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const graceMs = options.graceMs ?? 2_000;
  const work = openWorkDir(options.workDir);
  try {
    return await runPhases(options, work.dir, timeoutMs, graceMs);
  } finally {
    work.done();
  }
}

async function runPhases(options: RunOptions, workDir: string, timeoutMs: number, graceMs: number): Promise<ScenarioResult[]> {
  const { opened, profile } = options;
  const results: ScenarioResult[] = new Array(options.scenarios.length);
  let finished = 0;
  // Calibration first, on its own: its outcome decides what every later rejection means, so each
  // progress line (onResult) can give the final outcome.
  const order = options.scenarios.map((_, i) => i);
  const first = order.filter((i) => options.scenarios[i]!.category === 'calibration');
  const then = order.filter((i) => options.scenarios[i]!.category !== 'calibration');
  let state: CalibrationState | undefined;
  const settle = (r: ScenarioResult) => (state === undefined ? r : calibrated(r, state));
  const runPhase = async (indices: number[], parallel: number) => {
    let next = 0;
    // Each worker owns one proxy and takes the next scenario from the shared queue, so N workers
    // never share ports and a verdict is always matched to the worker's own scenario.
    const worker = async () => {
      if (next >= indices.length) return;
      // The world issues the leaf of a dynamic scenario's https configuration host.
      const proxy = await startProxy({ scenario: await presentScenario(opened, options.scenarios[indices[next]!]!), graceMs, world: opened.world });
      try {
        while (next < indices.length) {
          const index = indices[next++]!;
          const p = await prepareScenario(proxy, opened, options.scenarios[index]!, profile, workDir);
          const command = fillTemplate(options.client, p.values);
          const run = await runCommand(command, p.env, timeoutMs);
          // The verdict of a connection closed at exit lands a moment later: wait for it, bounded.
          const isOurs = isVerdictOf(p);
          let wire = proxy.verdicts.recent().find(isOurs);
          if (!wire) wire = await proxy.verdicts.next(isOurs, { timeoutMs: graceMs + 1_000 }).catch(() => undefined);
          const said = /^\s*(ACCEPT|OK)\b/m.test(run.stdout) ? 'accept' : /^\s*(REJECT|FAIL)\b/m.test(run.stdout) ? 'reject' : undefined;
          const config = parseConfigLine(run.stdout);
          const observation: Observation = { wire, exitCode: run.exitCode, output: `${run.stdout}\n${run.stderr}`, ...(said ? { said } : {}), ...(config ? { config } : {}) };
          const result = settle(scenarioResult(proxy, p, profile, observation, { command, stdout: run.stdout, stderr: run.stderr }));
          results[index] = result;
          options.onResult?.(result, finished++, options.scenarios.length);
        }
      } finally {
        await proxy.close();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, indices.length)) }, worker));
  };
  await runPhase(first, 1);
  state = calibrationState(first.map((i) => results[i]!));
  await runPhase(then, options.parallel ?? 1);
  return applyCalibration(results);
}
