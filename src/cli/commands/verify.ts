import { once } from 'node:events';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { readBounded, TooLargeError, tooLargeMessage } from '../../input-files.js';
import { evaluate, type PinPolicy, type Verdict } from '../../model/index.js';
import { loadAnyProfile } from '../../policy/load-profile.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates } from '../../world/pem.js';
import { out } from '../output.js';
import { pathLines } from './explain.js';
import { answerBatch, parseAt, parsePinList, policyFor } from './verify-batch.js';
import { openFromArgs, type WorldArgs } from './world.js';

interface VerifyArgs extends WorldArgs {
  peer?: string;
  chain?: string[];
  roots?: string;
  host?: string;
  at?: string;
  pins?: string;
  profile?: string;
  json?: boolean;
  batch?: boolean;
}

function readCerts(file: string, what: string): Buffer[] {
  let data: Buffer;
  try {
    data = readBounded(file, MAX_CERTIFICATE_FILE_BYTES);
  } catch (err) {
    if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(file, 'a certificate file', err));
    throw new InputError(`${file}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return parseCertificates(data).map((c) => Buffer.from(c.raw));
  } catch (err) {
    if (err instanceof NotCertificatesError) throw new InputError(`${file}: not a certificate (${err.message})`);
    throw err;
  }
}

function print(verdict: Verdict): void {
  for (const line of pathLines(verdict)) out(line);
  out(`\nvalidation: ${verdict.validation.ok ? 'ok' : `failed (${verdict.validation.code})`}: ${verdict.validation.reason}`);
  const pc = verdict.pinCheck;
  if (pc) out(`pin check: ${pc.matched ? `pin ${pc.matched.label ?? pc.matched.pin} matched ${pc.matched.subject} (depth ${pc.matched.certIndexInPath})` : pc.evaluated ? 'no pin on the validated path' : 'not evaluated'}`);
  out(`verdict: ${verdict.expected.toUpperCase()} (${verdict.code}): ${verdict.reason}`);
}

/** `pinprick verify`. */
export const verifyCommand: CommandModule<WorldArgs, VerifyArgs> = {
  command: 'verify [peer]',
  describe: 'Run the reference model on any chain: paths built, RFC 5280 validation, host check, pin check, verdict (exit 0 accept, 1 reject)',
  builder: (y) =>
    y
      .positional('peer', { type: 'string', describe: 'End-entity certificate (PEM or DER); with a PEM bundle, the rest counts as --chain' })
      .option('chain', { type: 'string', array: true, describe: 'Other certificates the server sent, any order, extras allowed' })
      .option('roots', { type: 'string', describe: 'Trust anchors (PEM bundle)' })
      .option('host', { type: 'string', describe: 'Name to check (DNS or IP); no host check when absent' })
      .option('at', { type: 'string', describe: 'Validation time, ISO 8601 (default now)' })
      .option('pins', { type: 'string', describe: "RFC 7469 pins in curl's syntax: 'sha256//B64;sha256//B64'" })
      .option('profile', { type: 'string', describe: 'A pin profile (shipped id or file) instead of --pins' })
      .option('json', { type: 'boolean', describe: 'One JSON object' })
      .option('batch', { type: 'boolean', describe: 'JSON lines on stdin ({"peer","chain","roots","host","at","pins"}), one answer line out per input line (blank lines too), each with its "line" number' })
      .conflicts('pins', 'profile')
      .example('$0 verify leaf.pem --chain chain.pem --roots roots.pem --host api.example.com --pins "sha256//AAA...="', '')
      .example('$0 verify --batch < corpus.jsonl > results.jsonl', ''),
  handler: async (args) => {
    if (args.batch) {
      for await (const answer of answerBatch(process.stdin)) {
        if (!process.stdout.write(answer + '\n')) await once(process.stdout, 'drain');
      }
      return;
    }
    if (!args.peer) throw new InputError('name the peer certificate (PEER.pem), or use --batch');
    if (!args.roots) throw new InputError('--roots FILE is required: the trust anchors');
    const [peer, ...sentAlong] = readCerts(args.peer, 'the peer certificate');
    const chain = [...sentAlong, ...(args.chain ?? []).flatMap((f) => readCerts(f, 'the chain'))];
    const anchors = readCerts(args.roots, 'the roots');
    let policy: PinPolicy | undefined;
    if (args.pins !== undefined) policy = policyFor(parsePinList(args.pins), args.host);
    if (args.profile !== undefined) {
      const { world } = await openFromArgs(args);
      policy = loadAnyProfile(args.profile, world);
    }
    const verdict = evaluate({ presented: [peer!, ...chain], anchors, ...(args.host ? { host: args.host } : {}), at: parseAt(args.at), ...(policy ? { policy } : {}) });
    if (args.json) out(JSON.stringify(verdict, null, 2));
    else print(verdict);
    process.exitCode = verdict.expected === 'accept' ? 0 : 1;
  },
};
