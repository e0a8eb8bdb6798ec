import { describe, expect, it } from 'vitest';
import { CONTAINER_NAME, REPOSITORY, isSignal } from './container-validators.js';

describe('container input rules', () => {
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
