import { validationFailed } from '../common/validation.js';
import type { RegistryFieldsDto } from './dto/registry.dto.js';
import type { RegistryAccess } from './registry-access.js';
import { defaultRegistryKind, parseRegistryUrl, type RegistryLocation } from './registry-url.js';

/** The url checked and normalised, or 400 VALIDATION_FAILED naming `url`. */
export function registryLocation(url: string): RegistryLocation {
  const location = parseRegistryUrl(url);
  if (typeof location === 'string') throw validationFailed([{ field: 'url', message: location }]);
  return location;
}

/** A password and an identity token are two ways to log in: a record holds one. */
export function checkOneSecret(password: unknown, identityToken: unknown): void {
  if (typeof password === 'string' && typeof identityToken === 'string') {
    throw validationFailed([{ field: 'identityToken', message: 'give password or identityToken, not both' }]);
  }
}

/**
 * An unsaved registry body (`POST /registries/test`, a create) validated and normalised into what
 * the v2 client and the engine need: 400 VALIDATION_FAILED naming the field otherwise.
 */
export function registryAccessFromBody(body: RegistryFieldsDto & { name?: string }): RegistryAccess {
  const { host, apiUrl } = registryLocation(body.url);
  checkOneSecret(body.password, body.identityToken);
  return {
    name: body.name ?? host,
    kind: body.kind ?? defaultRegistryKind(host),
    host,
    apiUrl,
    // `null` passes the optional fields' validation: on a new record it means none.
    ...(typeof body.username === 'string' && { username: body.username }),
    ...(typeof body.password === 'string' && { password: body.password }),
    ...(typeof body.identityToken === 'string' && { identityToken: body.identityToken }),
  };
}
