import { describe, expect, it } from 'vitest';
import { rateLimitAddress } from './client-address.js';

describe('rateLimitAddress', () => {
  it.each([
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('counts the IPv6 address %s by its /64 (%s)', (address, counted) => {
    expect(rateLimitAddress(address)).toBe(counted);
  });

  it('counts two hosts of one /64 as one client, and two /64s apart', () => {
    expect(rateLimitAddress('2001:db8:1:2::a')).toBe(rateLimitAddress('2001:db8:1:2:ffff:1:2:3'));
    expect(rateLimitAddress('2001:db8:1:2::a')).not.toBe(rateLimitAddress('2001:db8:1:3::a'));
  });

  it.each([
    ['10.0.0.9', '10.0.0.9'],
    ['::ffff:10.0.0.9', '10.0.0.9'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['64:ff9b::192.0.2.1', '192.0.2.1'],
    ['64:ff9b::c000:201', '192.0.2.1'],
    ['unknown', 'unknown'],
  ])('counts %s as %s', (address, counted) => {
    expect(rateLimitAddress(address)).toBe(counted);
  });
});
