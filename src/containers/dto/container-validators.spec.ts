import { describe, expect, it } from 'vitest';
import { CONTAINER_NAME, REPOSITORY, isSignal, parseLogTime } from './container-validators.js';

describe('container input rules', () => {
  it('reads log times as docker logs --since does', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseLogTime('1764072000', now)).toBe(1764072000);
    expect(parseLogTime('1764072000.5', now)).toBe(1764072000.5);
    expect(parseLogTime('10m', now)).toBe(now / 1000 - 600);
    expect(parseLogTime('1h30m', now)).toBe(now / 1000 - 5400);
    expect(parseLogTime('2026-11-25T11:00:00Z', now)).toBe(now / 1000 - 3600);
    expect(parseLogTime('2026-11-25T13:00:00+02:00', now)).toBe(now / 1000 - 3600);
    for (const bad of ['', 'yesterday', '10x', '2026-13-45T99:00:00Z', '-5']) expect(parseLogTime(bad, now)).toBeUndefined();
  });

  it('takes signals by name, with or without SIG, or by number', () => {
    for (const ok of ['KILL', 'sigterm', 'SIGHUP', 'hup', '9', '64', 'RTMIN+3', 'SIGRTMAX-1']) expect(isSignal(ok)).toBe(true);
    for (const bad of ['NOPE', '0', '65', 'SIG', '', 'RTMIN+99', '9;reboot']) expect(isSignal(bad)).toBe(false);
  });

  it('follows the engine rules for names and repositories', () => {
    expect(CONTAINER_NAME.test('web_1.a-b')).toBe(true);
    expect(CONTAINER_NAME.test('/web')).toBe(true);
    for (const bad of ['a', '-web', 'web 1', 'web/1']) expect(CONTAINER_NAME.test(bad)).toBe(false);
    for (const ok of ['app', 'team/app', 'localhost:5001/team/app', 'registry.example.com/a/b_c']) expect(REPOSITORY.test(ok)).toBe(true);
    for (const bad of ['App', 'team/App', 'team//app', 'app:tag']) expect(REPOSITORY.test(bad)).toBe(false);
  });
});
