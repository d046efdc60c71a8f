/**
 * Tokens of the program source pin configurations are written in: Java and Kotlin (OkHttp's
 * CertificatePinner), JavaScript and TypeScript (react-native-ssl-public-key-pinning, helmet),
 * Ruby (secure_headers). Enough of each language to find string literals, their interpolations,
 * comments and brackets with their offsets; not a compiler. What a reader cannot tokenise (an
 * unterminated string or comment, a bracket that never closes) is a PolicyFileError at the spot.
 */
import { PolicyFileError, spotOf } from '../format.js';

/** The languages the lexer knows. */
export type SourceLanguage = 'java' | 'kotlin' | 'js' | 'ruby';

/** One piece of an interpolated string: text, or an embedded expression (`$name`, `${expr}`, `#{expr}`). */
export type StringPart = { kind: 'text'; value: string } | { kind: 'expr'; text: string; start: number };

/** One token; `start`/`end` are offsets in the file. */
export interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct' | 'symbol';
  /** Source text (for strings: the decoded value when there is no interpolation). */
  text: string;
  start: number;
  end: number;
  /** Strings with interpolation: the pieces in order. */
  parts?: StringPart[];
}

/** A comment, for labels written after a pin (`"sha256/…", // backup key`). */
export interface Comment {
  start: number;
  end: number;
  /** Without the comment markers, trimmed. */
  text: string;
}

/** Tokens and comments of a source file. */
export interface Lexed {
  tokens: Token[];
  comments: Comment[];
}

const PUNCT = ['>>>=', '...', '===', '!==', '<<=', '>>=', '**=', '=>', '==', '!=', '<=', '>=', '&&', '||', '::', '?.', '?:', '!!', '->', '++', '--', '+=', '-=', '*=', '/=', '..', '<<', '**'];
const IDENT_START = /[A-Za-z_$@]/;
const IDENT_PART = /[A-Za-z0-9_$]/;

/** Options of {@link lex}. */
export interface LexOptions {
  /**
   * JavaScript with JSX (.jsx, .tsx, React Native's .js): an element in expression position is
   * skipped as one opaque region, so the text between tags (`<Text>Don't</Text>`) is not read as
   * code.
   */
  jsx?: boolean;
}

/** Tokenise `text`; a string or comment left open is a PolicyFileError naming where it starts. */
export function lex(file: string, text: string, language: SourceLanguage, options: LexOptions = {}): Lexed {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const fail = (at: number, detail: string): never => {
    const { line, column } = spotOf(text, at);
    throw new PolicyFileError(file, line, column, detail);
  };
  const hashComments = language === 'ruby';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\ufeff') {
      i++;
      continue;
    }
    if ((!hashComments && c === '/' && text[i + 1] === '/') || (hashComments && c === '#')) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      comments.push({ start: i, end: stop, text: text.slice(i + (hashComments ? 1 : 2), stop).trim() });
      i = stop;
      continue;
    }
    if (!hashComments && c === '/' && text[i + 1] === '*') {
      // Kotlin block comments nest (kotlinlang.org grammar: DelimitedComment); Java's and JavaScript's do not.
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else if (language === 'kotlin' && text.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else j++;
      }
      if (depth > 0) fail(i, 'unterminated comment');
      comments.push({ start: i, end: j, text: text.slice(i + 2, j - 2).replace(/^\s*\*+/gm, '').trim() });
      i = j;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const t = readString(text, i, language, fail);
      if (t) {
        tokens.push(t);
        i = t.end;
        continue;
      }
    }
    if (options.jsx && language === 'js' && c === '<' && /[A-Za-z>]/.test(text[i + 1] ?? '') && regexAllowed(tokens[tokens.length - 1])) {
      const end = skipJsx(text, i, fail);
      tokens.push({ kind: 'ident', text: 'JSX', start: i, end });
      i = end;
      continue;
    }
    if (language === 'js' && c === '/' && regexAllowed(tokens[tokens.length - 1])) {
      i = skipRegex(text, i, fail);
      continue;
    }
    if (language === 'ruby' && c === ':' && IDENT_START.test(text[i + 1] ?? '') && text[i + 1] !== '@' && text[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && IDENT_PART.test(text[j]!)) j++;
      tokens.push({ kind: 'symbol', text: text.slice(i + 1, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? '') && language !== 'ruby')) {
      let j = i;
      if (/0[xXbB]/.test(text.slice(i, i + 2))) j += 2;
      while (j < n && /[0-9A-Fa-f_]/.test(text[j]!)) j++;
      // A decimal point only when a digit follows: Ruby's `60.days` and Kotlin's `1..3` are not fractions.
      if (text[j] === '.' && /[0-9]/.test(text[j + 1] ?? '')) {
        j++;
        while (j < n && /[0-9_eE]/.test(text[j]!)) j++;
      }
      while (j < n && /[lLfFdDuU]/.test(text[j]!)) j++;
      tokens.push({ kind: 'number', text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(text[j]!)) j++;
      // Ruby method names may end with ? or ! (`include_subdomains?` is a call, not a key).
      if (language === 'ruby' && (text[j] === '?' || text[j] === '!') && text[j + 1] !== '=') j++;
      tokens.push({ kind: 'ident', text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    const p = PUNCT.find((op) => text.startsWith(op, i)) ?? c;
    tokens.push({ kind: 'punct', text: p, start: i, end: i + p.length });
    i += p.length;
  }
  checkBrackets(tokens, text, fail);
  return { tokens, comments };
}

/** After these a `/` starts a regular expression literal rather than a division (ECMA-262 goal symbols, approximated). */
function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.kind === 'ident') return ['return', 'typeof', 'case', 'in', 'of', 'new', 'delete', 'void', 'throw', 'else', 'do', 'await', 'yield'].includes(prev.text);
  if (prev.kind === 'punct') return ![')', ']', '}', '++', '--'].includes(prev.text);
  return false;
}

function skipRegex(text: string, start: number, fail: (at: number, detail: string) => never): number {
  let i = start + 1;
  let inClass = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') break;
    if (c === '\\') i += 2;
    else if (c === '[') (inClass = true), i++;
    else if (c === ']') (inClass = false), i++;
    else if (c === '/' && !inClass) {
      i++;
      while (i < text.length && /[a-z]/i.test(text[i]!)) i++;
      return i;
    } else i++;
  }
  return fail(start, 'unterminated regular expression literal');
}

