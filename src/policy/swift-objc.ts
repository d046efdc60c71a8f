/**
 * Dictionary and array literals in Swift and Objective-C source, as apps write a TrustKit
 * configuration (`let config = [kTSKPinnedDomains: [...]] as [String: Any]`,
 * `NSDictionary *config = @{ kTSKPinnedDomains: @{ ... } };`), and the constants of the same file
 * they name (`let backupPin = "..."`, `static NSString * const kBackupPin = @"...";`,
 * `#define kPin @"..."`). Not a Swift or Objective-C parser: a tokenizer that knows strings with
 * their escapes, comments and @-literals, and a reader of nested `[ ]`, `@{ }`, `@[ ]` literals
 * with `:` and `,`. Everything else is an expression it does not evaluate. Every value keeps its
 * offset; an unterminated string or comment, or brackets that do not balance inside a literal, are
 * PolicyFileErrors at file:line:col.
 */
import { LineIndex, PolicyFileError, spotOf } from './format.js';

/** Which language's lexical rules apply: Swift (nested block comments, `#"raw"#` strings) or Objective-C (`@"…"`, `'c'`, `#define`). */
export type SourceLanguage = 'swift' | 'objc';

/** One token. `value` is a string literal's decoded text; `comment` a `//` comment after it on the same line. */
export interface Token {
  kind: 'string' | 'ident' | 'number' | 'punct';
  text: string;
  offset: number;
  value?: string;
  /** The string has an interpolation (`"\(host)"`): its value is not known from the source. */
  interpolated?: boolean;
  comment?: string;
}

/** A literal value as written: what the configuration readers interpret. */
export type Literal =
  | { kind: 'dict'; offset: number; entries: { key: Literal; value: Literal }[] }
  | { kind: 'array'; offset: number; items: Literal[] }
  | { kind: 'string'; offset: number; value: string; interpolated?: boolean; comment?: string }
  | { kind: 'bool'; offset: number; value: boolean }
  | { kind: 'number'; offset: number; text: string }
  /** A name (`backupPin`, `Pins.backup`, `kTSKPublicKeyHashes`): `name` is its last component. */
  | { kind: 'ref'; offset: number; name: string; path: string }
  /** Anything else: a call, an operator, a closure. Not evaluated. */
  | { kind: 'expr'; offset: number; text: string };

/** How deep literals may nest (a TrustKit configuration nests four levels). */
export const LITERAL_MAX_DEPTH = 32;

/** Characters of operator runs (`=`, `==`, `*`, `->`, `!`): one token each run, so `==` is never an assignment. */
const OPERATOR = /[=!<>+\-*/&|%^~?]/;
/** Swift compiler directives that take the rest of their line (`#if DEBUG`); other `#name`s are expressions (`#selector(...)`). */
const SWIFT_LINE_DIRECTIVES = new Set(['if', 'elseif', 'else', 'endif', 'warning', 'error', 'sourceLocation']);

/** What the tokenizer gives: the tokens and the `#define`s of an Objective-C file (name -> its tokens). */
export interface Tokenized {
  tokens: Token[];
  defines: Map<string, Token[]>;
}

