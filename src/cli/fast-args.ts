import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandModule, Options } from 'yargs';

/**
 * A fast path past yargs for the long-running commands (`serve`): loading yargs costs ~100 ms
 * (40 modules, and `Intl.Segmenter` for its help layout) and rendering the help it caches for
 * every command another ~60 ms, which is most of a proxy's cold start.
 *
 * {@link parseSimple} reads the options a command's builder declares and lets Node's own argv
 * parser (`util.parseArgs`, strict) read an argv made only of those options in their plain
 * spellings: no tokenizer of ours. It gives up (undefined) on anything else, and the
 * caller then runs yargs as usual: help, version, unknown or repeated options, values that start
 * with '-', negations, dotted or camelCase spellings, positionals, builders that do more than
 * declare options and checks, checks that do not pass. For every argv it accepts, it returns the same arguments object yargs would
 * (checked by test/cli/fast-args.test.ts against yargs itself), so the handler cannot tell.
 */

interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  array: boolean;
  /** One-letter aliases (`-s`). */
  aliases: string[];
  default: unknown;
}

/** Options keys the fast path understands; any other key (coerce, choices, demandOption, …) means yargs. */
const SPEC_KEYS = new Set(['type', 'alias', 'default', 'describe', 'description', 'array', 'global']);
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const RESERVED = new Set(['help', 'version', 'h']);

class Unsupported extends Error {}

function addOption(options: Map<string, OptionSpec>, name: unknown, spec: unknown): void {
  if (typeof name !== 'string' || !NAME.test(name) || RESERVED.has(name) || options.has(name)) throw new Unsupported();
  if (!spec || typeof spec !== 'object' || Object.keys(spec).some((k) => !SPEC_KEYS.has(k))) throw new Unsupported();
  const s = spec as Options;
  if (s.type !== 'string' && s.type !== 'number' && s.type !== 'boolean') throw new Unsupported();
  if (s.array !== undefined && typeof s.array !== 'boolean') throw new Unsupported();
  if (s.array && s.type !== 'string') throw new Unsupported();
  const aliases = s.alias === undefined ? [] : Array.isArray(s.alias) ? s.alias : [s.alias];
  if (aliases.some((a) => typeof a !== 'string' || !/^[a-zA-Z]$/.test(a) || RESERVED.has(a))) throw new Unsupported();
  options.set(name, { type: s.type, array: s.array === true, aliases, default: s.default });
}

/** A `.check(fn)` of the builder: yargs calls it with the parsed arguments once they are complete. */
type Check = (argv: Record<string, unknown>) => unknown;

/**
 * Add the options a builder declares to `into`, and its one-argument checks to `checks`; false when
 * it does anything but declare options, checks and examples.
 */
function declaredOptions(builder: unknown, into: Map<string, OptionSpec>, checks: Check[]): boolean {
  if (builder === undefined) return true;
  try {
    if (typeof builder !== 'function') {
      if (!builder || typeof builder !== 'object') return false;
      for (const [name, spec] of Object.entries(builder)) addOption(into, name, spec);
      return true;
    }
    const recorder: object = new Proxy(
      {},
      {
        get(_target, prop) {
          if (prop === 'option') return (name: unknown, spec: unknown) => (addOption(into, name, spec), recorder);
          if (prop === 'options') {
            return (name: unknown, spec: unknown) => {
              if (typeof name === 'string') addOption(into, name, spec);
              else if (name && typeof name === 'object' && spec === undefined) for (const [n, s] of Object.entries(name)) addOption(into, n, s);
              else throw new Unsupported();
              return recorder;
            };
          }
          if (prop === 'example') return () => recorder;
          if (prop === 'check') {
            return (fn: unknown, global?: unknown) => {
              // A check that reads yargs's option table (second argument) needs yargs.
              if (typeof fn !== 'function' || fn.length > 1 || (global !== undefined && typeof global !== 'boolean')) throw new Unsupported();
              checks.push(fn as Check);
              return recorder;
            };
          }
          throw new Unsupported();
        },
      },
    );
    const result: unknown = (builder as (y: never) => unknown)(recorder as never);
    return result === recorder || result === undefined;
  } catch {
    // Unsupported, or anything else the builder does with a recorder: yargs will run it for real.
    return false;
  }
}

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The arguments yargs would hand `command`'s handler for `argv` (`[command, ...options]`), with
 * `globals` declared on the top-level parser; undefined whenever yargs should decide.
 */
