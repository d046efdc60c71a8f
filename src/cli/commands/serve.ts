import { isIP } from 'node:net';
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { printable } from '../../printable.js';
import { expectScenario } from '../../scenario/expect.js';
import { startControl, type ControlStatus } from '../../proxy/control.js';
import { DEFAULT_LIMITS } from '../../proxy/connection.js';
import { DEFAULT_LEAF_CACHE_SIZE } from '../../proxy/leaf-cache.js';
import { DEFAULT_WINDOW, startProxy } from '../../proxy/server.js';
import { statusText } from '../../report/status.js';
import { pinReportLine, verdictLine } from '../../report/verdict-line.js';
import { presentScenario, type PresentedScenario } from '../../scenario/materialize.js';
import { loadAnyProfile } from '../../policy/load-profile.js';
import { findScenario, type Scenario } from '../../scenario/scenario.js';
import { out, warn } from '../output.js';
import { readControlState, removeControlState, runtimeDir, writeControlState } from '../runtime-dir.js';
import { catalogFromArgs, type ScenarioArgs } from './scenarios.js';
import { openFromArgs, type WorldArgs } from './world.js';

interface ServeArgs extends ScenarioArgs {
  scenario: string;
  profile?: string;
  listen: string;
  'proxy-port': number;
  'tls-port': number;
  'control-port': number;
  grace: number;
  'head-timeout': number;
  'handshake-timeout': number;
  'tunnel-idle': number;
  'max-connections'?: number;
  window: number;
  'report-window': number;
  'leaf-cache': number;
  log: string;
  'report-log'?: string;
  upstream?: string[];
  'intercept-all'?: boolean;
}

/** The pin-failure report log beside a verdict log: `reports/verdicts.jsonl` -> `reports/verdicts.pin-reports.jsonl`. */
export function reportLogBeside(verdictLog: string): string {
  // A device (/dev/null, /dev/full) takes both logs: there is no folder to put a second file in.
  if (verdictLog.startsWith('/dev/')) return verdictLog;
  return `${verdictLog.replace(/\.jsonl$/, '')}.pin-reports.jsonl`;
}

