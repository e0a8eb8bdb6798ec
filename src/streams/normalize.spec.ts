import { describe, expect, it } from 'vitest';
import { StreamEvent, redactEvent } from './normalize.js';

const event = (action: string, attributes: Record<string, string> = {}): StreamEvent => ({
  type: 'container',
  action,
  actor: { id: 'abc', attributes: { name: 'web', execID: 'e1', ...attributes } },
  time: '2026-01-01T00:00:00.000Z',
  timeNano: 1,
});

describe('redactEvent', () => {
  it.each([
    ['exec_create: sh -c echo s3cret', 'exec_create: sh <redacted>'],
    ['exec_start: mysql -pS3cret db', 'exec_start: mysql <redacted>'],
    ['exec_create: /bin/sh', 'exec_create: /bin/sh'],
    ['exec_die', 'exec_die'],
    ['start', 'start'],
    ['health_status: healthy', 'health_status: healthy'],
  ])('%j → %j', (action, redacted) => {
    expect(redactEvent(event(action)).action).toBe(redacted);
  });

  it('redacts an attribute that repeats the command line, keeps the others', () => {
    const redacted = redactEvent(event('exec_create: sh -c echo s3cret', { commandLine: 'sh -c echo s3cret', image: 'busybox' }));
    expect(redacted.actor.attributes).toEqual({ name: 'web', execID: 'e1', commandLine: 'sh <redacted>', image: 'busybox' });
    expect(JSON.stringify(redacted)).not.toContain('s3cret');
  });

  it('leaves other events as they are', () => {
    const start = event('start');
    expect(redactEvent(start)).toBe(start);
  });
});