export function parseSimple(
  command: Pick<CommandModule, 'command' | 'deprecated'> & { builder?: unknown },
  argv: readonly string[],
  globals: Readonly<Record<string, Options>>,
  scriptName: string,
): Record<string, unknown> | undefined {
  const name = command.command;
  if (typeof name !== 'string' || !NAME.test(name) || argv[0] !== name) return undefined;
  if (command.deprecated || (command as { middlewares?: unknown }).middlewares) return undefined;
  const options = new Map<string, OptionSpec>();
  try {
    for (const [g, spec] of Object.entries(globals)) addOption(options, g, spec);
  } catch {
    return undefined;
  }
  const checks: Check[] = [];
  if (!declaredOptions(command.builder, options, checks)) return undefined;

  // Tokenizing is Node's own (util.parseArgs, strict): it throws on unknown options, on a value
  // missing or starting with '-', on `--bool=x`; we give up on those, on a repeated option that is not
  // an array and on any positional past the command name, all of which yargs reads by rules of its own.
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [option, spec] of options) {
    config[option] = { type: spec.type === 'boolean' ? 'boolean' : 'string', multiple: spec.array };
    if (spec.aliases.length > 1) return undefined;
    if (spec.aliases[0] !== undefined) config[option]!.short = spec.aliases[0];
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: config, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return undefined;
  }
  if (parsed.positionals.length > 0 || parsed.tokens!.some((t) => t.kind === 'option-terminator')) return undefined;
  const seen = new Set<string>();
  for (const token of parsed.tokens!) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && !options.get(token.name)!.array) return undefined;
    seen.add(token.name);
    // `-sVALUE` is one token to parseArgs and to yargs alike, but yargs also reads `-abc` as flags.
    if (token.rawName.length === 2 && token.inlineValue) return undefined;
    // `--array=v`: yargs splits nothing here but treats the next words differently; leave it.
    if (token.inlineValue && options.get(token.name)!.array) return undefined;
  }
  const given = new Map<string, unknown>();
  for (const [option, raw] of Object.entries(parsed.values)) {
    const spec = options.get(option)!;
    if (spec.type === 'boolean') {
      given.set(option, true);
      continue;
    }
    const values = (Array.isArray(raw) ? raw : [raw]) as string[];
    if (values.some((v) => v === '' || v.startsWith('-'))) return undefined;
    if (spec.type === 'number') {
      // yargs's number parsing accepts more spellings (hex, exponents); plain decimals only here.
      if (!/^(?:0|[1-9][0-9]{0,14})$/.test(values[0]!)) return undefined;
      given.set(option, Number(values[0]));
    } else {
      given.set(option, spec.array ? values : values[0]);
    }
  }

  const args: Record<string, unknown> = { _: [name] };
  for (const [option, spec] of options) {
    const value = given.has(option) ? given.get(option) : spec.default;
    if (value === undefined) continue;
    for (const key of new Set([option, camelCase(option), ...spec.aliases])) args[key] = value;
  }
  args.$0 = scriptName;
  // A check that does not plainly pass (throws, returns false, a message or a promise) is left to
  // yargs, which runs it again and fails as it always did. Checks validate; they do not act.
  for (const check of checks) {
    try {
      if (check(args) !== true) return undefined;
    } catch {
      return undefined;
    }
  }
  return args;
}
