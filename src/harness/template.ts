/**
 * Client command templates: `{url}`, `{pins}`… filled per scenario, each value shell-quoted, and a
 * pure scanner of POSIX shell quoting that finds placeholders a template quotes again. Filling
 * `'{pins}'` gives `''sha256//A;sha256//B''`: the quotes cancel, and `;` ends the command (issue 15,
 * finding 7). Quoting rules: POSIX.1-2017 XCU 2.2 (backslash, single quotes, double quotes, where a
 * backslash escapes only $ ` " \ and newline), 2.3 (a `#` starting a word starts a comment) and
 * 2.6.3 (command substitution: `$(...)` and backquotes hold words of their own); `$'...'` (ANSI-C
 * quoting, POSIX.1-2024) and `$"..."` count as quotes too.
 */

/** The placeholders a template may hold, as `{name}`. */
export const PLACEHOLDERS = ['url', 'host', 'port', 'proxy', 'cafile', 'pins', 'pinsJson', 'profile', 'reportUri', 'configUrl', 'configKey', 'configState', 'configDevice'] as const;
/** One placeholder's name. */
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_AT = new RegExp(`\\{(${PLACEHOLDERS.join('|')})\\}`, 'y');
const PLACEHOLDER_ANY = new RegExp(`\\{(${PLACEHOLDERS.join('|')})\\}`, 'g');

/**
 * Whether a client command takes a pin configuration (`{configUrl}`, or `$PINPRICK_CONFIG_URL`
 * from its environment): a dynamic-pinning client. A client that takes none cannot be judged on
 * the configuration channel, so a whole-catalog run leaves the `dynamic` scenarios out for it.
 */
export function takesConfiguration(template: string): boolean {
  return /\{configUrl\}|\$\{?PINPRICK_CONFIG_URL\b/.test(template);
}

/** Quote for a POSIX shell: placeholders are data, never code. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Fill a command template's placeholders (each shell-quoted). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER_ANY, (_m, key: string) => shellQuote(values[key]!));
}

/** How a placeholder is quoted: inside `'...'`, `"..."` (or `$"..."`), `$'...'`, or right after a backslash. */
export type Quoting = 'single' | 'double' | 'ansi-c' | 'backslash';

/** A placeholder the template quotes again. */
export interface QuotedPlaceholder {
  name: Placeholder;
  quoting: Quoting;
  /** Offset of its `{` in the template. */
  index: number;
  /** 1-based line and column of its `{`. */
  line: number;
  column: number;
  /** The quoted string it is in: offsets of its opening (`'`, `"`, `$'`, `$"` or the backslash) and closing character (undefined: never closed). */
  open: number;
  close?: number;
}

/** Where the scanner is: in words (the top level, `$(...)`, backquotes) or inside a quote. */
interface Frame {
  kind: 'words' | Exclude<Quoting, 'backslash'>;
  open: number;
  close?: number;
  /** For words: what ends them (`)` of `$(`, a backquote), and open plain parentheses inside `$(`. */
  end?: ')' | '`';
  depth: number;
  /** Placeholders found directly in this quote. */
  found: QuotedPlaceholder[];
}

/** Characters after which a `#` starts a word, and so a comment. */
const WORD_BREAK = /[\s;&|()<>`]/;

/**
 * Every placeholder the template puts inside quotes or after a backslash, in template order. Pure:
 * a scanner of POSIX shell quoting, not a shell; parameter expansions (`${X:+...}`) are read as
 * words of the surrounding context, which is how their words are quoted.
 */
export function quotedPlaceholders(template: string): QuotedPlaceholder[] {
  const found: QuotedPlaceholder[] = [];
  const stack: Frame[] = [{ kind: 'words', open: -1, depth: 0, found: [] }];
  const at = (i: number): Placeholder | undefined => {
    PLACEHOLDER_AT.lastIndex = i;
    return PLACEHOLDER_AT.exec(template)?.[1] as Placeholder | undefined;
  };
  const record = (name: Placeholder, index: number, quoting: Quoting, frame: Frame | undefined, open: number) => {
    const before = template.slice(0, index);
    const line = before.split('\n').length;
    const q: QuotedPlaceholder = { name, quoting, index, line, column: index - before.lastIndexOf('\n'), open };
    found.push(q);
    frame?.found.push(q);
  };
  const push = (kind: Frame['kind'], open: number, end?: Frame['end']) => stack.push({ kind, open, depth: 0, found: [], ...(end ? { end } : {}) });
  const pop = (i: number) => {
    const frame = stack.pop()!;
    frame.close = i;
    for (const q of frame.found) q.close = i;
  };
  let i = 0;
  while (i < template.length) {
    const frame = stack.at(-1)!;
    const c = template[i]!;
    const name = at(i);
    if (name) {
      if (frame.kind !== 'words') record(name, i, frame.kind, frame, frame.open);
      i += name.length + 2;
      continue;
    }
    switch (frame.kind) {
      case 'single':
        if (c === "'") pop(i);
        i++;
        continue;
      case 'ansi-c':
        if (c === '\\') i += 2;
        else {
          if (c === "'") pop(i);
          i++;
        }
        continue;
      case 'double':
        if (c === '\\') i += '$`"\\\n'.includes(template[i + 1] ?? '') ? 2 : 1;
        else if (c === '"') pop(i++);
        else if (c === '`') push('words', i++, '`');
        else if (template.startsWith('$(', i)) push('words', (i += 2) - 2, ')');
        else i++;
        continue;
      case 'words': {
        if (c === '\\') {
          const escaped = at(i + 1);
          if (escaped) {
            record(escaped, i + 1, 'backslash', undefined, i);
            i += escaped.length + 3;
          } else i += 2;
          continue;
        }
        if (c === '#' && (i === 0 || WORD_BREAK.test(template[i - 1]!))) {
          const nl = template.indexOf('\n', i);
          i = nl === -1 ? template.length : nl;
          continue;
        }
        if (template.startsWith("$'", i)) push('ansi-c', (i += 2) - 2);
        else if (template.startsWith('$"', i)) push('double', (i += 2) - 2);
        else if (template.startsWith('$(', i)) push('words', (i += 2) - 2, ')');
        else if (c === "'") push('single', i++);
        else if (c === '"') push('double', i++);
        else if (c === '`') {
          if (frame.end === '`') pop(i);
          else push('words', i, '`');
          i++;
        } else if (c === '(' && frame.end === ')') {
          frame.depth++;
          i++;
        } else if (c === ')' && frame.end === ')') {
          if (frame.depth === 0) pop(i);
          else frame.depth--;
          i++;
        } else i++;
        continue;
      }
    }
  }
  return found;
}

