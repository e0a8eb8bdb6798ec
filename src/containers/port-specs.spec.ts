import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { createValidationPipe } from '../common/validation.js';
import { ContainerCreateDto } from './dto/container-create.dto.js';
import { toEngineCreate } from './engine-spec.js';
import { MAX_PUBLISHED_PORTS, normalizePorts, parsePortSpec } from './port-specs.js';

describe('parsePortSpec: docker run -p strings', () => {
  it.each([
    ['80', [{ containerPort: 80, protocol: 'tcp' }]],
    ['8081:80', [{ containerPort: 80, hostPort: 8081, protocol: 'tcp' }]],
    ['8081:80/udp', [{ containerPort: 80, hostPort: 8081, protocol: 'udp' }]],
    ['8081:80/UDP', [{ containerPort: 80, hostPort: 8081, protocol: 'udp' }]],
    ['8081:80/', [{ containerPort: 80, hostPort: 8081, protocol: 'tcp' }]],
    ['80/sctp', [{ containerPort: 80, protocol: 'sctp' }]],
    ['127.0.0.1:8081:80', [{ containerPort: 80, hostPort: 8081, protocol: 'tcp', hostIp: '127.0.0.1' }]],
    ['127.0.0.1:8081:80/udp', [{ containerPort: 80, hostPort: 8081, protocol: 'udp', hostIp: '127.0.0.1' }]],
    ['127.0.0.1::80', [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }]],
    ['[::1]:8081:80', [{ containerPort: 80, hostPort: 8081, protocol: 'tcp', hostIp: '::1' }]],
    ['[::1]::80', [{ containerPort: 80, protocol: 'tcp', hostIp: '::1' }]],
    ['::1:8081:80', [{ containerPort: 80, hostPort: 8081, protocol: 'tcp', hostIp: '::1' }]],
    [
      '8000-8001:80-81',
      [
        { containerPort: 80, hostPort: 8000, protocol: 'tcp' },
        { containerPort: 81, hostPort: 8001, protocol: 'tcp' },
      ],
    ],
    [
      '7000-7001/udp',
      [
        { containerPort: 7000, protocol: 'udp' },
        { containerPort: 7001, protocol: 'udp' },
      ],
    ],
  ])('%s → %j', (spec, bindings) => {
    expect(parsePortSpec(spec)).toEqual(bindings);
  });

  it.each([
    ['', /no container port/],
    ['8081:', /no container port/],
    ['web', /invalid container port web/],
    ['8081:http', /invalid container port/],
    ['x:80', /invalid host port x/],
    ['0:80', /1-65535/],
    ['8081:70000', /1-65535/],
    ['81-80', /1-65535/],
    ['8081:80/icmp', /invalid protocol icmp/],
    ['8081:80/udp/x', /invalid protocol/],
    ['300.1.1.1:8081:80', /invalid IP address 300.1.1.1/],
    ['localhost:8081:80', /invalid IP address localhost/],
    ['[::1:8081:80', /invalid IP address/],
    ['8000-8002:80-81', /same length/],
    ['8000-8001:80', /host port range for one container port/],
    ['1-2000', /at most 1000/],
  ])('%j → %s', (spec, problem) => {
    expect(parsePortSpec(spec)).toMatch(problem);
  });
});

const pipe = createValidationPipe();
const validate = (body: Record<string, unknown>) =>
  pipe.transform({ image: 'busybox', ...body }, { type: 'body', metatype: ContainerCreateDto }) as Promise<ContainerCreateDto>;

