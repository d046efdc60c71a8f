import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { certificateParts } from './der.js';
import { jksTrustStore } from './jks.js';
import { rootsProfile } from './mobileconfig.js';
import { pemOf } from './pem.js';
import { TRUST_STORE_PASSWORD, pkcs12TrustStore } from './pkcs12.js';
import type { World, WorldCert } from './world.js';

/**
 * OpenSSL's `x509 -subject_hash_old`: MD5 of the DER subject Name, first four bytes read
 * little-endian. Android's system trust store names each CA file `<hash>.0` with it.
 */
export function subjectHashOld(der: Uint8Array): string {
  const md5 = createHash('md5').update(certificateParts(der).subject).digest();
  return md5.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** One file written by {@link exportCa}. */
export interface ExportedFile {
  path: string;
  /** The root it holds, or undefined for the bundle. */
  root?: string;
  kind: 'pem-bundle' | 'pkcs12' | 'jks' | 'mobileconfig' | 'der' | 'android-system';
}

/** What {@link exportCa} wrote. */
export interface CaExport {
  dir: string;
  bundle: string;
  /** The roots as a PKCS#12 trust store (certificates only) and its password. */
  pkcs12: { path: string; password: string };
  /** The same roots as a JKS trust store (Java 8 and older tools), same aliases and password. */
  jks: { path: string; password: string };
  /** The same roots as an unsigned Apple configuration profile (iOS, iPadOS, macOS). */
  mobileconfig: string;
  roots: { name: string; subject: string; der: string; android: string; subjectHashOld: string; pinSha256: string }[];
  files: ExportedFile[];
}

/** Options of {@link exportCa}. */
export interface ExportCaOptions {
  /** The creation date of the JKS entries (keytool -list shows it); the current time if omitted. */
  now?: Date;
}

/**
 * Write the roots a test client must trust: one PEM bundle, one PKCS#12 trust store (Windows,
 * Java 9+), the same as a JKS trust store (Java 8), an Apple configuration profile (iOS, macOS),
 * one DER `.cer` per root (what phones import), and `<subject_hash_old>.0` per root for Android's
 * system store. Only public material: no file holds a private key.
 */
export async function exportCa(world: World, outDir: string, options: ExportCaOptions = {}): Promise<CaExport> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const roots = world.trustedRoots();
  const bundle = join(dir, `pinprick-${world.name}-roots.pem`);
  writeFileSync(bundle, roots.map((r) => `# ${r.name}: ${r.x509.subject.split('\n').join(', ')}\n${pemOf(r.der, 'CERTIFICATE')}`).join(''));
  const trusted = roots.map((r) => ({ der: r.der, alias: `pinprick-${r.name}` }));
  const p12 = join(dir, `pinprick-${world.name}-roots.p12`);
  writeFileSync(p12, await pkcs12TrustStore(trusted));
  const jks = join(dir, `pinprick-${world.name}-roots.jks`);
  writeFileSync(jks, jksTrustStore(trusted, options.now ?? new Date()));
  const mobileconfig = join(dir, `pinprick-${world.name}-roots.mobileconfig`);
  writeFileSync(mobileconfig, rootsProfile({ world: world.name, seeded: world.seeded, roots: roots.map((r) => ({ name: r.name, subject: commonName(r), der: r.der })) }));
  const files: ExportedFile[] = [
    { path: bundle, kind: 'pem-bundle' },
    { path: p12, kind: 'pkcs12' },
    { path: jks, kind: 'jks' },
    { path: mobileconfig, kind: 'mobileconfig' },
  ];
  const used = new Set<string>();
  const out: CaExport['roots'] = [];
  for (const root of roots) {
    const der = join(dir, `pinprick-${world.name}-${root.name}.cer`);
    writeFileSync(der, root.der);
    const hash = subjectHashOld(root.der);
    // Distinct roots with the same subject hash take .1, .2, … as c_rehash does.
    let n = 0;
    while (used.has(`${hash}.${n}`)) n++;
    used.add(`${hash}.${n}`);
    const android = join(dir, `${hash}.${n}`);
    writeFileSync(android, pemOf(root.der, 'CERTIFICATE'));
    files.push({ path: der, root: root.name, kind: 'der' }, { path: android, root: root.name, kind: 'android-system' });
    out.push({ name: root.name, subject: subjectLine(root), der, android, subjectHashOld: hash, pinSha256: root.pin.sha256 });
  }
  return { dir, bundle, pkcs12: { path: p12, password: TRUST_STORE_PASSWORD }, jks: { path: jks, password: TRUST_STORE_PASSWORD }, mobileconfig, roots: out, files };
}

function subjectLine(c: WorldCert): string {
  return c.x509.subject.split('\n').join(', ');
}

/** The subject's commonName, what iOS lists a root under; the whole subject when it has none. */
function commonName(c: WorldCert): string {
  const cn = c.x509.subject.split('\n').find((p) => p.startsWith('CN='));
  return cn ? cn.slice(3) : subjectLine(c);
}

