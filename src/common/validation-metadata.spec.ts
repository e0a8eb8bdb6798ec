import { IsInt, IsOptional, IsString, Min, getMetadataStorage, validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { cacheValidationMetadata } from './validation-metadata.js';

class Base {
  @IsString()
  name!: string;
}

class Derived extends Base {
  @IsOptional()
  @IsInt()
  @Min(1)
  limit?: number;
}

cacheValidationMetadata();

describe('cacheValidationMetadata', () => {
  const storage = getMetadataStorage();

  it.each([
    ['own and inherited rules', Derived, false, false, undefined],
    ['a base class', Base, false, false, undefined],
    ['with groups', Derived, false, true, ['admin']],
    ['always', Derived, true, false, undefined],
  ])('%s: the same rules twice, the second time from the cache', (_case, target, always, strictGroups, groups) => {
    const first = storage.getTargetValidationMetadatas(target, '', always, strictGroups, groups);
    const second = storage.getTargetValidationMetadatas(target, undefined as unknown as string, always, strictGroups, groups);
    expect(second.map((m) => `${m.propertyName}:${m.name ?? m.type}`)).toEqual(first.map((m) => `${m.propertyName}:${m.name ?? m.type}`));
    expect(storage.getTargetValidationMetadatas(target, undefined as unknown as string, always, strictGroups, groups)).toBe(second);
  });

  it('sees rules declared after a lookup: a class declared later invalidates the cache', async () => {
    const before = storage.getTargetValidationMetadatas(Derived, undefined as unknown as string, false, false, undefined);
    class Later extends Derived {
      @IsString()
      extra!: string;
    }
    const after = storage.getTargetValidationMetadatas(Derived, undefined as unknown as string, false, false, undefined);
    expect(after).not.toBe(before);
    expect(await validate(Object.assign(new Later(), { name: 'x', limit: 0, extra: 1 }))).toHaveLength(2);
  });

  it('still validates: a bad value is refused, a good one passes', async () => {
    expect(await validate(Object.assign(new Derived(), { name: 'a', limit: 0 }))).toHaveLength(1);
    expect(await validate(Object.assign(new Derived(), { name: 'a', limit: 2 }))).toHaveLength(0);
  });
});
