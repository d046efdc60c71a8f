/**
 * curl's `--pinnedpubkey` (curl.se/docs/manpage.html#--pinnedpubkey): `sha256//B64;sha256//B64`,
 * as written in a shell script or command line (`curl --pinnedpubkey "$PINS" https://host/…`,
 * with the variables of the same script), in a curl config file (`.curlrc`: `pinnedpubkey =
 * "sha256//…"`, `url = …`), or as the bare value.
 *
 * Semantics: curl compares the hashes with the public key of the server's certificate only, the
 * leaf ("A public key is extracted from this certificate and if it does not exactly match the
 * public key provided to this option, curl aborts the connection"), so every pin is `on: 'leaf'`
 * and a pin of an intermediate or root never matches. curl itself splits the list at
 * `;sha256//`, so each element must carry the prefix. The pins apply to the URLs of that command
 * (or config file): their hosts are the rule's domains; without a URL the file does not say which
 * host is pinned, and the rule's domain is UNNAMED_HOST (`hostless`, `--host` fills it in).
 *
 * A value without `sha256//` is the path of a PEM or DER public key file: pinprick reads only the
 * file it was given, so it notes the path (pin it with `pinprick pins FILE`) and makes no rule.
 *
 * No platform is implied: curl is built on OpenSSL, GnuTLS, Secure Transport or Schannel, and the
 * pin check is curl's own on top of whichever validates the chain.
 */
import { InputError } from '../../errors.js';
import type { PinPolicy, PinRule } from '../../model/policy.js';
import { PolicyFileError, UNNAMED_HOST, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type SourceSpot } from '../format.js';
import type { Located } from './located.js';
import { policyPin, readPin } from './pins.js';

/** A piece of a shell word: literal characters, a variable, or an expansion pinprick cannot evaluate. */
type Segment = { kind: 'lit'; text: string; offsets: number[] } | { kind: 'var'; name: string; fallback?: string; start: number } | { kind: 'unknown'; text: string; start: number };

interface Word {
  segments: Segment[];
  start: number;
  end: number;
}

/**
 * Shell words and commands (POSIX sh 2.2-2.6, the parts scripts use around curl): quotes,
 * backslashes, line continuations, comments, `$VAR`, `${VAR}`, `${VAR:-default}`; `$(…)` and
 * backticks are kept as unknown. Commands end at newlines, `;`, `&`, `|`, `&&`, `||`. An
 * unterminated quote is a PolicyFileError at the quote, as the shell refuses the script.
 */