/** Elements inside expressions inside elements: deeper than this is not an app (and recursion stays bounded). */
const MAX_JSX_NESTING = 256;

/**
 * The end of the JSX element starting at `start` (facebook.github.io/jsx: tags, attributes in
 * quotes or braces, text children, `{…}` children that may hold elements again).
 */
function skipJsx(text: string, start: number, fail: (at: number, detail: string) => never, nesting = 0): number {
  if (nesting > MAX_JSX_NESTING) return fail(start, `JSX nested more than ${MAX_JSX_NESTING} deep`);
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{') {
      i = skipBraces(text, i, fail, nesting);
      continue;
    }
    if (c !== '<') {
      i++;
      continue;
    }
    const closingTag = text[i + 1] === '/';
    let j = i + 1;
    while (j < text.length && text[j] !== '>') {
      const d = text[j]!;
      if (d === '"' || d === "'") {
        const q = text.indexOf(d, j + 1);
        if (q === -1) return fail(j, 'unterminated string in a JSX attribute');
        j = q + 1;
      } else if (d === '{') j = skipBraces(text, j, fail, nesting);
      else j++;
    }
    if (j >= text.length) return fail(i, 'unterminated JSX tag');
    const selfClosing = text[j - 1] === '/';
    i = j + 1;
    if (closingTag) depth--;
    else if (!selfClosing) depth++;
    if (depth <= 0) return i;
  }
  return fail(start, 'JSX element is never closed');
}

