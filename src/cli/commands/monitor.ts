import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { readBounded, TooLargeError, tooLargeMessage } from '../../input-files.js';
import { namedKeys } from '../../harness/policy-fix.js';
import { packageInfo } from '../../lint/package-info.js';
import { publicRoots } from '../../lint/served.js';
import { endpointHost, endpointLabel, MAX_ENDPOINTS_FILE_BYTES, parseEndpoint, parseEndpointsFile, type Endpoint } from '../../monitor/endpoints.js';
import { runMonitor } from '../../monitor/monitor.js';
import { probeEndpoint } from '../../monitor/probe.js';
import { DEFAULT_STATE_FILE } from '../../monitor/state.js';
import { DEFAULT_DELIVERY, MAX_RETRIES, parseWebhookUrl, webhookName } from '../../monitor/webhook.js';
import { loadAnyProfileWithFormat } from '../../policy/load-profile.js';
import { printable } from '../../printable.js';
import { parseProxyAddress } from '../../proxy/served-chain.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates } from '../../world/pem.js';
import { parseDuration } from '../../world/time.js';
import type { World } from '../../world/world.js';
import { out } from '../output.js';
import { openFromArgs, type WorldArgs } from './world.js';

interface MonitorArgs extends WorldArgs {
  endpoint?: string[];
  endpoints?: string;
  sni?: string;
  proxy?: string;
  profile: string;
  roots?: string;
  once?: boolean;
  interval: string;
  'warn-days': number;
  webhook?: string;
  'webhook-retries': number;
  'webhook-timeout': string;
  'webhook-backoff': string;
  state: string;
  json?: boolean;
  timeout: string;
  'max-probes'?: number;
}

/** `monitor --once`'s exit code when a signal stopped it before its probes ended. */
export const EXIT_INTERRUPTED = 130;

