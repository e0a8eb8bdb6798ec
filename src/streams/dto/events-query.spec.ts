import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ProblemException } from '../../common/problem.js';
import { eventsChannel } from '../live-feeds.js';
import { parseStreamQuery } from '../upgrade.js';

const parse = (query: string) =>
  parseStreamQuery(eventsChannel.query, new URL(`ws://berth/api/v1/ws/events?${query}`), eventsChannel.repeated);

describe('the events channel query', () => {
  it.each([
    ['', {}],
    ['type=container', { type: ['container'] }],
    [
      'type=container&type=network&action=start&action=health_status',
      { type: ['container', 'network'], action: ['start', 'health_status'] },
    ],
    ['container=web-1&container=0123abcd', { container: ['web-1', '0123abcd'] }],
    ['label=berth.test=1&label=team', { label: ['berth.test=1', 'team'] }],
    ['since=1795600800.123456789', { since: '1795600800.123456789' }],
    ['since=10m', { since: '10m' }],
    ['since=2026-11-26T15:04:05.000000001Z', { since: '2026-11-26T15:04:05.000000001Z' }],
  ])('takes %j', async (query, expected) => {
    expect(await parse(query)).toMatchObject({ host: 'local', ...expected });
  });

  it.each([
    ['type=containers', 'type'],
    ['type=', 'type'],
    // An exact action with a command line would test a guess at what redaction hides from viewers.
    ['action=exec_create: mysql -psecret', 'action'],
    ['action=Start', 'action'],
    ['container=../x', 'container'],
    ['container=', 'container'],
    ['label==value', 'label'],
    ['label=', 'label'],
    ['since=yesterday', 'since'],
    ['since=1&since=2', 'since'],
    ['image=busybox', 'image'],
    [`container=${'a&container='.repeat(33)}a`, 'container'],
  ])('refuses %j naming %s (400 before the upgrade)', async (query, field) => {
    const error = await parse(query).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    const problem = error as ProblemException;
    expect([problem.getStatus(), problem.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(problem.problem.errors?.map((e) => e.field)).toContain(field);
  });
});
