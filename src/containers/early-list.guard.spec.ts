import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { ContainersService, EarlyList } from './containers.service.js';
import { EarlyListGuard, queryStringOf } from './early-list.guard.js';

/** The guard's view of a request: its route params and target. */
function contextOf(request: Record<string, unknown>): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('queryStringOf', () => {
  it.each([
    ['/api/v1/hosts/local/containers', ''],
    ['/api/v1/hosts/local/containers?', ''],
    ['/api/v1/hosts/local/containers?all=true', 'all=true'],
    ['/api/v1/hosts/local/containers?label=a%3Db&label=c', 'label=a%3Db&label=c'],
    ['/x?a=1?b=2', 'a=1?b=2'],
  ])('%s -> %j', (target, expected) => {
    expect(queryStringOf(target)).toBe(expected);
  });
});

describe('EarlyListGuard', () => {
  const guardWith = (early: EarlyList) => {
    const startList = vi.fn((_host: string, _query: string) => early);
    return { guard: new EarlyListGuard({ startList } as unknown as ContainersService), startList };
  };

  it('never refuses, and leaves the request alone on a route without a host', () => {
    const { guard, startList } = guardWith({ queryString: '' });
    const request: Record<string, unknown> = { params: {}, originalUrl: '/api/v1/x?all=true' };
    expect(guard.canActivate(contextOf(request))).toBe(true);
    expect(startList).not.toHaveBeenCalled();
    expect(request.earlyList).toBeUndefined();
  });

  it('hands the host and the query string as sent to startList, and the answer to the handler', () => {
    const early = { queryString: 'all=true&label=a%3Db' };
    const { guard, startList } = guardWith(early);
    const request: Record<string, unknown> = {
      params: { host: 'local' },
      originalUrl: '/api/v1/hosts/local/containers?all=true&label=a%3Db',
    };
    expect(guard.canActivate(contextOf(request))).toBe(true);
    expect(startList).toHaveBeenCalledWith('local', 'all=true&label=a%3Db');
    expect(request.earlyList).toBe(early);
  });

  it('with a call started, lets the event loop turn before the pipeline goes on (the request leaves in a nextTick)', async () => {
    const list = new Promise<never>(() => undefined);
    const { guard } = guardWith({ queryString: 'all=true', key: 'k', list: list as EarlyList['list'] });
    const request: Record<string, unknown> = { params: { host: 'local' }, originalUrl: '/c?all=true' };
    const ticked = vi.fn();
    const allowed = guard.canActivate(contextOf(request));
    // Queued from a promise job, as Node queues a request's socket write: it must run before the guard lets go.
    void Promise.resolve().then(() => process.nextTick(ticked));
    expect(allowed).toBeInstanceOf(Promise);
    await allowed;
    expect(ticked).toHaveBeenCalled();
  });
});
