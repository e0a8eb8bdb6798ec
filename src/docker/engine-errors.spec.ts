import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { engineMessage, isNotModified, translateEngineError } from './engine-errors.js';

const engine = (statusCode: number, message: string) => ({ statusCode, json: { message }, message: `(HTTP code ${statusCode}) x - ${message}` });

describe('translateEngineError', () => {
  it.each([
    [engine(404, 'No such container: web'), 404, 'CONTAINER_NOT_FOUND'],
    [engine(404, 'No such image: nope:latest'), 404, 'IMAGE_NOT_FOUND'],
    [engine(409, 'Conflict. The container name "/web" is already in use by container "abc".'), 409, 'NAME_CONFLICT'],
    [engine(409, 'You cannot remove a running container abc. Stop the container before attempting removal or force remove'), 409, 'CONTAINER_RUNNING'],
    [engine(409, 'conflict: unable to delete 1234 (must be forced) - image is being used by stopped container abc'), 409, 'IMAGE_IN_USE'],
    [engine(500, 'driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 failed: port is already allocated'), 409, 'PORT_ALLOCATED'],
    [engine(400, 'invalid reference format'), 400, 'ENGINE_REJECTED'],
    [engine(400, 'Renaming a container with the same name as its current name'), 409, 'NAME_UNCHANGED'],
    [engine(409, 'Container abc is already paused'), 409, 'CONTAINER_PAUSED'],
    [engine(409, 'Container abc is paused, unpause the container before exec'), 409, 'CONTAINER_PAUSED'],
    [engine(500, 'Container abc is not paused'), 409, 'CONTAINER_NOT_PAUSED'],
    [engine(500, 'no such container yes'), 404, 'CONTAINER_NOT_FOUND'],
    [engine(409, 'Container abc is not running'), 409, 'CONTAINER_NOT_RUNNING'],
    [engine(500, 'manifest for 127.0.0.1:5001/x:1 not found: manifest unknown: manifest unknown'), 404, 'IMAGE_NOT_FOUND'],
    [engine(404, "pull access denied for nope, repository does not exist or may require 'docker login'"), 404, 'IMAGE_NOT_FOUND'],
    [engine(500, 'Head "http://127.0.0.1:5001/v2/x/manifests/1": no basic auth credentials'), 502, 'REGISTRY_AUTH_FAILED'],
    [engine(500, 'unauthorized: authentication required'), 502, 'REGISTRY_AUTH_FAILED'],
    [engine(500, 'something broke'), 502, 'ENGINE_ERROR'],
  ])('maps %j to %i %s', (error, status, code) => {
    const problem = translateEngineError('local', error);
    expect(problem.getStatus()).toBe(status);
    expect(problem.code).toBe(code);
  });

  it('maps a refused or missing socket to 503 with Retry-After', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT']) {
      const problem = translateEngineError('local', Object.assign(new Error('connect'), { code }));
      expect(problem.getStatus()).toBe(503);
      expect(problem.code).toBe('ENGINE_UNAVAILABLE');
      expect(problem.problem.headers).toEqual({ 'Retry-After': '5' });
    }
  });

  it('passes a problem through untouched', () => {
    const problem = new ProblemException(404, 'HOST_NOT_FOUND', 'x');
    expect(translateEngineError('local', problem)).toBe(problem);
  });

  it('keeps the engine words without docker-modem prefix', () => {
    expect(engineMessage({ message: '(HTTP code 404) no such container - No such container: x ' })).toBe('No such container: x');
    expect(isNotModified({ statusCode: 304 })).toBe(true);
  });
});