function shellCommands(file: string, text: string): Word[][] {
  const commands: Word[][] = [];
  let command: Word[] = [];
  let word: Word | undefined;
  /** The next word is a redirection's file (`> /dev/null`), not an argument. */
  let redirectTarget = false;
  const fail = (at: number, detail: string): never => {
    const { line, column } = spotOf(text, at);
    throw new PolicyFileError(file, line, column, detail);
  };
  const lit = (ch: string, at: number) => {
    word ??= { segments: [], start: at, end: at };
    const last = word.segments[word.segments.length - 1];
    if (last?.kind === 'lit') {
      last.text += ch;
      last.offsets.push(at);
    } else word.segments.push({ kind: 'lit', text: ch, offsets: [at] });
  };
  const endWord = (at: number) => {
    if (word) {
      word.end = at;
      if (redirectTarget) redirectTarget = false;
      else command.push(word);
    }
    word = undefined;
  };
  const endCommand = (at: number) => {
    endWord(at);
    redirectTarget = false;
    if (command.length) commands.push(command);
    command = [];
  };
  /** `$…` at `i`; returns the offset after it. */
  const dollar = (i: number): number => {
    word ??= { segments: [], start: i, end: i };
    const next = text[i + 1];
    if (next === '{') {
      const close = text.indexOf('}', i + 2);
      if (close === -1) return fail(i, "'${' is never closed");
      const inner = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::?-(.*))?$/s.exec(inner);
      word.segments.push(m ? { kind: 'var', name: m[1]!, ...(m[2] !== undefined ? { fallback: m[2] } : {}), start: i } : { kind: 'unknown', text: text.slice(i, close + 1), start: i });
      return close + 1;
    }
    if (next === '(') {
      let depth = 0;
      for (let j = i + 1; j < text.length; j++) {
        const c = text[j];
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) {
          word.segments.push({ kind: 'unknown', text: text.slice(i, j + 1), start: i });
          return j + 1;
        } else if (c === "'" || c === '"') {
          const q = text.indexOf(c, j + 1);
          if (q === -1) break;
          j = q;
        }
      }
      return fail(i, "'$(' is never closed");
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1, i + 200));
    if (m) {
      word.segments.push({ kind: 'var', name: m[0], start: i });
      return i + 1 + m[0].length;
    }
    if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      word.segments.push({ kind: 'unknown', text: `$${next}`, start: i });
      return i + 2;
    }
    lit('$', i);
    return i + 1;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      if (text[i + 1] === '\n') i += 2;
      else if (text[i + 1] === '\r' && text[i + 2] === '\n') i += 3;
      else {
        if (i + 1 < text.length) lit(text[i + 1]!, i + 1);
        i += 2;
      }
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) fail(i, 'unterminated quoted string (no closing \')');
      word ??= { segments: [], start: i, end: i };
      for (let j = i + 1; j < close; j++) lit(text[j]!, j);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      word ??= { segments: [], start: i, end: i };
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(i, 'unterminated quoted string (no closing ")');
        const d = text[j]!;
        if (d === '"') break;
        if (d === '\\' && /[$`"\\\n]/.test(text[j + 1] ?? '')) {
          if (text[j + 1] !== '\n') lit(text[j + 1]!, j + 1);
          j += 2;
        } else if (d === '$') j = dollar(j);
        else if (d === '`') {
          const close = text.indexOf('`', j + 1);
          if (close === -1) fail(j, 'unterminated command substitution (no closing `)');
          word.segments.push({ kind: 'unknown', text: text.slice(j, close + 1), start: j });
          j = close + 1;
        } else {
          lit(d, j);
          j++;
        }
      }
      i = j + 1;
      continue;
    }
    if (c === '$') {
      i = dollar(i);
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close === -1) fail(i, 'unterminated command substitution (no closing `)');
      word ??= { segments: [], start: i, end: i };
      word.segments.push({ kind: 'unknown', text: text.slice(i, close + 1), start: i });
      i = close + 1;
      continue;
    }
    if (c === '#' && !word) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    }
    if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endCommand(i);
      i++;
      continue;
    }
    if (c === '<' || c === '>') {
      // Redirections: `2>&1`, `>/dev/null`, `2>err.log`: the digits just before are a file descriptor, the word after is a file.
      const only = word?.segments.length === 1 ? word.segments[0] : undefined;
      if (only?.kind === 'lit' && /^[0-9]+$/.test(only.text)) word = undefined;
      endWord(i);
      i++;
      while (text[i] === '>' || text[i] === '<') i++;
      if (text[i] === '&') {
        i++;
        while (/[0-9-]/.test(text[i] ?? '')) i++;
      } else redirectTarget = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord(i);
      i++;
      continue;
    }
    lit(c, i);
    i++;
  }
  endCommand(text.length);
  return commands;
}

/** Shell variables as assigned so far, with where each character of their value is written. */
type Env = Map<string, Located | { unknown: string }>;

