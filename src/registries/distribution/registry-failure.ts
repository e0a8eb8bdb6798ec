import { ProblemException } from '../../common/problem.js';
import type { ProblemCode } from '../../common/problem-codes.js';
import type { RegistryFailureReason } from '../registry-access.js';

/** Each reason a registry cannot be used is its own problem code; all are 502: the registry, not the caller, failed. */
const CODE_BY_REASON: Record<RegistryFailureReason, ProblemCode> = {
  unauthorized: 'REGISTRY_AUTH_FAILED',
  forbidden: 'REGISTRY_FORBIDDEN',
  tls: 'REGISTRY_TLS_FAILED',
  unreachable: 'REGISTRY_UNREACHABLE',
  'not-a-registry': 'NOT_A_REGISTRY',
};

/** A registry that cannot be used, as a problem carrying its `reason` (an extension member). */
export function registryFailure(reason: RegistryFailureReason, detail: string): ProblemException {
  return new ProblemException(502, CODE_BY_REASON[reason], detail, { extensions: { reason } });
}

/** The reason of a `registryFailure`, undefined for any other error. */
export function failureReason(error: unknown): RegistryFailureReason | undefined {
  if (!(error instanceof ProblemException)) return undefined;
  const reason = error.problem.extensions?.reason;
  return typeof reason === 'string' && reason in CODE_BY_REASON ? (reason as RegistryFailureReason) : undefined;
}

/** TLS verification errors (OpenSSL's and Node's codes), named as a person reads them. */
const TLS_ERRORS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is signed by an unknown certificate authority',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate is signed by an unknown certificate authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is signed by an unknown certificate authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in an unknown (self-signed) certificate authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  CERT_REVOKED: 'its certificate is revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
  HOSTNAME_MISMATCH: 'its certificate is for another host name',
  CERT_SIGNATURE_FAILURE: 'its certificate signature is invalid',
  ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak TLS (try http://)',
};

const UNREACHABLE_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
  ENOTFOUND: 'its host name does not resolve (DNS)',
  EAI_AGAIN: 'its host name could not be resolved (DNS)',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'its host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'it did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'it did not answer in time',
  UND_ERR_SOCKET: 'the connection was closed',
  UND_ERR_CLOSED: 'the connection was closed',
  HPE_INVALID_CONSTANT: 'it does not speak HTTP',
  HPE_INVALID_HEADER_TOKEN: 'it does not speak HTTP',
};

/** The codes along an error's `cause` chain (and an AggregateError's members), outermost first. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { code, cause, errors, name, message } = error as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const own: string[] = [];
  if (typeof code === 'string') own.push(code);
  if (name === 'TimeoutError' || name === 'AbortError') own.push('TIMEOUT');
  // OpenSSL reports a plain-HTTP peer as EPROTO with this text.
  if (typeof message === 'string' && /wrong version number/i.test(message)) own.push('ERR_SSL_WRONG_VERSION_NUMBER');
  const nested = Array.isArray(errors) ? errors.flatMap((e) => errorCodes(e, depth + 1)) : [];
  return [...own, ...errorCodes(cause, depth + 1), ...nested];
}

/** A request that got no HTTP answer (`fetch` threw), as a failure with its reason: `tls` or `unreachable`. */
export function networkFailure(error: unknown, target: string): ProblemException {
  const codes = errorCodes(error);
  const tls = codes.find((code) => code in TLS_ERRORS);
  if (tls) return registryFailure('tls', `TLS with ${target} failed: ${TLS_ERRORS[tls]} (${tls}).`);
  if (codes.includes('TIMEOUT')) return registryFailure('unreachable', `${target} did not answer in time.`);
  const known = codes.find((code) => code in UNREACHABLE_ERRORS);
  if (known) return registryFailure('unreachable', `${target} is unreachable: ${UNREACHABLE_ERRORS[known]} (${known}).`);
  const other = codes.find((code) => /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO)/.test(code));
  if (other) return registryFailure('tls', `TLS with ${target} failed (${other}).`);
  return registryFailure('unreachable', `${target} is unreachable${codes[0] ? ` (${codes[0]})` : ''}.`);
}
