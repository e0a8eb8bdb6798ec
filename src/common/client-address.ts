import type { Request } from 'express';
import { isIPv6 } from 'node:net';

/** The address a request came from, as express sees it (behind a proxy: the proxy's, unless `trust proxy` is set). */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** NAT64's well-known prefix (RFC 6052): the IPv4 client is in the last 32 bits. */
const NAT64_PREFIX = ['64', 'ff9b', '0', '0', '0', '0'];

/**
 * The client a rate limit counts per address: an IPv6 address by its /64, a subscriber's whole network (each of its
 * hosts may take any of 2^64 addresses, a fresh limit each if counted one by one); an IPv4 one as is, also when it
 * arrives mapped (`::ffff:a.b.c.d`) or through NAT64 (`64:ff9b::a.b.c.d`).
 */
export function rateLimitAddress(address: string): string {
  const plain = address.split('%')[0];
  if (!isIPv6(plain)) return address;
  const groups = ipv6Groups(plain);
  const ipv4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  const words = groups.map((group) => Number.parseInt(group, 16));
  if (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff) return ipv4(words[6], words[7]);
  if (groups.slice(0, 6).every((group, i) => group.toLowerCase() === NAT64_PREFIX[i])) return ipv4(words[6], words[7]);
  return `${words
    .slice(0, 4)
    .map((word) => word.toString(16))
    .join(':')}::/64`;
}

/** The eight groups of a valid IPv6 address, `::` expanded and a dotted IPv4 tail made two groups, without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split('::');
  const parts = (text: string | undefined) =>
    (text ? text.split(':') : []).flatMap((part) => {
      if (!part.includes('.')) return [part];
      const [a, b, c, d] = part.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const left = parts(head);
  const right = parts(tail);
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((group) =>
    Number.parseInt(group, 16).toString(16),
  );
}
