import type { CommandModule } from 'yargs';
import { InputError, PinprickError } from '../../errors.js';
import { readBounded, TooLargeError, tooLargeMessage } from '../../input-files.js';
import { distinctPins, hasError, lintPolicy, policyHosts, type ServedKeys } from '../../lint/rules.js';
import { packageInfo } from '../../lint/package-info.js';
import { sarifLog, type LintFileResult } from '../../lint/sarif.js';
import { publicRoots, servedKeys } from '../../lint/served.js';
import { bindHost, POLICY_FORMATS, type PolicyFormat } from '../../policy/format.js';
import { MAX_POLICY_FILE_BYTES, readPolicy } from '../../policy/registry.js';
import { printable } from '../../printable.js';
import { fetchServedChain, parseHostPort, parseTarget } from '../../proxy/served-chain.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates } from '../../world/pem.js';
import { out } from '../output.js';
import { parseAt } from './verify-batch.js';
import type { WorldArgs } from './world.js';

interface LintArgs extends WorldArgs {
  file: string[];
  format?: PolicyFormat;
  json?: boolean;
  sarif?: boolean;
  at?: string;
  against?: string;
  proxy?: string;
  sni?: string;
  chain?: string;
  host?: string;
  timeout: number;
}

/** Longest line of text output: a finding quotes file content (a pin, a host), bounded all the same. */
const MAX_LINE = 4096;

/** `HOST`, `HOST:PORT` or `[V6]:PORT`; port 443 when absent. */
function parseAgainst(text: string): { host: string; port: number } {
  const target = parseTarget(text);
  if (!target) throw new InputError(`--against '${text}': expected HOST, HOST:PORT or [IPv6]:PORT`);
  return target;
}