/** A word's value with the variables known so far, or what it depends on that is not in the file. */
function expand(word: Word, env: Env): Located | { unknown: string } {
  const out: Located = { text: '', offsets: [] };
  for (const s of word.segments) {
    if (s.kind === 'lit') {
      out.text += s.text;
      out.offsets.push(...s.offsets);
    } else if (s.kind === 'var') {
      const v = env.get(s.name);
      if (v && 'text' in v && (v.text !== '' || s.fallback === undefined)) {
        out.text += v.text;
        out.offsets.push(...v.offsets);
      } else if (s.fallback !== undefined && (!v || ('text' in v && v.text === ''))) {
        out.text += s.fallback;
        out.offsets.push(...[...s.fallback].map(() => s.start));
      } else return { unknown: v && 'unknown' in v ? v.unknown : `$${s.name}` };
    } else return { unknown: s.text };
  }
  return out;
}

/** The host of a URL as curl takes it, or undefined. */
function hostOf(url: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  try {
    const host = new URL(withScheme).hostname;
    return host.replace(/^\[|\]$/g, '') || undefined;
  } catch {
    return undefined;
  }
}

/** One `--pinnedpubkey` with the URLs it applies to. */
interface PinnedUse {
  value: Located | { unknown: string };
  at: number;
  urls: { url: Located | { unknown: string }; at: number }[];
}

/**
 * curl options that take an argument (curl.se/docs/manpage.html), the ones scripts use: the word
 * after one is that argument, not a URL.
 */
const ARGUMENT_OPTIONS = new Set([
  '-H', '--header', '-o', '--output', '-d', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--json', '-u', '--user', '-X', '--request', '-A', '--user-agent',
  '-e', '--referer', '-b', '--cookie', '-c', '--cookie-jar', '-F', '--form', '-T', '--upload-file', '-w', '--write-out', '-m', '--max-time', '--connect-timeout',
  '--cacert', '--capath', '-E', '--cert', '--key', '--cert-type', '--key-type', '--resolve', '--connect-to', '-x', '--proxy', '--retry', '--retry-delay', '--retry-max-time',
  '-K', '--config', '--ciphers', '--tls-max', '--proto', '--proto-redir', '-r', '--range', '-z', '--time-cond', '-D', '--dump-header', '--interface', '--dns-servers',
  '--limit-rate', '-Y', '--speed-limit', '-y', '--speed-time', '--max-filesize', '--oauth2-bearer', '--crlfile', '--proxy-cacert', '--proxy-pinnedpubkey', '-C', '--continue-at',
]);

/** The uses of --pinnedpubkey in a shell script or command line, with the URLs of the same command. */
function shellUses(file: string, text: string): PinnedUse[] {
  const env: Env = new Map();
  const uses: PinnedUse[] = [];
  for (const command of shellCommands(file, text)) {
    const values = command.map((w) => expand(w, env));
    const textOf = (j: number): string | undefined => {
      const v = values[j];
      return v && 'text' in v ? v.text : undefined;
    };
    let k = ['export', 'readonly', 'local', 'declare', 'typeset'].includes(textOf(0) ?? '') ? 1 : 0;
    // Assignments (NAME=value) before the command name, or as the whole command.
    for (; k < command.length; k++) {
      const first = command[k]!.segments[0];
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first?.kind === 'lit' ? first.text : '');
      if (!m) break;
      const v = values[k]!;
      env.set(m[1]!, 'text' in v ? { text: v.text.slice(m[0].length), offsets: v.offsets.slice(m[0].length) } : v);
    }
    // The words after `curl` (or every word: a bare `--pinnedpubkey '…'` line).
    const curl = command.findIndex((_, j) => j >= k && /(?:^|\/)curl$/.test(textOf(j) ?? ''));
    let use: PinnedUse | undefined;
    const urls: PinnedUse['urls'] = [];
    for (let j = curl === -1 ? k : curl + 1; j < command.length; j++) {
      const t = textOf(j);
      if (t === '--pinnedpubkey' && j + 1 < command.length) {
        use = { value: values[j + 1]!, at: command[j + 1]!.start, urls };
        j++;
      } else if (t === '--url' && j + 1 < command.length) {
        urls.push({ url: values[j + 1]!, at: command[j + 1]!.start });
        j++;
      } else if (t !== undefined && ARGUMENT_OPTIONS.has(t)) j++;
      else if (t === undefined || !t.startsWith('-')) {
        if (curl !== -1 || (t !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(t))) urls.push({ url: values[j]!, at: command[j]!.start });
      }
    }
    if (use) uses.push(use);
  }
  return uses;
}

