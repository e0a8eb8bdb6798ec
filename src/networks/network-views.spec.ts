import { describe, expect, it } from 'vitest';
import { networkCreateViolations } from './network-policy.js';
import { ipamProblems, isDangling, networkFilters, networkUsers, parseCidr, toNetwork } from './network-views.js';

describe('parseCidr', () => {
  it.each([
    ['10.20.0.0/24', { address: '10.20.0.0', prefix: 24, family: 'ipv4' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
    ['fd00:20::/64', { address: 'fd00:20::', prefix: 64, family: 'ipv6' }],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0', undefined],
    ['10.0.0/24', undefined],
    ['fd00::/129', undefined],
    ['host/24', undefined],
  ])('%s → %j', (value, parsed) => {
    expect(parseCidr(value)).toEqual(parsed);
  });
});

describe('ipamProblems', () => {
  it.each([
    [{ subnet: '10.20.0.0/24' }, []],
    [{ subnet: '10.20.0.0/24', gateway: '10.20.0.1', ipRange: '10.20.0.128/25' }, []],
    [{ subnet: 'fd00:20::/64', gateway: 'fd00:20::1' }, []],
    [{ subnet: '10.20.0.0/33' }, ['ipam.subnets[0].subnet']],
    [{ subnet: '10.20.0.0/24', gateway: '10.21.0.1' }, ['ipam.subnets[0].gateway']],
    [{ subnet: '10.20.0.0/24', gateway: 'router' }, ['ipam.subnets[0].gateway']],
    [{ subnet: '10.20.0.0/24', gateway: 'fd00::1' }, ['ipam.subnets[0].gateway']],
    [{ subnet: '10.20.0.0/24', ipRange: '10.20.0.0/16' }, ['ipam.subnets[0].ipRange']],
    [{ subnet: '10.20.0.0/24', ipRange: '10.30.0.0/25' }, ['ipam.subnets[0].ipRange']],
    [{ subnet: '10.20.0.0/24', ipRange: 'x' }, ['ipam.subnets[0].ipRange']],
  ])('%j → fields %j', (subnet, fields) => {
    expect(ipamProblems({ subnets: [subnet] }).map((p) => p.field)).toEqual(fields);
  });

  it('has nothing to say without ipam', () => {
    expect(ipamProblems(undefined)).toEqual([]);
  });
});

describe('networkCreateViolations', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a plain bridge', {}, []],
    ['an overlay', { driver: 'overlay' }, []],
    ['macvlan on eth0', { driver: 'macvlan', options: { parent: 'eth0' } }, ['network-driver', 'network-driver-options']],
    ['ipvlan', { driver: 'ipvlan' }, ['network-driver']],
    ['host', { driver: 'host' }, ['network-driver']],
    ['a plugin', { driver: 'weaveworks/net-plugin:latest' }, ['network-driver']],
    ['a bridge on docker0', { options: { 'com.docker.network.bridge.name': 'docker0' } }, ['network-driver-options']],
    ['a subnet', { ipam: { subnets: [{ subnet: '10.0.0.0/30' }] } }, ['network-ipam']],
    ['an empty subnet list', { ipam: { subnets: [] } }, []],
  ])('%s → %j', (_what, dto, rules) => {
    expect(networkCreateViolations({ name: 'n', ...dto }).map((v) => v.rule)).toEqual(rules);
  });
});

describe('toNetwork', () => {
  const inspect = {
    Id: 'n1',
    Name: 'backend',
    Driver: 'bridge',
    Scope: 'local',
    Internal: true,
    Attachable: false,
    Created: '2026-11-26T10:00:00Z',
    Labels: {},
    Options: {},
    IPAM: { Driver: 'default', Config: [{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }] },
    Containers: { c1: { Name: 'web', EndpointID: 'e', MacAddress: '02:42:ac:14:00:02', IPv4Address: '172.20.0.2/16', IPv6Address: '' } },
  } as never;

  it('maps an inspect with its containers and addresses', () => {
    expect(toNetwork(inspect)).toEqual({
      id: 'n1',
      name: 'backend',
      driver: 'bridge',
      scope: 'local',
      internal: true,
      attachable: false,
      predefined: false,
      createdAt: '2026-11-26T10:00:00Z',
      labels: {},
      options: {},
      ipam: { driver: 'default', subnets: [{ subnet: '172.20.0.0/16', gateway: '172.20.0.1' }] },
      containers: [{ id: 'c1', name: 'web', ipv4Address: '172.20.0.2/16', macAddress: '02:42:ac:14:00:02' }],
    });
  });

  it.each(['bridge', 'host', 'none'])('marks %s predefined', (Name) => {
    expect(toNetwork({ Id: 'x', Name, Driver: 'x', Scope: 'local' } as never, []).predefined).toBe(true);
  });
});

describe('networkUsers', () => {
  it('maps network ids to the containers connected, from the container list', () => {
    const users = networkUsers([
      { Id: 'c1', Names: ['/web'], NetworkSettings: { Networks: { a: { NetworkID: 'n1' }, b: { NetworkID: 'n2' } } } },
      { Id: 'c2', Names: ['/db'], NetworkSettings: { Networks: { a: { NetworkID: 'n1' } } } },
      { Id: 'c3', Names: [], NetworkSettings: { Networks: {} } },
    ] as never);
    expect(users.get('n1')).toEqual([
      { id: 'c1', name: 'web' },
      { id: 'c2', name: 'db' },
    ]);
    expect(users.get('n2')).toEqual([{ id: 'c1', name: 'web' }]);
  });
});

describe('networkFilters', () => {
  it.each([
    [{}, {}],
    [
      { driver: ['bridge'], type: 'custom', dangling: true },
      { driver: ['bridge'], type: ['custom'] },
    ],
    [
      { label: ['a'], name: ['back'] },
      { label: ['a'], name: ['back'] },
    ],
  ])('maps %j to %j', (query, filters) => {
    expect(networkFilters(query)).toEqual(filters);
  });
});

describe('isDangling', () => {
  it.each([
    [{ name: 'back', containers: [] }, true],
    [{ name: 'back', containers: [{ id: 'c1', name: 'web' }] }, false],
    [{ name: 'bridge', containers: [] }, false],
    [{ name: 'none', containers: [] }, false],
  ])('%j → %s', (network, dangling) => {
    expect(isDangling(network)).toBe(dangling);
  });
});