/** The chain of `--against` or `--chain`, when one is asked for. */
async function chainFromArgs(args: LintArgs): Promise<ServedKeys | undefined> {
  if (args.against !== undefined) {
    const target = parseAgainst(args.against);
    const proxy = args.proxy === undefined ? undefined : parseHostPort(args.proxy);
    if (args.proxy !== undefined && !proxy) throw new InputError(`--proxy '${args.proxy}': expected host:port`);
    const served = await fetchServedChain({ ...target, sni: args.sni, proxy, timeoutMs: args.timeout });
    const host = args.host ?? args.sni ?? target.host;
    return servedKeys(`${target.host}:${target.port}`, served.certificates, { host, roots: publicRoots() });
  }
  if (args.chain !== undefined) {
    let data: Buffer;
    try {
      data = readBounded(args.chain, MAX_CERTIFICATE_FILE_BYTES);
    } catch (err) {
      if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(args.chain, 'a certificate file', err));
      throw new InputError(`${args.chain}: cannot read the chain (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let ders: Buffer[];
    try {
      ders = parseCertificates(data).map((c) => c.raw);
    } catch (err) {
      if (err instanceof NotCertificatesError) throw new InputError(`${args.chain}: not a certificate chain (${err.message})`);
      throw err;
    }
    return servedKeys(args.chain, ders, { ...(args.host ? { host: args.host } : {}), roots: publicRoots() });
  }
  return undefined;
}

/** Lint one file; a file that cannot be read or parsed becomes a result with its one-line error. */
function lintFile(file: string, args: LintArgs, at: Date, served: ServedKeys | undefined): LintFileResult {
  try {
    let text: string;
    try {
      text = readBounded(file, MAX_POLICY_FILE_BYTES).toString('utf8');
    } catch (err) {
      if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(file, 'a pin configuration', err));
      throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    // A file that names no host (an HPKP header, a curl pin list) pins the host it is used for: --host, else the server's.
    const given = args.host ?? args.sni ?? (args.against ? parseAgainst(args.against).host : undefined);
    const read = given === undefined ? readPolicy(file, text, args.format) : bindHost(readPolicy(file, text, args.format), given);
    return { file, format: read.format, hosts: policyHosts(read), pins: distinctPins(read), findings: lintPolicy(read, { at, ...(served ? { served } : {}) }) };
  } catch (err) {
    if (!(err instanceof PinprickError)) throw err;
    return { file, hosts: [], pins: [], findings: [], error: err.message };
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The text report: one line per finding, `file:line:col: severity rule: message (fix: ...)`, then a count. Unreadable files are on stderr. */
function textReport(results: readonly LintFileResult[]): string[] {
  const stdout: string[] = [];
  const safe = (line: string) => printable(line, { max: MAX_LINE });
  for (const r of results) {
    if (r.error !== undefined) continue;
    if (!r.findings.length) stdout.push(safe(`${r.file}: no findings (${r.format}, ${plural(r.hosts.length, 'host')}, ${plural(r.pins.length, 'pin')})`));
    for (const f of r.findings) stdout.push(safe(`${r.file}:${f.line}:${f.column ?? 1}: ${f.severity} ${f.rule}: ${f.message} (fix: ${f.fix})`));
  }
  const all = results.flatMap((r) => r.findings);
  const count = (s: string) => all.filter((f) => f.severity === s).length;
  const bad = results.filter((r) => r.error !== undefined).length;
  stdout.push(`${plural(results.length, 'file')}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('note'), 'note')}${bad ? `; ${bad} not linted` : ''}`);
  return stdout;
}

/** `pinprick lint`. */
export const lintCommand: CommandModule<WorldArgs, LintArgs> = {
  command: 'lint <file..>',
  describe: 'Check pin configurations as apps ship them (Network Security Config, TrustKit, ATS, OkHttp, HPKP, curl, ...): backup pins, malformed pins, expiry, enforcement, and with --against or --chain the keys a server sends (exit 1 on an error finding, 2 on bad input)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', array: true, demandOption: true, describe: 'Pin configuration files; the format of each is detected from its name and content' })
      .option('format', { choices: POLICY_FORMATS, describe: 'Read every file as this format instead of detecting it' })
      .option('json', { type: 'boolean', describe: 'A JSON array: per file {file, format, hosts, pins, findings: [{rule, severity, line, column, message, fix}]}' })
      .option('sarif', { type: 'boolean', describe: 'A SARIF 2.1.0 log, for code-scanning dashboards' })
      .option('at', { type: 'string', describe: 'Date for the expiry rules, ISO 8601 (default now)' })
      .option('against', { type: 'string', describe: 'Compare the pins with the chain HOST[:PORT] (default port 443) serves today' })
      .option('proxy', { type: 'string', describe: 'Reach --against through this HTTP proxy (host:port, CONNECT)' })
      .option('sni', { type: 'string', describe: 'Server name to send to --against (default: its host)' })
      .option('chain', { type: 'string', describe: 'Compare the pins with the certificates of this PEM bundle (leaf first; self-signed roots in it count as trusted)' })
      .option('host', { type: 'string', describe: 'The host the chain is for (default: the --sni or --against host; for --chain, the leaf\'s names)' })
      .option('timeout', { type: 'number', default: 10000, describe: '--against timeout in ms' })
      .conflicts('json', 'sarif')
      .conflicts('against', 'chain')
      .example('$0 lint app/src/main/res/xml/network_security_config.xml', 'Lint an Android Network Security Config')
      .example('$0 lint Info.plist AppDelegate.swift --sarif > pinning.sarif', 'SARIF for a code-scanning dashboard')
      .example('$0 lint network_security_config.xml --against api.example.com', 'Also compare the pins with the chain the server sends today')
      .example('$0 lint pins.kt --chain chain.pem --host api.example.com', 'Compare with a saved chain')
      .example('$0 lint network_security_config.xml --at 2027-01-01', 'Which pin-sets will have expired by then'),
  handler: async (args) => {
    const at = parseAt(args.at);
    const served = await chainFromArgs(args);
    // Every file is linted, a bad one included: what was found in the others is not lost.
    const results = args.file.map((file) => lintFile(file, args, at, served));
    // A file that could not be linted: one line on stderr, whatever the output format.
    for (const r of results) if (r.error !== undefined) process.stderr.write(`${printable(`pinprick: ${r.error}`, { max: MAX_LINE })}\n`);
    if (args.json) {
      out(JSON.stringify(results.map((r) => ({ file: r.file, format: r.format ?? null, hosts: r.hosts, pins: r.pins, findings: r.findings, ...(r.error !== undefined ? { error: r.error } : {}) })), null, 2));
    } else if (args.sarif) {
      const info = packageInfo();
      out(JSON.stringify(sarifLog(results, { version: info.version, ...(info.homepage ? { informationUri: info.homepage } : {}), cwd: process.cwd() }), null, 2));
    } else {
      out(textReport(results).join('\n'));
    }
    process.exitCode = results.some((r) => r.error !== undefined) ? 2 : results.some((r) => hasError(r.findings)) ? 1 : 0;
  },
};