/**
 * A curl config file (curl.se/docs/manpage.html#-K): one option a line, `name = value`,
 * `name: value` or `name value`, with or without the leading dashes; a value in double quotes
 * takes backslash escapes; `#` starts a comment line.
 */
function configUses(file: string, text: string): PinnedUse[] {
  let pinned: PinnedUse | undefined;
  const urls: PinnedUse['urls'] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const m = /^(\s*)(?:--)?([A-Za-z][A-Za-z0-9-]*)(\s*[=:]\s*|\s+)(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const [, lead, name, sep, raw] = m as unknown as [string, string, string, string, string];
    const at = lineStart + lead.length + (line.slice(lead.length).startsWith('--') ? 2 : 0) + name.length + sep.length;
    const value: Located = { text: '', offsets: [] };
    if (raw.startsWith('"')) {
      for (let j = 1; ; j++) {
        if (j >= raw.length) {
          const { line: l, column } = spotOf(text, at);
          throw new PolicyFileError(file, l, column, 'unterminated quoted value (no closing ")');
        }
        const ch = raw[j]!;
        if (ch === '"') break;
        if (ch === '\\' && j + 1 < raw.length) {
          const e = raw[j + 1]!;
          value.text += ({ t: '\t', n: '\n', r: '\r', v: '\v' } as Record<string, string>)[e] ?? e;
          value.offsets.push(at + j + 1);
          j++;
          continue;
        }
        value.text += ch;
        value.offsets.push(at + j);
      }
    } else {
      const word = raw.split(/\s/)[0]!;
      value.text = word;
      value.offsets = [...word].map((_, j) => at + j);
    }
    if (name === 'pinnedpubkey') pinned = { value, at, urls };
    else if (name === 'url') urls.push({ url: value, at });
  }
  return pinned ? [pinned] : [];
}

