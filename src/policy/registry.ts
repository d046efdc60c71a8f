/**
 * Every policy format module, and reading a file whose format is detected from its name and
 * content (`pinprick lint FILE`, `pinprick run --profile FILE`).
 */
import { InputError } from '../errors.js';
import type { PolicyFormat, PolicyFormatModule, ReadPolicy } from './format.js';
import { androidNsc } from './formats/android-nsc.js';
import { approovFormat } from './formats/approov.js';
import { atsFormat } from './formats/ats.js';
import { curlFormat } from './formats/curl.js';
import { hpkpFormat } from './formats/hpkp.js';
import { okhttpFormat } from './formats/okhttp.js';
import { pinprickFormat } from './formats/pinprick.js';
import { reactNativeFormat } from './formats/react-native.js';
import { trustkitFormat } from './formats/trustkit.js';

/** The modules, one per format (src/policy/formats/*.ts). */
export const FORMAT_MODULES: readonly PolicyFormatModule[] = [
  pinprickFormat,
  androidNsc,
  trustkitFormat,
  atsFormat,
  okhttpFormat,
  hpkpFormat,
  curlFormat,
  reactNativeFormat,
  approovFormat,
];

/** The module of a format. */
export function formatModule(format: PolicyFormat): PolicyFormatModule {
  const m = FORMAT_MODULES.find((f) => f.format === format);
  if (!m) throw new InputError(`no reader for the pin policy format '${format}' (known: ${FORMAT_MODULES.map((f) => f.format).join(', ')})`);
  return m;
}

/** The format a file is most likely in, or undefined when no module recognises it (score under 0.5). */
export function detectFormat(file: string, text: string): PolicyFormat | undefined {
  let best: { format: PolicyFormat; score: number } | undefined;
  for (const m of FORMAT_MODULES) {
    const score = m.detect(file, text);
    if (score >= 0.5 && (!best || score > best.score)) best = { format: m.format, score };
  }
  return best?.format;
}

/** Read a policy file in the format given, or the one detected; one clear line when none fits. */
export function readPolicy(file: string, text: string, format?: PolicyFormat): ReadPolicy {
  const f = format ?? detectFormat(file, text);
  if (!f) throw new InputError(`${file}: not a pin configuration pinprick can read (formats: ${FORMAT_MODULES.map((m) => m.format).join(', ')}); name it with --format`);
  return formatModule(f).read(file, text);
}

/**
 * Largest pin configuration file `lint` reads: 1 MiB, as scenario and profile files. The files
 * these formats live in are small (an Info.plist or a network_security_config.xml is a few KB, a
 * Swift or Kotlin file holding a TrustKit dictionary or a CertificatePinner rarely 100 KB), and
 * every reader is linear in its input.
 */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;
