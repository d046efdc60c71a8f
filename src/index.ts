/**
 * pinprick's library API: everything a test suite or tool needs, along the core path
 * world -> scenario -> model -> proxy -> harness -> report. Nothing else is public.
 */
export * from './errors.js';
export { printable, hasUnsafeCharacter, DEFAULT_PRINTABLE_MAX, type PrintableOptions } from './printable.js';
// world
export { KEY_TYPES, generateKey, parseKeyType, describeKey, spkiDer, type KeyType } from './world/keys.js';
export { pinOfCertificate, pinOfKey, pinOfSpki, curlPinList, type Pin } from './world/pin.js';
export { issueCertificate, type CertRecipe, type SignatureHash } from './world/recipe.js';
export { defaultWorldSpec, DEFAULT_HOSTS, DEFAULT_KEY_TYPE, type WorldSpec, type CertDef, type KeyDef, type Party, type Position } from './world/spec.js';
export { World, materializeWorld, type WorldCert, type WorldKey } from './world/world.js';
export { openWorld, openDerived, defaultCertsDir, type OpenWorldOptions, type OpenedWorld } from './world/store.js';
export { exportCa, subjectHashOld, installInstructions, type CaExport, type ExportCaOptions } from './world/ca-export.js';
export { parseCertificates, pemOf } from './world/pem.js';
export type { Manifest } from './world/manifest.js';
// scenario
export { loadCatalog, loadScenarioFile, parseScenario, findScenario, BUILTIN_SCENARIOS_DIR, CATEGORIES, type Scenario, type Category } from './scenario/scenario.js';
export { presentScenario, derivedSpec, worldTrust, type PresentedScenario, type PresentedCert } from './scenario/materialize.js';
export { loadBuiltinProfiles, loadProfileFile, parseProfile, findProfile, resolveProfile, type Profile, type ResolvedProfile } from './scenario/profile.js';
// incidents
export {
  CHANGES,
  CHANGE_IDS,
  loadIncidents,
  loadShippedIncidents,
  loadIncidentFile,
  parseIncident,
  findIncident,
  incidentDate,
  scenariosNaming,
  replayCommands,
  BUILTIN_INCIDENTS_DIR,
  type Change,
  type Incident,
  type IncidentContext,
  type Replay,
} from './incidents/incident.js';
// model
export * from './model/index.js';
// proxy
export { startProxy, type Expectation, type ProxyOptions, type RunningProxy } from './proxy/server.js';
export { VerdictStream, VERDICT_KINDS, clientAnswer, isMismatch, type ConnectionVerdict, type ExpectedVerdict, type VerdictKind, type VerdictListener, type Listener } from './proxy/connection-record.js';
export { Connection, DEFAULT_LIMITS, type ConnectionLimits, type ConnectionSetup, type ConnectionEvent, type ConnectionCommand, type VerdictFacts } from './proxy/connection.js';
export type { LogFailure } from './proxy/record-log.js';
export { controlHandler, startControl, newControlToken } from './proxy/control.js';
export { fetchServedChain, type ServedChain } from './proxy/served-chain.js';
export { alertByCode, alertFromError, type Alert } from './proxy/alerts.js';
export { RecordStream } from './proxy/stream.js';
export { PinReportStream, readPinReport, reportSender, isPinReportBody, type PinReport } from './proxy/pin-reports.js';
// harness
export { runSuite, planRun, shard, prepareScenario, scenarioResult, type RunOptions, type ScenarioResult, type PreparedScenario } from './harness/run.js';
export { fillTemplate, templateProblem, PLACEHOLDERS } from './harness/template.js';
export { runManual, type ManualOptions } from './harness/manual.js';
export { classify, applyCalibration, calibrationState, testedNothing, rejectionReason, observedBehaviour, type CalibrationState, type Outcome, type Classification, type Observation } from './harness/classify.js';
export { chainPicture, type ChainPicture, type SentCertificate, type PathCertificate } from './harness/chain-picture.js';
// report
export { formatPins, PIN_FORMATS, type PinFormat, type PinEntry } from './report/pin-formats.js';
export { jsonReport, junitReport, markdownReport, tableRows, summary, type RunMeta } from './report/run-report.js';
export { htmlReport } from './report/html.js';
export { verdictLine, pinReportLine } from './report/verdict-line.js';
// lint
export { lintPolicy, hasError, LINT_RULES, LINT_RULE_IDS, type Finding, type LintRule, type LintRuleId, type LintOptions, type ServedKeys, type Severity } from './lint/rules.js';
export { sarifLog, type LintFileResult, type SarifOptions } from './lint/sarif.js';
export { servedKeys } from './lint/served.js';
// monitor
export { probeEndpoint, type ProbeContext } from './monitor/probe.js';
export { probeOutcome, expiryWarning, type ProbeOutcome, type MonitorStatus, type MonitorWarning } from './monitor/outcome.js';
export { transition, type EndpointState, type MonitorEvent, type Transition } from './monitor/transition.js';
export { runMonitor, type MonitorOptions } from './monitor/monitor.js';
export { parseEndpointsFile, type Endpoint } from './monitor/endpoints.js';
export { type WebhookBody } from './monitor/lines.js';
// Signed pin configurations (issue 19): the model, the default JWS format, the adapters, the attack fixtures.
export { configPolicy, PIN_CONFIG_TYP, type PinConfig } from './dynamic/config.js';
export { jwkThumbprint, trustedKey, JWS_ALGS, type JwsAlg, type JwsSerialization, type TrustedKey } from './dynamic/jws.js';
export { REJECTION_CODES, signConfig, verifyConfig, type ConfigVerdict, type RejectionCode, type VerifyOptions } from './dynamic/verify.js';
export { CONFIG_SHAPES, dynapinsKid, verifyConfigShape, writeConfigShape, type ConfigShape } from './dynamic/adapters.js';
export { attackAlgNone, attackHmacWithPublicKey, attackSignWithOtherKey, attackStripSignature, attackTamper, attackTamperPins, attackUnsigned, olderConfig } from './dynamic/attacks.js';