const QUOTING_WORDS: Record<Quoting, string> = {
  single: 'inside single quotes',
  double: 'inside double quotes',
  'ansi-c': "inside $'...' quotes",
  backslash: 'escaped with a backslash',
};

/**
 * Why a template cannot be used, in one line, or undefined when it can: a placeholder inside
 * quotes (or after a backslash) is unquoted by the quoting the fill adds. The line says where and
 * what to write instead: the same quoted text, closed before each placeholder and opened after it.
 */
export function templateProblem(template: string): string | undefined {
  const all = quotedPlaceholders(template);
  const first = all[0];
  if (!first) return undefined;
  const where = first.line > 1 ? `line ${first.line}, column ${first.column}` : `column ${first.column}`;
  // The others in the same quoted string are taken out by the same rewrite.
  const others = all.filter((q) => q.quoting === 'backslash' || q.open !== first.open).length - (first.quoting === 'backslash' ? 1 : 0);
  const more = others > 0 ? ` (and ${others} more placeholder${others > 1 ? 's' : ''} in quotes elsewhere)` : '';
  const head = `{${first.name}} is ${QUOTING_WORDS[first.quoting]} at ${where}`;
  if (first.quoting === 'backslash') return `${head}; placeholders are shell-quoted already: write {${first.name}}, not \\{${first.name}}${more}`;
  if (first.close === undefined) return `${head} (never closed); placeholders are shell-quoted already: write it outside quotes${more}`;
  const original = template.slice(first.open, first.close + 1);
  const rewrite = unquoted(template, first, all);
  return `${head}; placeholders are shell-quoted already: ${rewrite ? `write ${rewrite}, not ${original}` : 'close the quotes before it and open them again after it'}${more}`;
}

/** The quoted string holding `q`, with each of its placeholders taken out of the quotes; undefined when that cannot be done by splitting. */
function unquoted(template: string, q: QuotedPlaceholder, all: readonly QuotedPlaceholder[]): string | undefined {
  const opener = template[q.open] === '$' ? template.slice(q.open, q.open + 2) : template[q.open]!;
  const closer = template[q.close!]!;
  const inside = all.filter((x) => x.open === q.open);
  const pieces: string[] = [];
  let from = q.open + opener.length;
  for (const x of inside) {
    pieces.push(template.slice(from, x.index), `{${x.name}}`);
    from = x.index + x.name.length + 2;
  }
  pieces.push(template.slice(from, q.close));
  // A text piece that ends in an odd run of backslashes would escape the closing quote.
  if (pieces.some((p, k) => k % 2 === 0 && /(^|[^\\])(\\\\)*\\$/.test(p))) return undefined;
  return pieces.map((p, k) => (k % 2 === 1 ? p : p === '' ? '' : `${opener}${p}${closer}`)).join('');
}