describe('ports in a create request: strings and objects mixed, one normalized list', () => {
  it('turns strings into the same bindings as objects, and the engine gets them', async () => {
    const dto = await validate({ ports: ['127.0.0.1:8081:80/udp', { containerPort: 443 }, '8000-8001:90-91'] });
    expect(dto.ports).toEqual([
      { containerPort: 80, hostPort: 8081, protocol: 'udp', hostIp: '127.0.0.1' },
      { containerPort: 443, protocol: 'tcp' },
      { containerPort: 90, hostPort: 8000, protocol: 'tcp' },
      { containerPort: 91, hostPort: 8001, protocol: 'tcp' },
    ]);
    const engine = toEngineCreate(dto);
    expect(engine.HostConfig?.PortBindings).toEqual({
      '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8081' }],
      '443/tcp': [{ HostIp: '', HostPort: '' }],
      '90/tcp': [{ HostIp: '', HostPort: '8000' }],
      '91/tcp': [{ HostIp: '', HostPort: '8001' }],
    });
  });

  it.each([
    [['8081:80', 'nope'], 'ports[1]', /"nope" is not a -p port mapping/],
    [['8000-8001:80-81', 'nope', { containerPort: 80, hostPort: 0 }], 'ports[2].hostPort', /hostPort/],
    [[{ containerPort: 80 }, '8081:80/icmp'], 'ports[1]', /invalid protocol icmp/],
    [[80], 'ports[0]', /each port must be an object/],
    [['8081:80', { containerPort: 0 }], 'ports[1].containerPort', /containerPort/],
  ])('%j → 400 naming %s', async (ports, field, message) => {
    const error = await validate({ ports }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    const errors = (error as ProblemException).problem.errors ?? [];
    expect((error as ProblemException).code).toBe('VALIDATION_FAILED');
    expect(errors).toContainEqual({ field, message: expect.stringMatching(message) });
    // Only the bad entries: a good string beside a bad one is not named.
    expect(errors.map((e) => e.field).filter((f) => f === 'ports[0]')).toEqual(ports[0] === 80 ? ['ports[0]'] : []);
  });
});

describe('ports that expand past what a create takes', () => {
  it('1000 strings of 1000 ports each: no million bindings, one past the cap at most', () => {
    const expanded = normalizePorts(Array.from({ length: 1000 }, () => '1-1000:1-1000')) as unknown[];
    expect(expanded).toHaveLength(MAX_PUBLISHED_PORTS + 1);
    expect(normalizePorts([{ containerPort: 1 }, '1-999:1-999', { containerPort: 2 }, '80'])).toHaveLength(MAX_PUBLISHED_PORTS + 1);
    expect(normalizePorts([{ containerPort: 1 }, '2-1000:2-1000'])).toHaveLength(MAX_PUBLISHED_PORTS);
  });

  it('400 naming ports and the cap, ranges counted port by port', async () => {
    const error = await validate({ ports: Array.from({ length: 1000 }, () => '1-1000:1-1000') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ProblemException).problem.errors).toEqual([
      { field: 'ports', message: 'ports must publish at most 1000 ports (a range counts each of its ports)' },
    ]);
  });
});

describe('cmd and entrypoint as command line strings in a create request', () => {
  it('splits strings, keeps arrays, and the engine gets the arrays', async () => {
    const dto = await validate({ cmd: "sh -c 'echo $HOME; sleep 1'", entrypoint: '' });
    expect(dto.cmd).toEqual(['sh', '-c', 'echo $HOME; sleep 1']);
    expect(toEngineCreate(dto)).toMatchObject({ Cmd: ['sh', '-c', 'echo $HOME; sleep 1'], Entrypoint: [''] });
    expect((await validate({ cmd: ['a b', 'c'] })).cmd).toEqual(['a b', 'c']);
  });

  it.each([
    [{ cmd: 'ls | wc -l' }, 'cmd', /cmd: \| is shell syntax/],
    [{ entrypoint: 'sh -c "x' }, 'entrypoint', /entrypoint: a double quote is not closed/],
    [{ cmd: 42 }, 'cmd', /array of at most 1000 strings, or one command line/],
    [{ cmd: ['ok', 3] }, 'cmd', /array of at most 1000 strings/],
  ])('%j → 400 naming %s', async (body, field, message) => {
    const error = await validate(body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ProblemException).code).toBe('VALIDATION_FAILED');
    expect((error as ProblemException).problem.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });
});