/** Split source into tokens, skipping comments and preprocessor lines (keeping `#define`s apart). */
export function tokenize(file: string, text: string, lang: SourceLanguage): Tokenized {
  const fail = (offset: number, detail: string): never => {
    const s = spotOf(text, offset);
    throw new PolicyFileError(file, s.line, s.column, detail);
  };
  const tokens: Token[] = [];
  const defines = new Map<string, Token[]>();
  let out = tokens;
  /** Where the current `#define` line ends (its tokens go to `defines`), or -1. */
  let defineEnd = -1;
  let i = 0;
  const n = text.length;
  const lineEnd = (from: number): number => {
    // A backslash before the newline continues a preprocessor line.
    let j = from;
    for (;;) {
      const e = text.indexOf('\n', j);
      if (e === -1) return n;
      if (text[e - 1] === '\\' || (text[e - 1] === '\r' && text[e - 2] === '\\')) j = e + 1;
      else return e;
    }
  };
  const atLineStart = (at: number): boolean => {
    let j = at - 1;
    while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
    return j < 0 || text[j] === '\n';
  };

  while (i < n) {
    if (defineEnd !== -1 && i >= defineEnd) {
      out = tokens;
      defineEnd = -1;
    }
    const c = text[i]!;
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    // Comments.
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      const end = e === -1 ? n : e;
      attachComment(out, text, i, text.slice(i + 2, end).replace(/^\/+/, '').trim());
      i = end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      // Swift block comments nest; C's do not.
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
        } else if (lang === 'swift' && text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else j++;
      }
      if (depth > 0) fail(i, 'unterminated /* comment');
      i = j;
      continue;
    }
    // Preprocessor lines and Swift directives.
    if (c === '#' && text[i + 1] !== '"' && text[i + 1] !== '#') {
      const word = /^#\s*([A-Za-z_]\w*)/.exec(text.slice(i, i + 40));
      const name = word?.[1];
      if (lang === 'objc' && atLineStart(i)) {
        const end = lineEnd(i);
        if (name === 'define') {
          const m = /^#\s*define\s+([A-Za-z_]\w*)(?!\()/.exec(text.slice(i, end));
          if (m) {
            const list: Token[] = [];
            defines.set(m[1]!, list);
            out = list;
            defineEnd = end;
            i += m[0].length;
            continue;
          }
        }
        i = end;
        continue;
      }
      if (lang === 'swift' && name && SWIFT_LINE_DIRECTIVES.has(name)) {
        i = lineEnd(i);
        continue;
      }
    }
    // Strings.
    if (c === '"' || (c === '@' && text[i + 1] === '"' && lang === 'objc') || (c === '#' && lang === 'swift' && /^#+"/.test(text.slice(i, i + 64)))) {
      const t: { value: string; end: number; interpolated?: boolean } = lang === 'swift' ? swiftString(text, i, fail) : cString(text, c === '@' ? i + 1 : i, fail, '"', i);
      const token: Token = { kind: 'string', text: text.slice(i, t.end), offset: i, value: t.value, ...(t.interpolated ? { interpolated: true } : {}) };
      out.push(token);
      i = t.end;
      continue;
    }
    if (c === "'" && lang === 'objc') {
      const end = cString(text, i, fail, "'").end;
      out.push({ kind: 'number', text: text.slice(i, end), offset: i });
      i = end;
      continue;
    }
    // @-literals of Objective-C: @{ @[ @( and @YES, @NO, @1.
    if (c === '@' && lang === 'objc') {
      const next = text[i + 1];
      if (next === '{' || next === '[' || next === '(') {
        out.push({ kind: 'punct', text: `@${next}`, offset: i });
        i += 2;
        continue;
      }
      const w = /^@[A-Za-z0-9_]+/.exec(text.slice(i, i + 64));
      if (w) {
        out.push({ kind: 'ident', text: w[0], offset: i });
        i += w[0].length;
        continue;
      }
    }
    if (/[A-Za-z_$]/.test(c) || (c === '#' && lang === 'swift')) {
      const w = /^#?[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 256))!;
      out.push({ kind: 'ident', text: w[0], offset: i });
      i += w[0].length;
      continue;
    }
    if (c === '`' && lang === 'swift') {
      const e = text.indexOf('`', i + 1);
      if (e === -1 || text.slice(i, e).includes('\n')) fail(i, 'unterminated `identifier`');
      out.push({ kind: 'ident', text: text.slice(i + 1, e), offset: i });
      i = e + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const w = /^[0-9][\w.]*/.exec(text.slice(i, i + 256))!;
      out.push({ kind: 'number', text: w[0], offset: i });
      i += w[0].length;
      continue;
    }
    if (OPERATOR.test(c)) {
      let j = i + 1;
      while (j < n && OPERATOR.test(text[j]!) && !(text[j] === '/' && (text[j + 1] === '/' || text[j + 1] === '*'))) j++;
      out.push({ kind: 'punct', text: text.slice(i, j), offset: i });
      i = j;
      continue;
    }
    out.push({ kind: 'punct', text: c, offset: i });
    i++;
  }
  return { tokens, defines };
}

/** A `// comment` after a string (and its comma) on the same line names that string. */
function attachComment(tokens: Token[], text: string, at: number, comment: string): void {
  if (!comment) return;
  const last = tokens[tokens.length - 1];
  const str = last?.text === ',' ? tokens[tokens.length - 2] : last;
  if (str?.kind === 'string' && text.lastIndexOf('\n', at) < str.offset) str.comment = comment.slice(0, 80);
}

type Fail = (offset: number, detail: string) => never;

