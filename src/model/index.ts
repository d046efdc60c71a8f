/**
 * The reference model: a pure function from (presented chain, trust anchors, host, time, pin
 * policy) to what a correct pinning client does, with a reason. No sockets, files or clock.
 */
export { evaluate, type CertificateReport, type ModelInput, type PathReport, type ValidationSummary, type Verdict } from './verdict.js';
export { DIVERGENCES, DIVERGENCE_IDS, PLATFORMS, describeDivergence, platformAnswer, type Divergence, type DivergenceId, type Platform } from './platforms.js';
export { REASON_CODES, isAccepting, type ReasonCode, type ValidationCode } from './reason.js';
export {
  domainCovers,
  hostPatternProblem,
  isBackupPin,
  ruleFor,
  singleRulePolicy,
  type AppliedRule,
  type PinDomain,
  type PinPolicy,
  type PinRule,
  type PolicyPin,
} from './policy.js';
export { normalisePin, parsePin, pinText, placeholderPinProblem, type PinHash, type PinValue } from './pin.js';
export { checkPins, pinSetOnPath, type OffPathPin, type PinCheck, type PinMatch, type PinOutcome } from './pin-check.js';
export {
  EKU,
  EXTENSIONS,
  KEY_USAGE_BITS,
  MalformedError,
  ParsedCertificate,
  UNIMPLEMENTED_EXTENSIONS,
  parseCertificate,
  clearParseCache,
  PARSE_CACHE_SIZE,
  type ExtensionInfo,
  type KeyInfo,
  type SignatureAlgorithm,
} from './certificate.js';
export { dnsNameMatches, hostNameProblem, matchHost, parseHost, type HostMatch, type ParsedHost } from './hostname.js';
export { buildPaths, couldIssue, MAX_CANDIDATE_PATHS, MAX_PATH_LENGTH, type CandidatePath, type FetchedCertificate, type PathElement } from './path.js';
export { buildPathsFetching, MAX_AIA_FETCHES, type FetchOutcome } from './aia.js';
export { validatePath, type PathResult, type ValidationContext } from './validate.js';
export { parseName, sameName, type NameAttribute, type ParsedName } from './name.js';
