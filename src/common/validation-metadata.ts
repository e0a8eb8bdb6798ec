import { getMetadataStorage } from 'class-validator';

type Lookup = (target: unknown, schema: unknown, always: boolean, strictGroups: boolean, groups?: string[]) => unknown[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata(metadata: unknown): void;
  addConstraintMetadata(metadata: unknown): void;
}

let installed = false;

/**
 * class-validator looks a DTO's rules up at every validation, testing the DTO against every class that has
 * rules (`instanceof` each, for inherited ones): a few hundred µs per request. The rules change only when a
 * class with rules is declared, so the answer is kept per DTO and options until then. Callers read it only.
 */
export function cacheValidationMetadata(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage() as unknown as Storage;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  let cache = new Map<unknown, Map<string, unknown[]>>();
  for (const add of ['addValidationMetadata', 'addConstraintMetadata'] as const) {
    const original = storage[add].bind(storage);
    storage[add] = (metadata: unknown) => {
      cache = new Map();
      original(metadata);
    };
  }
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema !== undefined && schema !== null) return lookup(target, schema, always, strictGroups, groups);
    const key = `${always}|${strictGroups}|${JSON.stringify(groups ?? null)}`;
    let byOptions = cache.get(target);
    if (!byOptions) cache.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}