/** A C / Objective-C string or character literal starting at `start` (its quote). */
function cString(text: string, start: number, fail: Fail, quote = '"', literalStart = start): { value: string; end: number } {
  let value = '';
  let j = start + 1;
  for (;;) {
    const ch = text[j];
    if (ch === undefined || ch === '\n') fail(literalStart, `unterminated ${quote === '"' ? 'string' : 'character'} literal`);
    if (ch === quote) return { value, end: j + 1 };
    if (ch === '\\') {
      const e = text[j + 1];
      if (e === undefined) fail(literalStart, 'unterminated string literal');
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?' };
      if (e === 'x') {
        const h = /^[0-9a-fA-F]{1,2}/.exec(text.slice(j + 2, j + 4))?.[0] ?? '';
        value += String.fromCharCode(parseInt(h || '0', 16));
        j += 2 + h.length;
      } else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const h = text.slice(j + 2, j + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== len) fail(j, `\\${e} needs ${len} hexadecimal digits`);
        value += String.fromCodePoint(parseInt(h, 16));
        j += 2 + len;
      } else if (e === '\n') {
        j += 2; // line continuation
      } else {
        value += simple[e] ?? e;
        j += 2;
      }
      continue;
    }
    value += ch;
    j++;
  }
}

/** A Swift string literal at `start`: `"…"`, `"""…"""` or raw `#"…"#`. */
function swiftString(text: string, start: number, fail: Fail): { value: string; end: number; interpolated: boolean } {
  const hashes = /^#*/.exec(text.slice(start))![0].length;
  const q = start + hashes;
  const multi = text.startsWith('"""', q);
  const close = (multi ? '"""' : '"') + '#'.repeat(hashes);
  const escape = '\\' + '#'.repeat(hashes);
  let value = '';
  let interpolated = false;
  let j = q + (multi ? 3 : 1);
  for (;;) {
    if (j >= text.length || (!multi && text[j] === '\n')) fail(start, 'unterminated string literal');
    if (text.startsWith(close, j)) break;
    if (text.startsWith(escape, j)) {
      const k = j + escape.length;
      const e = text[k];
      if (e === '(') {
        // Interpolation: skip to its closing parenthesis.
        interpolated = true;
        let depth = 1;
        let m = k + 1;
        while (depth > 0) {
          if (m >= text.length || (!multi && text[m] === '\n')) fail(start, 'unterminated string interpolation');
          if (text[m] === '(') depth++;
          else if (text[m] === ')') depth--;
          m++;
        }
        j = m;
        continue;
      }
      if (e === 'u' && text[k + 1] === '{') {
        const m = /^\{([0-9a-fA-F]{1,8})\}/.exec(text.slice(k + 1, k + 12));
        if (!m) fail(j, 'malformed \\u{…} escape');
        value += String.fromCodePoint(parseInt(m![1]!, 16));
        j = k + 1 + m![0].length;
        continue;
      }
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };
      if (e === '\n' && multi) {
        j = k + 1;
        continue;
      }
      if (e === undefined || simple[e] === undefined) fail(j, `unknown escape \\${e ?? ''} in a string literal`);
      value += simple[e!];
      j = k + 1;
      continue;
    }
    value += text[j];
    j++;
  }
  if (multi) value = value.replace(/^\r?\n/, '').replace(/\r?\n[ \t]*$/, '');
  return { value, end: j + close.length, interpolated };
}

/** Brackets that open a literal or group, and what closes them. */
const CLOSER: Record<string, string> = { '[': ']', '@[': ']', '@{': '}', '{': '}', '(': ')', '@(': ')' };

/** Reads literals from a token list. */
export class LiteralReader {
  private lineIndex: LineIndex | undefined;
  constructor(
    readonly file: string,
    readonly text: string,
    readonly tokens: readonly Token[],
    readonly lang: SourceLanguage,
  ) {}

  /** Lines of the text, for locating many values. */
  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  fail(offset: number, detail: string): never {
    const s = spotOf(this.text, offset);
    throw new PolicyFileError(this.file, s.line, s.column, detail);
  }

  /** The index just past the bracket that closes the one at `open`; a missing or wrong closer is an error. */
  skipGroup(open: number): number {
    const stack: number[] = [open];
    let i = open + 1;
    while (stack.length) {
      const t = this.tokens[i];
      const top = this.tokens[stack[stack.length - 1]!]!;
      if (!t) this.fail(top.offset, `'${top.text}' is never closed`);
      if (t!.kind === 'punct' && CLOSER[t!.text]) stack.push(i);
      else if (t!.kind === 'punct' && (t!.text === ']' || t!.text === '}' || t!.text === ')')) {
        if (CLOSER[top.text] !== t!.text) this.fail(t!.offset, `'${t!.text}' does not close '${top.text}' (opened at ${this.where(top.offset)})`);
        stack.pop();
      }
      i++;
    }
    return i;
  }

