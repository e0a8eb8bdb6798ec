import { describe, expect, it } from 'vitest';
import { StreamEvent, engineEventFilters, matchesLabels, redactEvent } from './normalize.js';

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

describe('engineEventFilters', () => {
  it.each([
    ['nothing: no filter (the whole engine)', {}, {}],
    ["action is the engine's event, values sorted and unique", { action: ['stop', 'die', 'stop'] }, { event: ['die', 'stop'] }],
    [
      'every field',
      { type: ['container'], action: ['start'], container: ['web'], label: ['team=a', 'app'] },
      { type: ['container'], event: ['start'], container: ['web'], label: ['app', 'team=a'] },
    ],
    ['empty lists dropped', { type: [], container: ['web'] }, { container: ['web'] }],
  ])('%s', (_case, query, filters) => {
    expect(engineEventFilters(query)).toEqual(filters);
  });
});

describe("matchesLabels (the engine's label filter, on what a viewer sees)", () => {
  const redacted = redactEvent(event('exec_create: sh -c echo s3cret', { team: 'a', execCommand: 'sh -c echo s3cret' }));

  it.each([
    [['team'], true],
    [['team=a'], true],
    [['team=a', 'name=web'], true],
    [['team=b'], false],
    [['missing'], false],
    [['team=a', 'missing'], false],
    // The engine would match the secret; once redacted, the viewer's event no longer does.
    [['execCommand=sh -c echo s3cret'], false],
    [['execCommand=sh <redacted>'], true],
  ])('%j → %s', (labels, matches) => {
    expect(matchesLabels(redacted, labels)).toBe(matches);
  });
});
