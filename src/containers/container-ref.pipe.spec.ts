import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { ContainerRefPipe, containerRef } from './container-ref.pipe.js';

describe('containerRef', () => {
  it.each(['web', 'a', '0', 'berth-test_web.1', 'f'.repeat(64), `a${'b'.repeat(127)}`])('lets %s through', (ref) => {
    expect(containerRef(ref)).toBe(ref);
    expect(new ContainerRefPipe().transform(ref)).toBe(ref);
  });

  it.each([
    '../../info?a=',
    '../../127.0.0.1:18490/probe?a=',
    'web/logs?follow=1&a=',
    '..',
    '.',
    '',
    '-web',
    '_web',
    'web/',
    'web%2F',
    'web\u0000',
    'web\r\nHost: x',
    'a b',
    'wéb',
    `a${'b'.repeat(128)}`,
    'x'.repeat(5000),
  ])('answers 404 CONTAINER_NOT_FOUND for %j', (ref) => {
    const attempt = () => containerRef(ref);
    expect(attempt).toThrow(ProblemException);
    try {
      attempt();
    } catch (error) {
      expect((error as ProblemException).getStatus()).toBe(404);
      expect((error as ProblemException).code).toBe('CONTAINER_NOT_FOUND');
    }
  });

  it.each([undefined, null, 42, ['web'], { id: 'web' }])('answers 404 for a non-string %j', (ref) => {
    expect(() => containerRef(ref)).toThrow(ProblemException);
  });
});
