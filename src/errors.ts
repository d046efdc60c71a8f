/**
 * One shallow error family. Every error a user can cause carries a stable `code` and a message
 * that says what happened, where, and what to do; the CLI prints it as one line and exits 2.
 */
export class PinprickError extends Error {
  /** Stable machine-readable code, e.g. `E_INPUT`, `E_WORLD`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input from the user: a missing file, something that is not a certificate, a bad flag value. */
export class InputError extends PinprickError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INPUT', message, options);
  }
}

/** A world on disk that cannot be loaded or does not match what was asked. */
export class WorldError extends PinprickError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_WORLD', message, options);
  }
}

/** A network peer that cannot be reached or does not speak TLS. */
export class NetworkError extends PinprickError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_NETWORK', message, options);
  }
}

/** A scenario or profile file that cannot be used, located to file:line:col. */
export class ScenarioError extends PinprickError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    /** What was wrong, without the location. */
    readonly detail: string,
  ) {
    super('E_SCENARIO', `${file}:${line}:${col}: ${detail}`);
  }
}

/** Order of two problems of one file: by line, then column. */
export function byPosition(a: ScenarioError, b: ScenarioError): number {
  return a.line - b.line || a.col - b.col;
}

/** The proxy cannot start or serve as asked: a port that cannot be bound, a log that cannot be opened. */
export class ProxyError extends PinprickError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PROXY', message, options);
  }
}
