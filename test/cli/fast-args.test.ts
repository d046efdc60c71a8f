/**
 * `pinprick serve` is parsed without yargs when its argv is simple (src/cli/fast-args.ts). Whenever
 * the fast parser accepts an argv, the handler must get exactly what yargs would have given it:
 * checked here against the CLI's own yargs parser, for the real serve command and generated argvs.
 * Everything else goes to yargs, so help, version, usage errors and their exit codes are yargs's.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSimple } from '../../src/cli/fast-args.js';
import { cliParser, GLOBAL_OPTIONS } from '../../src/cli/main.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** What yargs hands the command's handler for argv, or the error it fails with. */
async function viaYargs(command: CommandModule, argv: string[]): Promise<{ args?: Record<string, unknown>; error?: string }> {
  let args: Record<string, unknown> | undefined;
  const capture = { ...command, handler: (a: Record<string, unknown>) => void (args = a) } as CommandModule;
  try {
    await (await cliParser(argv, [capture])).exitProcess(false).parseAsync();
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { args: args && { ...args } };
}

const fast = (command: CommandModule, argv: string[]) => parseSimple(command, argv, GLOBAL_OPTIONS, 'pinprick');

describe('the fast argv path of pinprick serve', () => {
  const serve = serveCommand as CommandModule;

  it.each([
    [['serve']],
    [['serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', '/tmp/x/v.jsonl']],
    [['serve', '-s', 'attack-rogue-root', '-p', 'intermediate-only', '--grace=500', '--world', 'ci', '--certs-dir', '/tmp/c']],
    [['serve', '--upstream', 'api.example.test=127.0.0.1:443', '--upstream', 'cdn.example.test=[::1]:8443', '--intercept-all', '--scenarios', 'mine']],
    [['serve', '--scenario', 'x y', '--listen', '::1', '--log', '=odd=']],
  ])('reads %j as yargs does', async (argv) => {
    const args = fast(serve, argv);
    expect(args).toBeDefined();
    expect(args).toEqual((await viaYargs(serve, argv)).args);
  });

  it.each([
    [['serve', '--help']],
    [['serve', '-h']],
    [['serve', '--version']],
    [['serve', '--no-such-option']],
    [['serve', 'positional']],
    [['serve', '--proxy-port', 'eighty']],
    [['serve', '--proxy-port', '0x50']],
    [['serve', '--proxy-port', '-1']],
    [['serve', '--proxy-port', '1', '--proxy-port', '2']],
    [['serve', '--proxyPort', '1']],
    [['serve', '--intercept-all', 'false']],
    [['serve', '--intercept-all=true']],
    [['serve', '--no-intercept-all']],
    [['serve', '--log']],
    [['serve', '--log', '']],
    [['serve', '--log', '--grace', '5']],
    [['serve', '--', '--log', 'x']],
    [['serve', '-sattack-rogue-root']],
    [['serve', '--upstream=a=b:1']],
    [['--world', 'ci', 'serve']],
    // yargs reads the words after an array option as its values; parseArgs as positionals.
    [['serve', '--scenarios', 'mine', 'theirs']],
    [['use', 'control-genuine']],
  ])('leaves %j to yargs', (argv) => {
    expect(fast(serve, argv)).toBeUndefined();
  });

  it('never disagrees with yargs on generated argvs (property)', async () => {
    const token = fc.oneof(
      fc.constantFrom('--proxy-port', '--tls-port', '--control-port', '--grace', '--log', '--listen', '--scenario', '-s', '--profile', '-p', '--upstream', '--scenarios', '--intercept-all', '--world', '--certs-dir', '--help', '--no-log', '--log=x', '--grace=7', '--', '-x'),
      // Options of newer serve versions (ignored by yargs' strict mode when unknown: both sides give up).
      fc.constantFrom('--head-timeout', '--handshake-timeout', '--tunnel-idle', '--max-connections', '--window', '--report-window', '--leaf-cache', '--report-log'),
      fc.constantFrom('0', '1', '8080', '70000', '007', '1e3', '-1', 'true', 'false', '', 'a=b:1', 'x y', 'control-genuine', '::1', '127.0.0.1', '.5'),
      fc.string({ maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 8 }), async (rest) => {
        const argv = ['serve', ...rest];
        const args = fast(serve, argv);
        if (args === undefined) return;
        const expected = await viaYargs(serve, argv);
        expect(expected.error, JSON.stringify(argv)).toBeUndefined();
        expect(args, JSON.stringify(argv)).toEqual(expected.args);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves a command to yargs when its builder does more than declare plain options', () => {
    const base = { command: 'serve', describe: '', handler: () => undefined };
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'number', coerce: Number }) }, ['serve'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string', choices: ['a'] }) }, ['serve'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.positional('id', { type: 'string' }) }, ['serve'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check((_a, options) => Boolean(options)) }, ['serve'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check(() => false) }, ['serve'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check(() => 'no') }, ['serve'])).toBeUndefined();
    expect(
      fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check(() => { throw new Error('no'); }) }, ['serve']),
    ).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check((a) => a.n === 'ok') }, ['serve', '--n', 'ok'])).toMatchObject({ n: 'ok' });
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string' }).check((a) => a.n === 'ok') }, ['serve', '--n', 'ko'])).toBeUndefined();
    expect(fast({ ...base, command: 'serve <id>', builder: (y) => y }, ['serve', 'x'])).toBeUndefined();
    expect(fast({ ...base, builder: (y) => y.option('n', { type: 'string', default: 'd' }) }, ['serve'])).toEqual({ _: ['serve'], n: 'd', world: 'default', $0: 'pinprick' });
  });
});

describe('pinprick serve through the CLI: what the fast path leaves to yargs behaves as before', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');

  it('serve --help prints the options, exit 0', async () => {
    const r = await runCli(['serve', '--help'], { certsDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--proxy-port/);
    expect(r.stdout).toMatch(/--certs-dir/);
  });

  it('an unknown option is a usage error, exit 2', async () => {
    const r = await runCli(['serve', '--bogus'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: Unknown argument: bogus\nRun 'pinprick --help' for usage\.\n$/);
  });

  it('a bad value the handler rejects is one line and exit 2, as through yargs', async () => {
    const r = await runCli(['serve', '--listen', 'not-an-ip', '--proxy-port', '0'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: --listen 'not-an-ip'[^\n]*\n$/);
  });
});