/** A curl config file, by its name (`.curlrc`, `_curlrc`, `curlrc`) or by an option line without dashes. */
function isConfigFile(file: string, text: string): boolean {
  return /(?:^|[/\\])[._]?curlrc$/i.test(file) || /^\s*pinnedpubkey(?:\s*[=:]|\s+")/m.test(text) || /^\s*--pinnedpubkey\s*[=:]/m.test(text);
}

function read(file: string, text: string): ReadPolicy {
  const uses = isConfigFile(file, text) ? configUses(file, text) : shellUses(file, text);
  const bare = text.trim();
  if (!uses.length && bare.startsWith('sha256//')) {
    const start = text.indexOf(bare);
    uses.push({ value: { text: bare, offsets: [...bare].map((_, j) => start + j) }, at: start, urls: [] });
  }
  if (!uses.length) throw new PolicyFileError(file, 1, 1, 'no --pinnedpubkey in this file (nor a bare sha256// list)');
  const spot = (offset: number): SourceSpot => spotOf(text, offset);
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const notes: PolicyNote[] = [];
  for (const use of uses) {
    if (!('text' in use.value)) {
      notes.push({ kind: 'other', at: spot(use.at), detail: `the --pinnedpubkey value comes from '${use.value.unknown}', which is not set in this file: pinprick cannot check it` });
      continue;
    }
    const value = use.value;
    if (!value.text.startsWith('sha256//')) {
      notes.push({ kind: 'other', at: spot(use.at), detail: `--pinnedpubkey '${value.text}' names a public key file: pinprick reads only this file; pin that key as sha256// hashes (pinprick pins ${value.text} --format curl)` });
      continue;
    }
    const ruleIndex = rules.length;
    const rule: PinRule = { domains: [], pins: [], enforce: true };
    const source: RuleSource = { at: spot(use.at), pins: [] };
    let from = 0;
    for (const element of value.text.split(';')) {
      const at = value.offsets[from] ?? use.at;
      from += element.length + 1;
      const reading = element.startsWith('sha256//') ? readPin(element, ['sha256']) : { problem: `'${element.slice(0, 60)}': curl splits the list at ';sha256//', so every hash needs the sha256// prefix` };
      if ('problem' in reading) notes.push({ kind: 'malformed-pin', at: spot(at), detail: reading.problem, text: element, ruleIndex });
      else {
        rule.pins.push(policyPin(reading.pin, undefined, 'leaf'));
        source.pins.push(spot(at));
      }
    }
    for (const { url, at } of use.urls) {
      const host = 'text' in url ? hostOf(url.text) : undefined;
      if (!host) {
        notes.push({ kind: 'other', at: spot(at), detail: `the URL ${'text' in url ? `'${url.text}' has no host curl would use` : `comes from '${url.unknown}', which is not set in this file`}: give the host with --host` });
        continue;
      }
      if (!rule.domains.some((d) => d.pattern === host)) rule.domains.push({ pattern: host });
    }
    if (!rule.domains.length) rule.domains.push({ pattern: UNNAMED_HOST });
    rules.push(rule);
    sources.push(source);
  }
  return {
    file,
    format: 'curl',
    policy: { rules },
    sources,
    notes,
    ...(rules.some((r) => r.domains.some((d) => d.pattern === UNNAMED_HOST)) ? { hostless: true as const } : {}),
  };
}

/**
 * `--pinnedpubkey 'sha256//…'` for a hostless rule, `curl --pinnedpubkey '…' https://host/` for
 * one with hosts; what curl cannot express is an InputError.
 */
function write(policy: PinPolicy): string {
  const lines: string[] = [];
  for (const rule of policy.rules) {
    if (!rule.enforce) throw new InputError('curl: --pinnedpubkey has no report-only mode; a rule is not enforced');
    if (rule.expiration) throw new InputError('curl: --pinnedpubkey does not expire; a rule has an expiration');
    if (!rule.pins.length) throw new InputError('curl: a rule has no pins');
    for (const pin of rule.pins) {
      if (pin.hash !== 'sha256') throw new InputError('curl: --pinnedpubkey takes sha256// hashes only; a rule has a SHA-1 pin');
      if (pin.on === 'ca') throw new InputError("curl: --pinnedpubkey checks the server's own key only; a pin restricted to CAs cannot be written");
    }
    const hosts = rule.domains.map((d) => {
      if (d.pattern.includes('*') || d.includeSubdomains) throw new InputError(`curl pins the hosts of the URLs it fetches; '${d.pattern}'${d.includeSubdomains ? ' with its subdomains' : ''} is not one`);
      return d.pattern;
    });
    const list = `'${rule.pins.map((p) => `sha256//${p.value}`).join(';')}'`;
    const named = hosts.filter((h) => h !== UNNAMED_HOST);
    if (!named.length) lines.push(`--pinnedpubkey ${list}`);
    else lines.push(`curl --pinnedpubkey ${list} ${named.map((h) => `'https://${h.includes(':') ? `[${h}]` : h}/'`).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `curl` format. */
export const curlFormat: PolicyFormatModule = {
  format: 'curl',
  title: 'curl --pinnedpubkey',
  detect(file, text) {
    if (/--pinnedpubkey\b/.test(text)) return 0.9;
    if (isConfigFile(file, text) && /pinnedpubkey/.test(text)) return 0.9;
    return /^\s*sha256\/\/[A-Za-z0-9+/]/.test(text) ? 0.8 : 0;
  },
  read,
  write,
};