/** The endpoints of `--endpoint` (with `--sni`) and `--endpoints FILE`, each once. */
function endpointsFromArgs(args: MonitorArgs): Endpoint[] {
  if (args.sni !== undefined && !args.endpoint?.length) throw new InputError('--sni goes with --endpoint (in an endpoints file, write sni=NAME after the endpoint)');
  const given = (args.endpoint ?? []).map((e) => parseEndpoint(e, args.sni, '--endpoint'));
  let fromFile: Endpoint[] = [];
  if (args.endpoints !== undefined) {
    let text: string;
    try {
      text = readBounded(args.endpoints, MAX_ENDPOINTS_FILE_BYTES).toString('utf8');
    } catch (err) {
      if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(args.endpoints, 'an endpoints file', err));
      throw new InputError(`${args.endpoints}: cannot read the endpoints (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    fromFile = parseEndpointsFile(args.endpoints, text);
  }
  const all = [...given, ...fromFile];
  if (!all.length) throw new InputError('no endpoint to monitor: give --endpoint HOST:PORT (repeatable) or --endpoints FILE');
  const seen = new Set<string>();
  for (const e of all) {
    const label = endpointLabel(e);
    if (seen.has(label)) throw new InputError(`endpoint ${label} is given twice`);
    seen.add(label);
  }
  return all;
}

/**
 * The trust anchors: `--roots FILE` (or `--roots system`), else those of a pinprick profile (its
 * `trust:`, by default the world's trusted roots, as for `run`), else, for an app's own
 * configuration, which names no store, the roots Node ships (Mozilla's store).
 */
function anchorsFromArgs(args: MonitorArgs, world: World, profile: { trust: string[] }, isPinprickProfile: boolean): { anchors: Uint8Array[]; from: string } {
  if (args.roots === 'system' || (args.roots === undefined && !isPinprickProfile)) return { anchors: publicRoots().map((c) => c.der), from: 'the system store (Node\'s Mozilla roots)' };
  if (args.roots === undefined) return { anchors: profile.trust.map((name) => world.cert(name).der), from: `the profile's trust store (world ${world.name})` };
  let data: Buffer;
  try {
    data = readBounded(args.roots, MAX_CERTIFICATE_FILE_BYTES);
  } catch (err) {
    if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(args.roots, 'a certificate file', err));
    throw new InputError(`${args.roots}: cannot read the roots (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const anchors = parseCertificates(data).map((c) => c.raw);
    return { anchors, from: args.roots };
  } catch (err) {
    if (err instanceof NotCertificatesError) throw new InputError(`${args.roots}: not certificates (${err.message}); expected a PEM bundle or DER`);
    throw err;
  }
}

/**
 * The one value of an option given once. yargs makes a repeated option a list (`--interval 1s
 * --interval 2s`); which one was meant is not for pinprick to guess.
 */
function single<T>(value: T | T[], option: string): T {
  if (Array.isArray(value)) throw new InputError(`--${option} is given ${value.length} times: give it once`);
  return value;
}

function wholeNumber(value: number, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`--${option} ${value}: expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`);
  return value;
}

/** `pinprick monitor`. */
export const monitorCommand: CommandModule<WorldArgs, MonitorArgs> = {
  command: 'monitor',
  describe: 'Probe endpoints against a pin profile with the reference model: --once for cron and CI (exit 0 all pass, 1 one does not), or every --interval with a line per change, webhooks on failure and recovery, and expiry warnings',
  builder: (y) =>
    y
      .option('endpoint', { type: 'string', array: true, describe: 'HOST:PORT to probe (port 443 when absent; [IPv6]:PORT); repeatable' })
      .option('endpoints', { type: 'string', describe: 'File of endpoints: one `HOST:PORT [sni=NAME]` per line, # comments' })
      .option('sni', { type: 'string', describe: 'Server name to send to every --endpoint (default: its host, none for an IP); the chain must be for it and the profile is looked up by it' })
      .option('proxy', { type: 'string', describe: 'Reach the endpoints through this HTTP proxy (host:port or http://host:port, CONNECT)' })
      .option('profile', { alias: 'p', type: 'string', demandOption: true, describe: 'The app\'s pin policy: a shipped profile id or a file in any format pinprick reads (pinprick profile, Network Security Config, Info.plist, OkHttp source, HPKP header, ...)' })
      .option('roots', { type: 'string', describe: 'Trust anchors: a PEM bundle or DER file, or `system` (Node\'s Mozilla roots). Default: a pinprick profile\'s trust store (the world\'s roots), else the system store' })
      .option('once', { type: 'boolean', describe: 'Probe every endpoint once, print a line for each, and exit (0 all pass, 1 one does not)' })
      .option('interval', { type: 'string', default: '15m', describe: 'Time between rounds (500ms, 30s, 15m, 1h)' })
      .option('warn-days', { type: 'number', default: 30, describe: 'Warn when every pinned key\'s certificate expires within N days and no backup pin is announced (0: never)' })
      .option('webhook', { type: 'string', describe: 'POST a JSON body here on each failure, recovery and warning (http or https)' })
      .option('webhook-retries', { type: 'number', default: DEFAULT_DELIVERY.retries, describe: `Retries of a webhook event that is not delivered (0 to ${MAX_RETRIES}); waits double from --webhook-backoff` })
      .option('webhook-timeout', { type: 'string', default: '10s', describe: 'Deadline of each webhook attempt' })
      .option('webhook-backoff', { type: 'string', default: '1s', describe: 'Wait before the first webhook retry' })
      .option('state', { type: 'string', default: DEFAULT_STATE_FILE, describe: 'JSON file of what was last seen of each endpoint (mode 0600), so that a restart does not alert again' })
      .option('json', { type: 'boolean', describe: 'One JSON object per line: {time, endpoint, host, port, sni, status, previousStatus, code, reason, fix, warnings, pinsSeen}' })
      .option('timeout', { type: 'string', default: '10s', describe: 'Deadline of each probe' })
      .option('max-probes', { type: 'number', describe: 'Stop after this many rounds (a bounded watch, tests)' })
      .conflicts('once', 'max-probes')
      .epilog(
        'Exit codes: with --once, 0 when every endpoint passes the policy (warnings included), 1 when one fails it or cannot be reached, 130 when stopped by a signal before the probes ended; otherwise 0 after a stop (SIGINT, SIGTERM or --max-probes); 2 bad input (one line on stderr). ' +
          'Statuses: PASS, WARN (accepted, with a warning: expiry, unpinned-host, report-only, pins-expired), FAIL (a correct client with the profile rejects the chain), UNREACHABLE (no chain). ' +
          'A webhook that fails is reported on stderr, once per event, and monitoring goes on. See README "Monitoring" for the webhook body.',
      )
      .example('$0 monitor --endpoint api.example.com:443 --profile network_security_config.xml --once', 'CI or cron: exit 1 when the server sends a chain the app rejects')
      .example('$0 monitor --endpoints endpoints.txt --profile Info.plist --webhook https://hooks.example.com/pins --warn-days 45', 'Every 15 minutes; a webhook on each failure and recovery')
      .example('$0 monitor --endpoint 127.0.0.1:8443 --sni api.pinprick.test --profile intermediate-backup --interval 30s', 'Watch pinprick serve\'s direct TLS listener while scenarios are switched'),
  handler: async (args) => {
    const endpoints = endpointsFromArgs(args);
    for (const option of ['endpoints', 'sni', 'proxy', 'profile', 'roots', 'interval', 'warn-days', 'webhook', 'webhook-retries', 'webhook-timeout', 'webhook-backoff', 'state', 'timeout', 'max-probes'] as const) single(args[option], option);
    const proxy = args.proxy === undefined ? undefined : parseProxyAddress(args.proxy);
    if (args.proxy !== undefined && !proxy) throw new InputError(`--proxy '${args.proxy}': expected host:port or http://host:port`);
    const intervalMs = parseDuration(args.interval, '--interval');
    const timeoutMs = parseDuration(args.timeout, '--timeout');
    const warnDays = wholeNumber(args['warn-days'], 'warn-days', 0, 36_500);
    const maxProbes = args['max-probes'] === undefined ? undefined : wholeNumber(args['max-probes'], 'max-probes', 1);
    const webhook =
      args.webhook === undefined
        ? undefined
        : {
            url: parseWebhookUrl(args.webhook),
            delivery: {
              retries: wholeNumber(args['webhook-retries'], 'webhook-retries', 0, MAX_RETRIES),
              timeoutMs: parseDuration(args['webhook-timeout'], '--webhook-timeout'),
              backoffMs: parseDuration(args['webhook-backoff'], '--webhook-backoff'),
            },
          };
    const { world } = await openFromArgs(args);
    const { profile, format } = loadAnyProfileWithFormat(args.profile, world, [...new Set(endpoints.map(endpointHost))]);
    const { anchors, from } = anchorsFromArgs(args, world, profile, format === 'pinprick');
    const stateFile = args.state;
    const version = packageInfo().version;

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const say = (line: string) => process.stderr.write(`pinprick monitor: ${line}\n`);
    try {
      if (!args.once) {
        say(`${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, profile ${printable(profile.id)}, every ${args.interval}, trusting ${printable(from)}; state ${stateFile}${webhook ? `; webhook ${webhookName(webhook.url)}` : ''}`);
      }
      const summary = await runMonitor({
        endpoints,
        probe: (e) => probeEndpoint(e, { profile, anchors, keys: namedKeys(world), warnDays, ...(proxy ? { proxy } : {}), timeoutMs, signal: stop.signal }),
        stateFile,
        profile: profile.id,
        once: args.once ?? false,
        intervalMs,
        ...(maxProbes === undefined ? {} : { maxProbes }),
        ...(webhook ? { webhook } : {}),
        version,
        json: args.json ?? false,
        say: out,
        report: (line) => process.stderr.write(`pinprick: ${printable(line, { max: 4096 })}\n`),
        signal: stop.signal,
      });
      if (args.once) {
        // A --once stopped by a signal before its probes ended answers nothing: 130, as a shell reports
        // a command ended by SIGINT (128 + 2), neither a pass nor a finding.
        if (!summary.rounds) {
          say('stopped before the probes ended');
          process.exitCode = EXIT_INTERRUPTED;
        } else process.exitCode = summary.failing ? 1 : 0;
      } else say(`stopped after ${summary.rounds} round${summary.rounds === 1 ? '' : 's'}; state in ${stateFile}`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