  where(offset: number): string {
    const s = spotOf(this.text, offset);
    return `${s.line}:${s.column}`;
  }

  /** The literal starting at token `i`, and the index after it. */
  value(i: number, depth = 0): { lit: Literal; next: number } {
    const t = this.tokens[i];
    if (!t) this.fail(this.text.length, 'the literal ends too early');
    if (depth > LITERAL_MAX_DEPTH) this.fail(t!.offset, `literals nest deeper than ${LITERAL_MAX_DEPTH} levels`);
    const tok = t!;
    let result: { lit: Literal; next: number };
    if (tok.kind === 'punct' && ((tok.text === '[' && this.lang === 'swift') || tok.text === '@[' || tok.text === '@{')) {
      result = this.collection(i, depth);
    } else if (tok.kind === 'string') {
      // Adjacent string literals concatenate in C (`@"abc" @"def"`).
      let value = tok.value!;
      let j = i + 1;
      while (this.lang === 'objc' && this.tokens[j]?.kind === 'string') value += this.tokens[j++]!.value!;
      const last = this.tokens[j - 1]!;
      result = { lit: { kind: 'string', offset: tok.offset, value, ...(tok.interpolated ? { interpolated: true } : {}), ...(last.comment ? { comment: last.comment } : {}) }, next: j };
    } else if (tok.kind === 'ident' && (this.lang === 'swift' ? /^(true|false)$/ : /^@?(true|false|YES|NO)$/).test(tok.text)) {
      result = { lit: { kind: 'bool', offset: tok.offset, value: /^@?(true|YES)$/.test(tok.text) }, next: i + 1 };
    } else if (tok.kind === 'ident' && /^@\d+$/.test(tok.text)) {
      result = { lit: { kind: 'number', offset: tok.offset, text: tok.text.slice(1) }, next: i + 1 };
    } else if (tok.kind === 'punct' && tok.text === '@(' && /^(true|false|YES|NO)$/.test(this.tokens[i + 1]?.text ?? '') && this.tokens[i + 2]?.text === ')') {
      result = { lit: { kind: 'bool', offset: tok.offset, value: /^(true|YES)$/.test(this.tokens[i + 1]!.text) }, next: i + 3 };
    } else if (tok.kind === 'number' && this.ends(i + 1)) {
      result = { lit: { kind: 'number', offset: tok.offset, text: tok.text }, next: i + 1 };
    } else if (tok.kind === 'ident' && !tok.text.startsWith('@')) {
      // A name, possibly qualified (`Pins.backup`, `self.pins`), not followed by a call or an operator.
      let j = i + 1;
      let path = tok.text;
      while (this.tokens[j]?.text === '.' && this.tokens[j + 1]?.kind === 'ident') {
        path += `.${this.tokens[j + 1]!.text}`;
        j += 2;
      }
      result = this.ends(j) ? { lit: { kind: 'ref', offset: tok.offset, name: path.split('.').pop()!, path }, next: j } : this.expression(i);
    } else {
      result = this.expression(i);
    }
    return { lit: result.lit, next: this.skipCast(result.next) };
  }

  /** Does a value end before token `j` (a separator or closer follows)? */
  private ends(j: number): boolean {
    const t = this.tokens[j];
    return !t || (t.kind === 'punct' && [',', ':', ']', '}', ')', ';'].includes(t.text)) || (t.kind === 'ident' && t.text === 'as' && this.lang === 'swift');
  }

  /** Swift `as [String: Any]`, `as! NSString` after a value. */
  private skipCast(j: number): number {
    if (this.lang !== 'swift' || this.tokens[j]?.text !== 'as') return j;
    j++;
    if (this.tokens[j]?.text === '!' || this.tokens[j]?.text === '?') j++;
    const t = this.tokens[j];
    if (t?.text === '[' || t?.text === '(') return this.skipCast(this.skipGroup(j));
    while (this.tokens[j]?.kind === 'ident' || this.tokens[j]?.text === '.') j++;
    return j;
  }

  /** An expression: everything up to a separator or closer at its own depth. */
  private expression(i: number): { lit: Literal; next: number } {
    let j = i;
    for (;;) {
      const t = this.tokens[j];
      if (!t || (t.kind === 'punct' && [',', ':', ']', '}', ')', ';'].includes(t.text))) break;
      j = t.kind === 'punct' && CLOSER[t.text] ? this.skipGroup(j) : j + 1;
    }
    if (j === i) this.fail(this.tokens[i]?.offset ?? this.text.length, `expected a value, found '${this.tokens[i]?.text ?? 'the end of the file'}'`);
    const start = this.tokens[i]!.offset;
    const last = this.tokens[j - 1]!;
    return { lit: { kind: 'expr', offset: start, text: this.text.slice(start, last.offset + last.text.length).replace(/\s+/g, ' ').slice(0, 80) }, next: j };
  }