/**
 * How to install the roots, per platform. Every step installs every root: the catalog needs all
 * of them (the calibration and the attacks are signed by the rogue root a test client is meant to
 * trust, rotations by the second genuine root), so a device with one root fails the calibration.
 * iOS trusts a root installed by hand (profile or .cer) for TLS only once full trust is turned on
 * for it in Certificate Trust Settings, since iOS 10.3 (Apple, HT204477).
 */
export function installInstructions(exported: CaExport): string {
  const roots = exported.roots;
  const names = roots.map((r) => r.name).join(', ');
  const each = (line: (r: CaExport['roots'][number]) => string, indent = '          ') => roots.map((r) => indent + line(r)).join('\n');
  const hashFile = (r: CaExport['roots'][number]) => r.android.split('/').pop()!;
  return `How to trust these roots (only on test devices: these CAs can issue a certificate for any host).
Install all ${roots.length} (${names}): the calibration scenario and the attacks are signed by the
rogue root a test client is meant to trust, so a device with only the genuine root fails calibration.

curl:     curl --cacert ${exported.bundle} --capath /nonexistent https://api.pinprick.test/
          (--capath to an empty or missing folder stops curl from also trusting the system store)
Node:     NODE_EXTRA_CA_CERTS=${exported.bundle} node app.js
Java:     run the app with a trust store holding all ${roots.length} roots (password ${exported.pkcs12.password}); Java 9+ reads the PKCS#12:
          java -Djavax.net.ssl.trustStore=${exported.pkcs12.path} -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=${exported.pkcs12.password} -jar app.jar
          Java 8 (default keystore type jks) and tools that take only a JKS file: the same roots as JKS:
          java -Djavax.net.ssl.trustStore=${exported.jks.path} -Djavax.net.ssl.trustStoreType=JKS -Djavax.net.ssl.trustStorePassword=${exported.jks.password} -jar app.jar
          or add them to a keystore of your own, all at once:
          keytool -importkeystore -srckeystore ${exported.pkcs12.path} -srcstoretype PKCS12 -srcstorepass ${exported.pkcs12.password} -destkeystore test.jks -deststorepass changeit -noprompt
          or one at a time:
${each((r) => `keytool -importcert -noprompt -alias pinprick-${r.name} -file ${r.der} -keystore test.jks -storepass changeit`)}
Windows:  open ${exported.pkcs12.path} (password ${exported.pkcs12.password}) and place every
          certificate in "Trusted Root Certification Authorities"; or one root at a time:
${each((r) => `certutil -user -addstore Root ${r.der}`)}
Firefox:  Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import,
          each file, ticking "Trust this CA to identify websites" (Authorities takes certificates, not a .p12):
${each((r) => r.der)}
Android, user store (Android 7+ apps ignore it unless their network_security_config trusts "user",
          e.g. <debug-overrides><trust-anchors><certificates src="user"/></trust-anchors></debug-overrides>):
${each((r) => `adb push ${r.der} /sdcard/Download/`)}
          then for each file: Settings > Security > Encryption & credentials > Install a certificate > CA certificate
Android, system store (rooted emulator, Android 7 to 13):
          adb root && adb remount
${each((r) => `adb push ${exported.dir}/${hashFile(r)} /system/etc/security/cacerts/ && adb shell chmod 644 /system/etc/security/cacerts/${hashFile(r)}`)}
          adb reboot
Android 14+, system store (rooted emulator: the roots now live in the read-only Conscrypt APEX,
          so a tmpfs copy of it with these roots added is bind-mounted over it in zygote and in every
          running app; it lasts until the next reboot, so run it again after each boot):
          adb root && adb shell mkdir -p -m 700 /data/local/tmp/pinprick-ca
${each((r) => `adb push ${exported.dir}/${hashFile(r)} /data/local/tmp/pinprick-ca/`)}
          adb shell 'cp /apex/com.android.conscrypt/cacerts/* /data/local/tmp/pinprick-ca/ && mount -t tmpfs tmpfs /system/etc/security/cacerts && cp /data/local/tmp/pinprick-ca/* /system/etc/security/cacerts/ && chown root:root /system/etc/security/cacerts/* && chmod 644 /system/etc/security/cacerts/* && chcon u:object_r:system_file:s0 /system/etc/security/cacerts/*'
          adb shell 'for z in $(pidof zygote zygote64); do for p in $z $(ps -o PID= -P $z); do nsenter --mount=/proc/$p/ns/mnt -- mount --bind /system/etc/security/cacerts /apex/com.android.conscrypt/cacerts; done; done'
iOS:      send the configuration profile (all ${roots.length} roots) to the device by AirDrop, mail or a Safari download:
          ${exported.mobileconfig}
          install it in Settings > General > VPN & Device Management (it is unsigned, so iOS shows it
          as not verified), then turn on full trust for each of the ${roots.length} roots in Settings > General >
          About > Certificate Trust Settings: since iOS 10.3 a root installed by hand is not trusted
          for TLS until then. Or send each .cer file and install each the same way:
${each((r) => r.der)}
          Simulator:
${each((r) => `xcrun simctl keychain booted add-root-cert ${r.der}`)}
macOS:    open ${exported.mobileconfig}
          and install it in System Settings > General > Device Management (macOS 13: Privacy & Security > Profiles);
          or trust each root for every user from a shell:
${each((r) => `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${r.der}`)}`;
}