/** The offset after the `}` matching the `{` at `start`, skipping strings, comments and JSX inside. */
function skipBraces(text: string, start: number, fail: (at: number, detail: string) => never, nesting: number): number {
  let depth = 0;
  let i = start;
  let prev = '';
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return fail(i, 'unterminated string literal');
      i = j + 1;
      prev = c;
      continue;
    } else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return fail(i, 'unterminated comment');
      i = close + 2;
      continue;
    } else if (c === '<' && /[A-Za-z>]/.test(text[i + 1] ?? '') && /[(,{?:=&|>]|^$/.test(prev)) {
      i = skipJsx(text, i, fail, nesting + 1);
      prev = '>';
      continue;
    }
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return fail(start, "'{' is never closed");
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', s: ' ' };

/**
 * A string literal starting at `start`: Java `"…"` and text blocks, Kotlin `"…"` and raw `"""…"""`
 * with `$name` / `${expr}` templates, JavaScript `'…'`, `"…"` and `` `…${expr}…` ``, Ruby `'…'`
 * and `"…#{expr}…"`. Java and Kotlin `'c'` are characters (one token, never a pin). Undefined when
 * the quote does not start a string in that language.
 */
function readString(text: string, start: number, language: SourceLanguage, fail: (at: number, detail: string) => never): Token | undefined {
  const q = text[start]!;
  if (q === '`' && language !== 'js') return undefined;
  const triple = q === '"' && (language === 'kotlin' || language === 'java') && text.startsWith('"""', start);
  const open = triple ? 3 : 1;
  const interpolates = (language === 'kotlin' && q === '"') || (language === 'js' && q === '`') || (language === 'ruby' && q === '"');
  const escapes = !(triple && language === 'kotlin') && !(language === 'ruby' && q === "'");
  const parts: StringPart[] = [];
  let buf = '';
  let i = start + open;
  const n = text.length;
  for (;;) {
    if (i >= n) return fail(start, 'unterminated string literal');
    const c = text[i]!;
    if (triple ? text.startsWith('"""', i) : c === q) break;
    if (c === '\n' && !triple && q !== '`' && language !== 'ruby') return fail(start, 'unterminated string literal');
    if (c === '\\' && escapes) {
      const e = text[i + 1] ?? '';
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        buf += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else if (e === '\n') {
        i += 2;
      } else {
        buf += ESCAPES[e] ?? e;
        i += 2;
      }
      continue;
    }
    if (c === '\\' && language === 'ruby' && q === "'" && (text[i + 1] === "'" || text[i + 1] === '\\')) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (interpolates) {
      const embedded = language === 'kotlin' ? (c === '$' ? text[i + 1] : undefined) : language === 'js' ? (c === '$' ? text[i + 1] : undefined) : c === '#' ? text[i + 1] : undefined;
      if (embedded === '{') {
        const close = matchingBrace(text, i + 2, fail);
        if (buf) parts.push({ kind: 'text', value: buf });
        buf = '';
        parts.push({ kind: 'expr', text: text.slice(i + 2, close), start: i + 2 });
        i = close + 1;
        continue;
      }
      if (language === 'kotlin' && c === '$' && embedded !== undefined && /[A-Za-z_]/.test(embedded)) {
        let j = i + 1;
        while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
        if (buf) parts.push({ kind: 'text', value: buf });
        buf = '';
        parts.push({ kind: 'expr', text: text.slice(i + 1, j), start: i + 1 });
        i = j;
        continue;
      }
    }
    buf += c;
    i++;
  }
  const end = i + open;
  if ((language === 'java' || language === 'kotlin') && q === "'") return { kind: 'punct', text: 'char', start, end };
  if (parts.length) {
    if (buf) parts.push({ kind: 'text', value: buf });
    return { kind: 'string', text: text.slice(start, end), start, end, parts };
  }
  return { kind: 'string', text: triple && language === 'java' ? textBlock(buf) : buf, start, end };
}

/** A Java text block's content (JLS 3.10.6): the line after the opening quotes on, common indentation removed. */
function textBlock(raw: string): string {
  const lines = raw.replace(/^[^\n]*\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
}

/** The offset of the `}` closing an interpolation that starts at `from` (braces and quotes inside counted). */
function matchingBrace(text: string, from: number, fail: (at: number, detail: string) => never): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close === -1) break;
      i = close;
    }
  }
  return fail(from - 2, 'unterminated interpolation in a string literal');
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Every bracket closes, in order; else where it went wrong (what a compiler would say first). */
function checkBrackets(tokens: readonly Token[], text: string, fail: (at: number, detail: string) => never): void {
  const stack: Token[] = [];
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (PAIRS[t.text]) stack.push(t);
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      const open = stack.pop();
      if (!open) fail(t.start, `unexpected '${t.text}' with nothing open`);
      else if (PAIRS[open.text] !== t.text) {
        const at = spotOf(text, open.start);
        fail(t.start, `'${t.text}' where the '${open.text}' of line ${at.line} column ${at.column} needs '${PAIRS[open.text]}'`);
      }
    }
  }
  const open = stack.pop();
  if (open) fail(open.start, `'${open.text}' is never closed`);
}

/** Index of the token closing the bracket at `open` (tokens are balanced: lex checked). */
export function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (PAIRS[t.text]) depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length - 1;
}

/**
 * The comment on the same line after offset `end`, with only `,`, `;`, `)`, `]` and spaces between:
 * how a label is written next to a pin (`"sha256/…", // backup: offline key`).
 */
export function trailingComment(text: string, comments: readonly Comment[], end: number): string | undefined {
  const c = comments.find((k) => k.start >= end && !text.slice(end, k.start).includes('\n'));
  if (!c || !/^[\s,;)\]]*$/.test(text.slice(end, c.start))) return undefined;
  return c.text || undefined;
}
