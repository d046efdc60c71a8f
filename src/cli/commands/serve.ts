import { writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { expectScenario } from '../../model/index.js';
import { startControl } from '../../proxy/control.js';
import { startProxy } from '../../proxy/server.js';
import { jsonlSink, pinReportLine, verdictLine } from '../../report/verdict-line.js';
import { presentScenario } from '../../scenario/materialize.js';
import { findProfile, resolveProfile } from '../../scenario/profile.js';
import { findScenario, type Scenario } from '../../scenario/scenario.js';
import { out, warn } from '../output.js';
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
  log: string;
  upstream?: string[];
  'intercept-all'?: boolean;
}

/** Where `serve` leaves its control address and token for `pinprick use` (mode 0600, per user). */
export function controlStatePath(): string {
  return join(tmpdir(), `pinprick-control-${process.getuid?.() ?? 'user'}.json`);
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
      .option('profile', { alias: 'p', type: 'string', describe: 'Pin profile of the client: shows the expected verdict next to each connection' })
      .option('listen', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (anything but loopback exposes the proxy to your network)' })
      .option('proxy-port', { type: 'number', default: 8080, describe: 'Explicit HTTP proxy port (CONNECT and plain HTTP); 0 = any' })
      .option('tls-port', { type: 'number', default: 8443, describe: 'Direct TLS port (SNI picks the chain); 0 = any' })
      .option('control-port', { type: 'number', default: 8081, describe: 'Control API port; 0 = any' })
      .option('grace', { type: 'number', default: 3000, describe: 'ms after the handshake for the client to send data or close' })
      .option('log', { type: 'string', default: 'reports/verdicts.jsonl', describe: 'JSONL file, one verdict per line, flushed per record' })
      .option('upstream', { type: 'string', array: true, describe: 'HOST=ADDR:PORT: after the client accepts, forward HOST to this real server (TLS), so the app keeps working' })
      .option('intercept-all', { type: 'boolean', describe: 'Intercept hosts outside the scenario too, with a per-host leaf from the world (default: tunnel them untouched)' })
      .example('$0 serve --scenario attack-pin-stuffing', 'Proxy on 127.0.0.1:8080, direct TLS on 127.0.0.1:8443')
      .example('curl --proxy http://127.0.0.1:8080 --cacert ca-export/pinprick-default-roots.pem https://api.pinprick.test/', 'A client through the proxy')
      .example('curl --resolve api.pinprick.test:8443:127.0.0.1 https://api.pinprick.test:8443/', 'A client redirected to the direct listener'),
  handler: async (args) => {
    if (isIP(args.listen) === 0 && args.listen !== 'localhost') throw new InputError(`--listen '${args.listen}': expected an IP address`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(args.listen)) warn(`listening on ${args.listen}: other machines can use this proxy and its test CAs`);
    const opened = await openFromArgs(args);
    const catalog = catalogFromArgs(args, opened.world.spec);
    const present = (s: Scenario) => presentScenario(opened, s);
    const profile = args.profile ? resolveProfile(findProfile(args.profile, opened.world.spec), opened.world) : undefined;
    const proxy = await startProxy({
      scenario: await present(findScenario(catalog, args.scenario)),
      host: args.listen,
      proxyPort: args['proxy-port'],
      tlsPort: args['tls-port'],
      graceMs: args.grace,
      upstreams: parseUpstreams(args.upstream),
      interceptAll: args['intercept-all'],
      world: opened.world,
    });
    const control = await startControl({ proxy, catalog, present, world: opened.world, host: '127.0.0.1', port: args['control-port'] });
    const statePath = controlStatePath();
    writeFileSync(statePath, JSON.stringify({ url: `http://127.0.0.1:${control.port}`, token: control.token, pid: process.pid }), { mode: 0o600 });
    proxy.verdicts.subscribe(jsonlSink(args.log));
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    proxy.verdicts.subscribe((v) => {
      let line = verdictLine(v, { color });
      if (profile) {
        const expected = expectScenario(proxy.scenario(), profile, opened.world);
        line += `  (a correct ${profile.id} client: ${expected.expected}, ${expected.code})`;
      }
      out(line);
    });
    proxy.reports.subscribe((r) => out(pinReportLine(r)));
    const s = proxy.scenario();
    out(`pinprick: scenario ${s.scenario.id} (${s.scenario.title}) for ${s.hosts.join(', ')}`);
    out(`  HTTP proxy:  http://${proxy.host}:${proxy.proxyPort}   (CONNECT and plain HTTP)`);
    out(`  direct TLS:  ${proxy.host}:${proxy.tlsPort}   (e.g. curl --resolve ${s.hosts[0]}:${proxy.tlsPort}:127.0.0.1 https://${s.hosts[0]}:${proxy.tlsPort}/)`);
    out(`  reports:     ${proxy.reportUri}   (HPKP report-uri / TrustKit reportUris)`);
    out(`  control API: http://127.0.0.1:${control.port}   token: ${control.token}`);
    out(`  CA bundle:   http://127.0.0.1:${control.port}/ca.pem   verdict log: ${args.log}`);
    out('  switch scenario: pinprick use <id>    stop: Ctrl-C');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await control.close();
    await proxy.close();
    if (existsSync(statePath)) rmSync(statePath, { force: true });
  },
};

interface UseArgs extends WorldArgs {
  id: string;
  control?: string;
  token?: string;
}

const use: CommandModule<WorldArgs, UseArgs> = {
  command: 'use <id>',
  describe: 'Switch the scenario of a running `pinprick serve` (a client of its control API)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('control', { type: 'string', describe: 'Control API URL (default: the one the running serve recorded)' })
      .option('token', { type: 'string', describe: 'Control token (default: the one the running serve recorded)' })
      .example('$0 use attack-rogue-root', ''),
  handler: async (args) => {
    let state: { url?: string; token?: string } = {};
    if (existsSync(controlStatePath())) state = JSON.parse(readFileSync(controlStatePath(), 'utf8'));
    const url = args.control ?? state.url;
    const token = args.token ?? state.token;
    if (!url || !token) throw new InputError('no running pinprick serve found: start one, or pass --control URL --token TOKEN');
    let res: Response;
    try {
      res = await fetch(`${url}/scenario`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: args.id }) });
    } catch {
      throw new InputError(`cannot reach the control API at ${url}: is pinprick serve running?`);
    }
    const body = (await res.json()) as { scenario?: string; error?: string };
    if (!res.ok) throw new InputError(`control API: ${body.error ?? res.status}`);
    out(`now presenting ${body.scenario}`);
  },
};

export const serveCommand = serve;
export const useCommand = use;
