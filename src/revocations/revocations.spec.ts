import { describe, expect, it } from 'vitest';
import type { Principal } from '../common/principal.js';
import { type Revocation, Revocations, endsAccess, endsAccessOn } from './revocations.js';

const session: Principal = { kind: 'user', userId: 'u1', username: 'ann', role: 'admin', sessionId: 's1' };
const oldSession: Principal = { kind: 'user', userId: 'u1', username: 'ann', role: 'admin' };
const key: Principal = { kind: 'apiKey', userId: 'u1', username: 'ann', role: 'viewer', apiKeyId: 'k1' };
const otherUser: Principal = { kind: 'user', userId: 'u2', username: 'bob', role: 'viewer', sessionId: 's2' };

describe('endsAccess', () => {
  it.each<[string, Revocation, Principal, boolean]>([
    ['the key revoked', { apiKeyId: 'k1' }, key, true],
    ['another key revoked', { apiKeyId: 'k2' }, key, false],
    ['a key revoked, not a session', { apiKeyId: 'k1' }, session, false],
    ['user disabled/deleted/role changed: the session', { userId: 'u1' }, session, true],
    ['user disabled/deleted/role changed: the key', { userId: 'u1' }, key, true],
    ['password changed: the session', { userId: 'u1', sessionsOnly: true }, session, true],
    ['password changed: a session from before logins had ids', { userId: 'u1', sessionsOnly: true }, oldSession, true],
    ['password changed: not the key', { userId: 'u1', sessionsOnly: true }, key, false],
    ['another user', { userId: 'u1' }, otherUser, false],
    ['another user, sessions only', { userId: 'u1', sessionsOnly: true }, otherUser, false],
    ['logged out: that login', { sessionId: 's1' }, session, true],
    ['logged out: not another login of the same user', { sessionId: 's2' }, session, false],
    ['logged out: not a session without an id', { sessionId: 's1' }, oldSession, false],
    ['logged out: not the user keys', { sessionId: 's1' }, key, false],
    ['logged out: not another user', { sessionId: 's1' }, otherUser, false],
    ['role changed: the session', { userId: 'u1', changed: true }, session, true],
    ['role changed: the key', { userId: 'u1', changed: true }, key, true],
    ['role changed: not another user', { userId: 'u1', changed: true }, otherUser, false],
  ])('%s', (_case, revocation, principal, expected) => {
    expect(endsAccess(revocation, principal)).toBe(expected);
  });

  describe("a host's labels changed", () => {
    const relabelled = (before: Record<string, string>, after: Record<string, string>): Revocation => ({
      changed: true,
      hostLabels: { hostId: 'h1', before, after },
    });
    const granted = (principal: Principal, ...hostGrants: Principal['hostGrants'] & object): Principal => ({ ...principal, hostGrants });
    const devOperator = granted(otherUser, { label: 'env=dev', role: 'operator' });
    it.each<[string, Revocation, Principal, boolean]>([
      ['a label grant that no longer matches', relabelled({ env: 'dev' }, { env: 'prod' }), devOperator, true],
      ['a label grant that matches now', relabelled({ env: 'prod' }, { env: 'dev' }), devOperator, true],
      [
        'a label grant that still matches (another label changed)',
        relabelled({ env: 'dev' }, { env: 'dev', team: 'a' }),
        devOperator,
        false,
      ],
      ['a label grant that matched neither before nor after', relabelled({ env: 'qa' }, { env: 'prod' }), devOperator, false],
      [
        'another grant gives the same role',
        relabelled({ env: 'dev' }, { env: 'prod' }),
        granted(otherUser, { label: 'env=dev', role: 'operator' }, { host: 'h*', role: 'operator' }),
        false,
      ],
      [
        'a none grant that hides the host now',
        relabelled({}, { env: 'hidden' }),
        granted(key, { label: 'env=hidden', role: 'none' }),
        true,
      ],
      ['a grant by host id only', relabelled({ env: 'dev' }, { env: 'prod' }), granted(session, { host: 'h1', role: 'viewer' }), false],
      ['no grants', relabelled({ env: 'dev' }, { env: 'prod' }), session, false],
    ])('%s', (_case, revocation, principal, expected) => {
      expect(endsAccess(revocation, principal)).toBe(expected);
    });
  });

  it('what is held on another host than the relabelled one goes on; what is held across hosts ends', () => {
    const relabel: Revocation = { changed: true, hostLabels: { hostId: 'h1', before: { env: 'dev' }, after: {} } };
    const devViewer: Principal = { ...otherUser, hostGrants: [{ label: 'env=dev', role: 'viewer' }] };
    expect([
      endsAccessOn(relabel, devViewer, 'h1'),
      endsAccessOn(relabel, devViewer, 'h2'),
      endsAccessOn(relabel, devViewer, undefined),
    ]).toEqual([true, false, true]);
    // Any other revocation ends what the principal holds on every host.
    expect(endsAccessOn({ userId: 'u2' }, devViewer, 'h2')).toBe(true);
  });

  it('a key principal carrying a session id is not ended by that login', () => {
    expect(endsAccess({ sessionId: 's1' }, { ...key, sessionId: 's1' })).toBe(false);
  });
});

describe('Revocations.endedSince', () => {
  it('tells whether a revocation after the principal was checked ends it', () => {
    const revocations = new Revocations();
    const checked = { ...session, checkedAt: revocations.sequence };
    expect(revocations.endedSince(checked)).toBe(false);
    revocations.emit({ userId: 'u2' });
    revocations.emit({ apiKeyId: 'k1' });
    expect(revocations.endedSince(checked)).toBe(false);
    revocations.emit({ sessionId: 's1' });
    expect(revocations.endedSince(checked)).toBe(true);
    // Checked again after it: not ended.
    expect(revocations.endedSince({ ...session, checkedAt: revocations.sequence })).toBe(false);
    expect(revocations.endedSince({ ...session, checkedAt: revocations.sequence - 1 })).toBe(true);
    expect(revocations.endedSince({ ...session, checkedAt: revocations.sequence - 2 })).toBe(true);
    // Not tracked: never ended by this.
    expect(revocations.endedSince(session)).toBe(false);
  });

  it('counts a principal checked before the oldest remembered revocation as ended: it cannot be told', () => {
    const revocations = new Revocations();
    const checked = { ...otherUser, checkedAt: revocations.sequence };
    for (let i = 0; i < 10_000; i += 1) revocations.emit({ apiKeyId: `k-${i}` });
    expect(revocations.endedSince(checked)).toBe(false);
    revocations.emit({ apiKeyId: 'one-too-many' });
    expect(revocations.endedSince(checked)).toBe(true);
    expect(revocations.endedSince({ ...otherUser, checkedAt: revocations.sequence - 10_000 })).toBe(false);
  });
});
