import { describe, expect, it } from 'vitest';
import type { Role } from './access.decorators.js';
import { type HostGrant, type HostScope, grantedRole, highestRole, hostGlobMatches, hostRole, seesEveryHost } from './host-grants.js';

const local = { id: 'local' };
const staging = { id: 'staging-eu', labels: { env: 'staging' } };
const prod = { id: 'prod-db', labels: { env: 'prod', tier: 'db' } };

describe('hostGlobMatches', () => {
  it.each([
    ['local', 'local', true],
    ['local', 'local-2', false],
    ['staging-*', 'staging-eu', true],
    ['staging-*', 'staging-', true],
    ['staging-*', 'staging', false],
    ['*', 'anything', true],
    ['*-db', 'prod-db', true],
    ['*-db', 'prod-dbx', false],
    ['p*d-*', 'prod-db', true],
    // Only `*` is special: a dash or dot in the glob is itself.
    ['prod.db', 'prodxdb', false],
    ['prod.db', 'prod.db', true],
    ['**', 'local', true],
    ['*l*l*', 'local', true],
    ['*a*a', 'local', false],
    ['lo*al', 'local', true],
    ['lo*al', 'loal', true],
    ['lo*al', 'lal', false],
    ['', 'local', false],
    // Many stars before a character the id lacks: answered at once (a regular expression backtracked for seconds).
    [`${'*'.repeat(62)}x`, 'staging-eu-west-1-docker-02', false],
    [`${'*a'.repeat(31)}b`, 'a'.repeat(62), false],
    [`${'*a'.repeat(31)}`, 'a'.repeat(62), true],
  ])('%s against %s: %s', (glob, id, matches) => {
    expect(hostGlobMatches(glob, id)).toBe(matches);
  });
});

describe('grantedRole', () => {
  it.each<[string, HostGrant[], { id: string; labels?: Record<string, string> }, string | undefined]>([
    ['no grants', [], local, undefined],
    ['a grant on another host', [{ host: 'prod-*', role: 'operator' }], local, undefined],
    ['a grant by id', [{ host: 'local', role: 'operator' }], local, 'operator'],
    ['a grant by glob', [{ host: 'staging-*', role: 'admin' }], staging, 'admin'],
    ['a grant by label', [{ label: 'env=prod', role: 'viewer' }], prod, 'viewer'],
    ['a label with another value', [{ label: 'env=prod', role: 'viewer' }], staging, undefined],
    ['a label on a host without labels', [{ label: 'env=prod', role: 'viewer' }], local, undefined],
    ['a label key only as a prefix', [{ label: 'en=prod', role: 'viewer' }], prod, undefined],
    ['an empty label value', [{ label: 'env=', role: 'viewer' }], { id: 'x', labels: { env: '' } }, 'viewer'],
    [
      'the highest of the matching grants',
      [
        { label: 'env=prod', role: 'viewer' },
        { host: 'prod-*', role: 'operator' },
        { label: 'tier=db', role: 'none' },
      ],
      prod,
      'operator',
    ],
    [
      'none only when every matching grant says none',
      [
        { label: 'tier=db', role: 'none' },
        { host: 'prod-db', role: 'none' },
        { host: 'staging-*', role: 'admin' },
      ],
      prod,
      'none',
    ],
    ['a label that looks like an inherited property', [{ label: 'constructor=x', role: 'admin' }], local, undefined],
  ])('%s', (_case, grants, host, expected) => {
    expect(grantedRole(grants, host)).toBe(expected);
  });
});

describe('hostRole', () => {
  const user = (role: Role, hostGrants?: HostGrant[]): HostScope => ({ role, hostGrants });
  // A key: its role capped by the owner's global role, as the authenticator makes it.
  const key = (keyRole: Role, ownerRole: Role, hostGrants?: HostGrant[], keyHosts?: string[]): HostScope => ({
    role: ['viewer', 'operator', 'admin'].indexOf(keyRole) < ['viewer', 'operator', 'admin'].indexOf(ownerRole) ? keyRole : ownerRole,
    hostGrants,
    keyRole,
    keyHosts,
  });

  it.each<[string, HostScope, { id: string; labels?: Record<string, string> }, Role | undefined]>([
    ['the global role where no grant matches', user('operator', [{ host: 'prod-*', role: 'viewer' }]), local, 'operator'],
    ['a grant raises the role on its hosts', user('viewer', [{ host: 'local', role: 'operator' }]), local, 'operator'],
    ['a grant lowers the role on its hosts', user('operator', [{ host: 'local', role: 'viewer' }]), local, 'viewer'],
    ['a grant lowers even an admin', user('admin', [{ label: 'env=prod', role: 'viewer' }]), prod, 'viewer'],
    ['none hides the host', user('admin', [{ host: 'local', role: 'none' }]), local, undefined],
    ['none on a label hides only those hosts', user('operator', [{ label: 'env=prod', role: 'none' }]), staging, 'operator'],
    ['a key without grants: its capped role', key('operator', 'admin'), local, 'operator'],
    ['a key restricted to hosts, on one of them', key('viewer', 'viewer', undefined, ['staging-*']), staging, 'viewer'],
    ['a key restricted to hosts, on another', key('admin', 'admin', undefined, ['other-*']), local, undefined],
    [
      'a key restricted to a host its owner may not see',
      key('viewer', 'viewer', [{ host: 'local', role: 'none' }], ['local']),
      local,
      undefined,
    ],
    [
      'a key: the owner’s grant raises it up to the key’s role',
      key('operator', 'viewer', [{ host: 'local', role: 'admin' }]),
      local,
      'operator',
    ],
    ['a key: the owner’s grant lowers it', key('operator', 'operator', [{ host: 'local', role: 'viewer' }]), local, 'viewer'],
    [
      'a key: capped by its owner’s global role elsewhere',
      key('operator', 'viewer', [{ host: 'local', role: 'operator' }]),
      staging,
      'viewer',
    ],
  ])('%s', (_case, scope, host, expected) => {
    expect(hostRole(scope, host)).toBe(expected);
  });
});

describe('seesEveryHost', () => {
  it.each<[string, HostScope, boolean]>([
    ['no grants', { role: 'viewer' }, true],
    ['grants without none', { role: 'viewer', hostGrants: [{ host: '*', role: 'operator' }] }, true],
    ['a none grant', { role: 'admin', hostGrants: [{ label: 'env=prod', role: 'none' }] }, false],
    ['a key restricted to hosts', { role: 'viewer', keyHosts: ['*'] }, false],
  ])('%s: %s', (_case, scope, expected) => {
    expect(seesEveryHost(scope)).toBe(expected);
  });
});

describe('highestRole', () => {
  it.each<[Role, HostGrant[], Role]>([
    ['viewer', [], 'viewer'],
    ['viewer', [{ host: 'local', role: 'operator' }], 'operator'],
    ['operator', [{ host: 'local', role: 'viewer' }], 'operator'],
    ['viewer', [{ host: 'local', role: 'none' }], 'viewer'],
    [
      'viewer',
      [
        { host: 'a', role: 'operator' },
        { label: 'x=y', role: 'admin' },
      ],
      'admin',
    ],
  ])('%s with %j: %s', (role, grants, expected) => {
    expect(highestRole(role, grants)).toBe(expected);
  });
});
