import { Logger } from '@nestjs/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { cleanEngineMessage, engineMessage, isNotModified, tlsFailureReason, translateEngineError } from './engine-errors.js';

const engine = (statusCode: number, message: string) => ({
  statusCode,
  json: { message },
  message: `(HTTP code ${statusCode}) x - ${message}`,
});

describe('translateEngineError', () => {
  it.each([
    [engine(404, 'No such container: web'), 404, 'CONTAINER_NOT_FOUND'],
    [engine(404, 'No such image: nope:latest'), 404, 'IMAGE_NOT_FOUND'],
    [engine(500, 'Multiple IDs found with provided prefix: 0'), 400, 'AMBIGUOUS_REFERENCE'],
    [engine(409, 'Conflict. The container name "/web" is already in use by container "abc".'), 409, 'NAME_CONFLICT'],
    [
      engine(409, 'You cannot remove a running container abc. Stop the container before attempting removal or force remove'),
      409,
      'CONTAINER_RUNNING',
    ],
    [engine(409, 'conflict: unable to delete 1234 (must be forced) - image is being used by stopped container abc'), 409, 'IMAGE_IN_USE'],
    [
      engine(
        409,
        'conflict: unable to remove repository reference "app:1" (must force) - container f388 is using its referenced image c24f',
      ),
      409,
      'IMAGE_IN_USE',
    ],
    [
      engine(
        500,
        'driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 failed: port is already allocated',
      ),
      409,
      'PORT_ALLOCATED',
    ],
    [engine(400, 'invalid reference format'), 400, 'ENGINE_REJECTED'],
    [engine(404, 'service web not found'), 404, 'SERVICE_NOT_FOUND'],
    [engine(500, 'rpc error: code = FailedPrecondition desc = service abc does not have a previous spec'), 409, 'SERVICE_NO_PREVIOUS_SPEC'],
    [
      engine(409, 'rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists'),
      409,
      'NAME_CONFLICT',
    ],
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
    [engine(500, 'ps: error: unsupported SysV option'), 400, 'INVALID_PS_ARGS'],
    [engine(500, "Couldn't find PID field in ps output"), 400, 'INVALID_PS_ARGS'],
    [engine(409, 'remove v1: volume is in use - [61d3a3013029]'), 409, 'VOLUME_IN_USE'],
    [engine(409, 'network with name net1 already exists'), 409, 'NAME_CONFLICT'],
    [engine(403, 'error while removing network: network n1 id 6c80 has active endpoints'), 409, 'NETWORK_IN_USE'],
    [engine(403, 'bridge is a pre-defined network and cannot be removed'), 403, 'PREDEFINED_NETWORK'],
    [engine(403, 'endpoint with name web already exists in network n1'), 409, 'CONFLICT'],
    [engine(400, 'network n1 is ambiguous (2 matches found based on name)'), 400, 'AMBIGUOUS_REFERENCE'],
    [engine(404, 'network nope not found'), 404, 'NETWORK_NOT_FOUND'],
    [engine(500, 'container 61d3 is not connected to network bridge'), 409, 'CONTAINER_NOT_CONNECTED'],
    // Swarm: the engine's words on 20.10 (API 1.41), seen on the test engines.
    [
      engine(
        503,
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
      ),
      409,
      'SWARM_NOT_ACTIVE',
    ],
    [
      engine(
        503,
        "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
      ),
      409,
      'NOT_A_SWARM_MANAGER',
    ],
    [engine(406, 'node is not part of a swarm'), 409, 'SWARM_NOT_ACTIVE'],
    [
      engine(503, "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online."),
      503,
      'SWARM_UNAVAILABLE',
    ],
    [engine(404, 'node nope not found'), 404, 'NODE_NOT_FOUND'],
    [engine(404, 'task nope not found'), 404, 'TASK_NOT_FOUND'],
    [engine(404, 'service nope not found'), 404, 'SERVICE_NOT_FOUND'],
    [engine(404, 'secret nope not found'), 404, 'SECRET_NOT_FOUND'],
    [engine(404, 'config nope not found'), 404, 'CONFIG_NOT_FOUND'],
    [engine(400, 'node 7 is ambiguous (2 matches found)'), 400, 'AMBIGUOUS_REFERENCE'],
    [engine(409, 'rpc error: code = AlreadyExists desc = secret db already exists'), 409, 'NAME_CONFLICT'],
    [engine(409, 'rpc error: code = AlreadyExists desc = config app already exists'), 409, 'NAME_CONFLICT'],
    [engine(400, "rpc error: code = InvalidArgument desc = secret 'db' is in use by the following service: web"), 409, 'SECRET_IN_USE'],
    [engine(400, "rpc error: code = InvalidArgument desc = config 'app' is in use by the following service: web"), 409, 'CONFIG_IN_USE'],
    [engine(500, 'rpc error: code = Unknown desc = update out of sequence'), 409, 'SWARM_UPDATE_OUT_OF_SEQUENCE'],
    [engine(404, 'get nope: no such volume'), 404, 'VOLUME_NOT_FOUND'],
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

  it.each([
    ['CERT_HAS_EXPIRED', /TLS: the engine's certificate has expired/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /TLS: .*unknown CA/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /TLS: .*self-signed/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /TLS: .*self-signed/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /TLS: .*wrong host name/],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', /TLS: the engine refused our client certificate/],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', /TLS: the engine refused our client certificate .*expired/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', /TLS: the engine requires a client certificate/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /TLS: the engine does not speak TLS/],
    ['ERR_SSL_SOMETHING_NEW', /TLS: the handshake with the engine failed \(ERR_SSL_SOMETHING_NEW\)/],
  ])('maps the TLS failure %s to 503 naming TLS, never a socket error', (code, reason) => {
    const problem = translateEngineError('remote', Object.assign(new Error('tls'), { code }));
    expect(problem.getStatus()).toBe(503);
    expect(problem.code).toBe('ENGINE_UNAVAILABLE');
    expect(problem.detail).toMatch(reason);
    expect(problem.detail).toContain(`(${code})`);
    expect(problem.problem.headers).toEqual({ 'Retry-After': '5' });
  });

  it('maps plain HTTP to an engine that speaks only TLS to 503 naming TLS', () => {
    const problem = translateEngineError('local', engine(400, 'Client sent an HTTP request to an HTTPS server.'));
    expect([problem.getStatus(), problem.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(problem.detail).toMatch(/TLS: the engine speaks only TLS; set DOCKER_TLS_VERIFY=1/);
  });

  it('leaves socket errors as they were', () => {
    expect(tlsFailureReason('ECONNRESET')).toBeUndefined();
    expect(tlsFailureReason(undefined)).toBeUndefined();
    expect(translateEngineError('local', Object.assign(new Error('x'), { code: 'ECONNRESET' })).detail).toMatch(
      /cannot connect \(ECONNRESET\)/,
    );
  });

  it.each(['EACCES', 'EPERM'])(
    'maps a socket that refuses Berth (%s) to 503 ENGINE_PERMISSION_DENIED saying what to do, without Retry-After',
    (code) => {
      const problem = translateEngineError('local', Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code }));
      expect([problem.getStatus(), problem.code]).toEqual([503, 'ENGINE_PERMISSION_DENIED']);
      expect(problem.detail).toContain(`(${code})`);
      expect(problem.detail).toMatch(/group that owns the engine's socket.*DOCKER_GID/);
      expect(problem.problem.headers).toBeUndefined();
    },
  );

  it.each([
    [
      'ERR_SSH_HOST_KEY_MISMATCH',
      'the ssh host key of h:22 is not the pinned one: expected A, received B',
      503,
      'ENGINE_HOST_KEY_MISMATCH',
      false,
    ],
    ['ERR_SSH_AUTH', "the ssh server of h:22 refused the key of user 'berth'", 503, 'ENGINE_SSH_AUTH_FAILED', false],
    ['ERR_SSH_CONFIG', "ssh: 'ssh://h' names no user", 503, 'ENGINE_UNAVAILABLE', false],
    [
      'ERR_SSH_DIAL_STDIO',
      "'docker system dial-stdio' failed on berth@h:22 (exit 127): sh: docker: not found",
      503,
      'ENGINE_UNAVAILABLE',
      true,
    ],
  ])('maps the ssh transport failure %s to %i %s with its words', (code, message, status, problemCode, retry) => {
    const problem = translateEngineError('build-1', Object.assign(new Error(message), { code }));
    expect([problem.getStatus(), problem.code]).toEqual([status, problemCode]);
    expect(problem.detail).toContain(message);
    expect(problem.detail).toContain("'build-1'");
    expect(problem.problem.headers?.['Retry-After'] !== undefined).toBe(retry);
  });

  it.each([
    [
      { level: 'handshake', message: 'Handshake failed: no matching key exchange algorithm' },
      /ssh: Handshake failed: no matching key exchange/,
    ],
    [{ level: 'client-socket', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.7:22' }, /cannot connect \(ECONNREFUSED\)/],
    [{ code: 'ETIMEDOUT', message: 'ssh: no handshake with h:22 within 5000 ms' }, /cannot connect \(ETIMEDOUT\)/],
  ])('answers the other ssh failures 503 ENGINE_UNAVAILABLE: %j', (failure, detail) => {
    const problem = translateEngineError('build-1', Object.assign(new Error(failure.message), failure));
    expect([problem.getStatus(), problem.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(problem.detail).toMatch(detail);
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

describe('cleanEngineMessage', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it.each([
    [
      'OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "nope": executable file not found in $PATH: unknown',
      'executable file not found in $PATH: nope',
    ],
    [
      'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
      'executable file not found in $PATH: nope',
    ],
    [
      'OCI runtime exec failed: exec failed: container_linux.go:380: starting container process caused: exec: "/bin/bash": stat /bin/bash: no such file or directory: unknown',
      'stat /bin/bash: no such file or directory: /bin/bash',
    ],
    [
      'OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: rootfs_linux.go:76: mounting "/var/lib/docker/volumes/v/_data" to rootfs at "/var/lib/docker/overlay2/0a1b/merged/etc/passwd" caused: mkdir /var/lib/docker/overlay2/0a1b/merged/etc/passwd: not a directory: unknown: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type',
      'mkdir <engine path>: not a directory: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type',
    ],
    ['source /var/lib/docker/overlay2/6e0efe345aa2d783/merged/etc/passwd is not directory', 'source <engine path> is not directory'],
    ['open /mnt/docker-root/overlay2/abc/diff/x: no such file or directory', 'open <engine path>: no such file or directory'],
    [
      'error creating overlay mount to /data/docker/' + 'a'.repeat(64) + '/merged: invalid argument',
      'error creating overlay mount to <engine path>: invalid argument',
    ],
    ['stat /run/containerd/io.containerd.runtime.v2.task/moby/abc: no such file', 'stat <engine path>: no such file'],
    ['exec: "/usr/lib/docker/cli-plugins/x": permission denied', 'exec: "/usr/lib/docker/cli-plugins/x": permission denied'],
    ['stat /var/run/docker.sock: permission denied', 'stat /var/run/docker.sock: permission denied'],
    // What users rely on stays as the engine said it, client paths included.
    [
      'Conflict. The container name "/web" is already in use by container "abc".',
      'Conflict. The container name "/web" is already in use by container "abc".',
    ],
    [
      'driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 failed: port is already allocated',
      'driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 failed: port is already allocated',
    ],
    [
      'invalid mount config for type "bind": bind source path does not exist: /srv/overlayfs/data',
      'invalid mount config for type "bind": bind source path does not exist: /srv/overlayfs/data',
    ],
    [
      'manifest for 127.0.0.1:5001/x:1 not found: manifest unknown: manifest unknown',
      'manifest for 127.0.0.1:5001/x:1 not found: manifest unknown: manifest unknown',
    ],
    [
      'Head "http://127.0.0.1:5001/v2/x/manifests/1": no basic auth credentials',
      'Head "http://127.0.0.1:5001/v2/x/manifests/1": no basic auth credentials',
    ],
  ])('%s → %s', (message, clean) => {
    expect(cleanEngineMessage(message)).toBe(clean);
  });

  it('answers the clean message with the code read from the full one', () => {
    const problem = translateEngineError(
      'local',
      engine(
        400,
        'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
      ),
    );
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('ENGINE_REJECTED');
    expect(problem.detail).toBe('executable file not found in $PATH: nope');
  });
});