  /** `[a, b]`, `[k: v]`, `[:]` (Swift); `@[a, b]`, `@{k: v}` (Objective-C). */
  private collection(i: number, depth: number): { lit: Literal; next: number } {
    const open = this.tokens[i]!;
    const close = CLOSER[open.text]!;
    const isDict = open.text === '@{' ? true : open.text === '@[' ? false : undefined;
    let j = i + 1;
    if (this.lang === 'swift' && this.tokens[j]?.text === ':' && this.tokens[j + 1]?.text === ']') return { lit: { kind: 'dict', offset: open.offset, entries: [] }, next: j + 2 };
    const entries: { key: Literal; value: Literal }[] = [];
    const items: Literal[] = [];
    let dict = isDict;
    while (this.tokens[j]?.text !== close) {
      if (!this.tokens[j]) this.fail(open.offset, `'${open.text}' is never closed`);
      const first = this.value(j, depth + 1);
      j = first.next;
      if (this.tokens[j]?.text === ':') {
        if (dict === false) this.fail(this.tokens[j]!.offset, `':' in an array literal`);
        dict = true;
        const v = this.value(j + 1, depth + 1);
        entries.push({ key: first.lit, value: v.lit });
        j = v.next;
      } else {
        if (dict === true) this.fail(this.tokens[j]?.offset ?? open.offset, `expected ':' after a dictionary key`);
        dict = false;
        items.push(first.lit);
      }
      const sep = this.tokens[j];
      if (sep?.text === ',') j++;
      else if (sep?.text !== close) {
        if (!sep) this.fail(open.offset, `'${open.text}' is never closed`);
        this.fail(sep!.offset, sep!.kind === 'punct' && [']', '}', ')'].includes(sep!.text) ? `'${sep!.text}' does not close '${open.text}' (opened at ${this.where(open.offset)})` : `expected ',' or '${close}', found '${sep!.text}'`);
      }
    }
    return { lit: dict ? { kind: 'dict', offset: open.offset, entries } : { kind: 'array', offset: open.offset, items }, next: j + 1 };
  }
}

/** Words before a Swift declaration's name. */
const DECLARATION = new Set(['let', 'var']);

/**
 * The constants a file defines with a literal value, by name: Swift `let`/`var` (typed or not,
 * `static`, in any type), Objective-C `NSString * const kName = @"…";` and other `name = literal`,
 * and `#define kName @"…"`. The first definition of a name wins. Values that are not literals are
 * left out.
 */
export function fileConstants(reader: LiteralReader, defines: Map<string, Token[]>): Map<string, Literal> {
  const found = new Map<string, Literal>();
  const tokens = reader.tokens;
  const keep = (name: string, lit: Literal) => {
    if (!found.has(name) && lit.kind !== 'expr') found.set(name, lit);
  };
  tokens.forEach((t, i) => {
    if (t.kind !== 'punct' || t.text !== '=') return;
    let name: string | undefined;
    const line = reader.lines.line(t.offset);
    // Swift: `let name: Type = value`: the name follows `let`/`var` earlier in the same statement (line).
    for (let j = i - 1; j >= 0 && j >= i - 16; j--) {
      const b = tokens[j]!;
      if ((b.kind === 'punct' && [';', '{', '}'].includes(b.text)) || reader.lines.line(b.offset) !== line) break;
      if (b.kind === 'ident' && DECLARATION.has(b.text) && tokens[j + 1]?.kind === 'ident') {
        name = tokens[j + 1]!.text;
        break;
      }
    }
    if (!name && tokens[i - 1]?.kind === 'ident') name = tokens[i - 1]!.text;
    // Closures and tuples (`= { ... }`, `= (a, b)`) are no constants: not read, so nested
    // assignments inside them are not read twice.
    if (!name || ['{', '('].includes(tokens[i + 1]?.text ?? '{')) return;
    try {
      keep(name, reader.value(i + 1).lit);
    } catch {
      // Not a literal we read (a closure, a call): not a constant for us.
    }
  });
  for (const [name, list] of defines) {
    if (!list.length) continue;
    try {
      const sub = new LiteralReader(reader.file, reader.text, list, reader.lang);
      const v = sub.value(0);
      if (v.next === list.length) keep(name, v.lit);
    } catch {
      // A macro that is not one literal.
    }
  }
  return found;
}