function parseUpstreams(values: string[] | undefined): Record<string, { host: string; port: number }> {
  const map: Record<string, { host: string; port: number }> = {};
  for (const v of values ?? []) {
    const m = /^([^=\s]+)=(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(v);
    if (!m) throw new InputError(`--upstream '${v}': expected HOST=ADDR:PORT`);
    map[m[1]!] = { host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
  }
  return map;
}

const serve: CommandModule<WorldArgs, ServeArgs> = {
  command: 'serve',
  describe: 'Run the intercepting proxy: an HTTP CONNECT proxy and a direct TLS listener presenting a scenario chain, one verdict per connection',
  builder: (y) =>
    y
      .option('scenarios', { type: 'string', array: true, describe: 'Extra folder(s) of scenario files' })
      .option('scenario', { alias: 's', type: 'string', default: 'control-genuine', describe: 'Scenario to present at start' })
      .option('profile', { alias: 'p', type: 'string', describe: 'Pin profile of the client under test: each record says what a correct client does (expected), and marks a client that did otherwise (mismatch; MISMATCH on the console)' })
      .option('listen', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (anything but loopback exposes the proxy to your network)' })
      .option('proxy-port', { type: 'number', default: 8080, describe: 'Explicit HTTP proxy port (CONNECT and plain HTTP); 0 = any' })
      .option('tls-port', { type: 'number', default: 8443, describe: 'Direct TLS port (SNI picks the chain); 0 = any' })
      .option('control-port', { type: 'number', default: 8081, describe: 'Control API port; 0 = any' })
      .option('grace', { type: 'number', default: DEFAULT_LIMITS.graceMs, describe: 'ms after the handshake for the client to send data or close' })
      .option('head-timeout', { type: 'number', default: DEFAULT_LIMITS.headTimeoutMs, describe: 'ms for a client of the proxy port to send its whole request head (CONNECT or plain HTTP)' })
      .option('handshake-timeout', { type: 'number', default: DEFAULT_LIMITS.handshakeTimeoutMs, describe: 'ms from the start of TLS to a completed handshake, ClientHello included' })
      .option('tunnel-idle', { type: 'number', default: DEFAULT_LIMITS.tunnelIdleMs, describe: 'ms with no traffic either way after which a tunnel or forwarded connection is closed' })
      .option('max-connections', { type: 'number', describe: 'Open client connections at most; past it new ones are closed and recorded as dropped (default: from ulimit -n)' })
      .option('window', { type: 'number', default: DEFAULT_WINDOW.verdicts, describe: 'Recent verdicts kept in memory (older ones are read back from --log)' })
      .option('report-window', { type: 'number', default: DEFAULT_WINDOW.reports, describe: 'Recent pin-failure reports kept in memory (older ones are read back from --report-log)' })
      .option('leaf-cache', { type: 'number', default: DEFAULT_LEAF_CACHE_SIZE, describe: 'With --intercept-all: per-host leaves kept (least recently used go first)' })
      .option('log', { type: 'string', default: 'reports/verdicts.jsonl', describe: 'JSONL file, one verdict per line, written as each connection ends its verdict' })
      .option('report-log', { type: 'string', describe: 'JSONL file for pin-failure reports (default: beside --log, NAME.pin-reports.jsonl)' })
      .check((a) => {
        for (const name of ['proxy-port', 'tls-port', 'control-port'] as const) {
          const v = a[name];
          if (!Number.isInteger(v) || v < 0 || v > 65535) throw new InputError(`--${name} ${v}: expected a port from 0 to 65535`);
        }
        for (const name of ['grace', 'head-timeout', 'handshake-timeout', 'tunnel-idle', 'window', 'report-window', 'leaf-cache'] as const) {
          const v = a[name];
          if (!Number.isFinite(v) || v < 1) throw new InputError(`--${name} ${v}: expected a positive number`);
        }
        const max = a['max-connections'];
        if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new InputError(`--max-connections ${max}: expected a positive whole number`);
        return true;
      })
      .option('upstream', { type: 'string', array: true, describe: 'HOST=ADDR:PORT: after the client accepts, forward HOST to this real server (TLS), so the app keeps working' })
      .option('intercept-all', { type: 'boolean', describe: 'Intercept hosts outside the scenario too, with a per-host leaf from the world (default: tunnel them untouched)' })
      .example('$0 serve --scenario attack-pin-stuffing', 'Proxy on 127.0.0.1:8080, direct TLS on 127.0.0.1:8443')
      .example('curl --proxy http://127.0.0.1:8080 --cacert ca-export/pinprick-default-roots.pem https://api.pinprick.test/', 'A client through the proxy')
      .example('curl --resolve api.pinprick.test:8443:127.0.0.1 https://api.pinprick.test:8443/', 'A client redirected to the direct listener'),
  handler: async (args) => {
    if (isIP(args.listen) === 0 && args.listen !== 'localhost') throw new InputError(`--listen '${args.listen}': expected an IP address`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(args.listen)) warn(`listening on ${args.listen}: other machines can use this proxy and its test CAs`);
    // Before anything starts: a runtime folder another user could read or plant in is refused (issue 15).
    const runtime = runtimeDir({ create: true });
    const opened = await openFromArgs(args);
    const catalog = catalogFromArgs(args, opened.world.spec);
    const present = (s: Scenario) => presentScenario(opened, s);
    const profile = args.profile ? loadAnyProfile(args.profile, opened.world) : undefined;
    const reportLog = args['report-log'] ?? reportLogBeside(args.log);
    const proxy = await startProxy({
      scenario: await present(findScenario(catalog, args.scenario)),
      host: args.listen,
      proxyPort: args['proxy-port'],
      tlsPort: args['tls-port'],
      graceMs: args.grace,
      headTimeoutMs: args['head-timeout'],
      handshakeTimeoutMs: args['handshake-timeout'],
      tunnelIdleMs: args['tunnel-idle'],
      ...(args['max-connections'] ? { maxConnections: args['max-connections'] } : {}),
      window: { verdicts: args.window, reports: args['report-window'] },
      leafCacheSize: args['leaf-cache'],
      upstreams: parseUpstreams(args.upstream),
      interceptAll: args['intercept-all'],
      world: opened.world,
      // The model runs once per scenario and host, when a scenario is presented; each record carries the answer.
      ...(profile ? { expect: { profile: profile.id, of: (s: PresentedScenario, host: string) => expectScenario(s, profile, opened.world, host) } } : {}),
      log: { verdicts: args.log, reports: reportLog },
      onLogFailure: (f) => warn(`cannot write ${f.path} (${f.error}): records from now on are kept in memory only (the last ${args.window}); the proxy goes on serving`),
      onOverload: (limit) => warn(`${limit} connections are open, the limit: new ones are closed at accept and recorded as dropped (raise it with --max-connections and ulimit -n)`),
    });
    let control: Awaited<ReturnType<typeof startControl>>;
    try {
      control = await startControl({
        proxy,
        catalog,
        present,
        world: opened.world,
        host: '127.0.0.1',
        port: args['control-port'],
        // Every switch is said, so a QA log shows which scenario each later verdict belongs to.
        onSwitch: (from, to) => out(`${new Date().toISOString().slice(11, 23)} scenario: ${from} -> ${to} (switched over the control API)`),
      });
    } catch (err) {
      // All or nothing: a control port that cannot be bound stops the proxy too.
      await proxy.close();
      throw err;
    }
    let statePath: string;
    try {
      statePath = writeControlState(runtime.dir, { url: `http://127.0.0.1:${control.port}`, token: control.token, pid: process.pid });
    } catch (err) {
      await control.close();
      await proxy.close();
      throw err;
    }
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    proxy.verdicts.subscribe((v) => out(verdictLine(v, { color })));
    proxy.reports.subscribe((r) => out(pinReportLine(r)));
    proxy.fetches.subscribe((f) => out(`fetched: ${f.certificate} at ${f.url} (a caIssuers fetch, scenario ${f.scenario}, ${f.via === 'proxy' ? 'through the proxy' : 'sent to the proxy port directly'})`));
    const s = proxy.scenario();
    out(`pinprick: scenario ${s.scenario.id} (${s.scenario.title}) for ${s.hosts.join(', ')}`);
    out(`  HTTP proxy:  http://${proxy.host}:${proxy.proxyPort}   (CONNECT and plain HTTP)`);
    out(`  direct TLS:  ${proxy.host}:${proxy.tlsPort}   (e.g. curl --resolve ${s.hosts[0]}:${proxy.tlsPort}:127.0.0.1 https://${s.hosts[0]}:${proxy.tlsPort}/)`);
    out(`  reports:     ${proxy.reportUri}   (HPKP report-uri / TrustKit reportUris)`);
    out(`  control API: http://127.0.0.1:${control.port}   token: ${control.token}`);
    out(`  CA bundle:   http://127.0.0.1:${control.port}/ca.pem`);
    out(`  logs:        ${args.log} (verdicts)   ${reportLog} (pin-failure reports)`);
    out('  switch scenario: pinprick use <id>    stop: Ctrl-C');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await control.close();
    await proxy.close();
    removeControlState(statePath, control.token);
  },
};

/** Options naming a running serve's control API; by default what that serve recorded (see {@link readControlState}). */
interface ControlArgs extends WorldArgs {
  control?: string;
  token?: string;
}

/** Bound on each call to the control API: it answers on loopback at once, or not at all. */
const CONTROL_TIMEOUT_MS = 5_000;

/** The control API to talk to: `--control`/`--token`, else the address and token the running serve recorded. */
function controlTarget(args: ControlArgs, needsToken: boolean): { url?: string; token?: string; pid?: number; from?: string; path?: string } {
  // With what is needed given, the state file is not read (and a bad one does not stand in the way).
  if (args.control !== undefined && (args.token !== undefined || !needsToken)) return { url: args.control, token: args.token };
  const { path, state = {} } = readControlState();
  const url = args.control ?? state.url;
  return { url, token: args.token ?? state.token, path, ...(args.control === undefined && state.url ? { pid: state.pid, from: path } : {}) };
}

/** Call the control API; a serve that does not answer is one line saying so. */
async function callControl(target: { url: string; pid?: number; from?: string }, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${target.url}${path}`, { ...init, signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
  } catch {
    const stale = target.from ? ` (the address in ${target.from}${target.pid !== undefined && !isRunning(target.pid) ? `, left by pid ${target.pid}, which has stopped` : ''})` : '';
    throw new InputError(`no running pinprick serve found: nothing answers at ${target.url}${stale}`);
  }
}

/** Whether a process with this id is alive (a process of another user counts). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const controlOptions = <T>(y: Argv<T>, token = 'Control token (default: the one the running serve recorded)') =>
  y
    .option('control', { type: 'string', describe: 'Control API URL (default: the one the running serve recorded in its runtime folder, $XDG_RUNTIME_DIR/pinprick or $TMPDIR/pinprick-<uid>)' })
    .option('token', { type: 'string', describe: token });

interface UseArgs extends ControlArgs {
  id: string;
}

const use: CommandModule<WorldArgs, UseArgs> = {
  command: 'use <id>',
  describe: 'Switch the scenario of a running `pinprick serve` (a client of its control API)',
  builder: (y) =>
    controlOptions(y)
      .positional('id', { type: 'string', demandOption: true })
      .example('$0 use attack-rogue-root', ''),
  handler: async (args) => {
    const { url, token, ...target } = controlTarget(args, true);
    if (!url || !token) throw new InputError('no running pinprick serve found: start one, or pass --control URL --token TOKEN');
    const res = await callControl({ url, ...target }, '/scenario', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: args.id }),
    });
    const body = (await res.json()) as { scenario?: string; error?: string };
    // The message is whatever answered at the control URL: escaped like all peer text.
    if (!res.ok) throw new InputError(`control API: ${body.error === undefined ? res.status : printable(String(body.error), { max: 512 })}`);
    out(`now presenting ${body.scenario}`);
  },
};

interface StatusArgs extends ControlArgs {
  json?: boolean;
}

const status: CommandModule<WorldArgs, StatusArgs> = {
  command: 'status',
  describe: 'What a running `pinprick serve` is doing: scenario, addresses, profile, counts (mismatches too), logs',
  builder: (y) =>
    controlOptions(y, 'Control token: not needed (GET /status is open), accepted as pinprick use takes it')
      .option('json', { type: 'boolean', describe: 'Print GET /status as it came (JSON)' })
      .example('$0 status', 'The serve started on this machine by this user')
      .example('$0 status --json | jq .verdictsByKind', 'Counts by kind, for a script'),
  handler: async (args) => {
    // GET /status is open (the token guards changes only): the address is enough.
    const { url, path, ...target } = controlTarget(args, false);
    if (!url) throw new InputError(`no running pinprick serve found: ${path} does not exist; start pinprick serve, or pass --control URL`);
    const res = await callControl({ url, ...target }, '/status');
    const text = await res.text();
    let body: ControlStatus;
    try {
      body = JSON.parse(text) as ControlStatus;
    } catch {
      body = {} as ControlStatus;
    }
    if (!res.ok || !body.scenario || !body.listen) throw new InputError(`${url}/status answered ${res.status} without a pinprick status: is that a pinprick serve's control API?`);
    out(args.json ? text : statusText(body, url));
  },
};

export const serveCommand = serve;
export const useCommand = use;
export const statusCommand = status;
