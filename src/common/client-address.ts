import type { Request } from 'express';
import { isIPv6 } from 'node:net';

/** The address a request came from, as express sees it (behind a proxy: the proxy's, unless `trust proxy` is set). */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * The client a rate limit counts per address: an IPv6 address by its /64, a subscriber's whole network (each of its
 * hosts may take any of 2^64 addresses, a fresh limit each if counted one by one); an IPv4 one, mapped or not, as is.
 */
export function rateLimitAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  const plain = address.split('%')[0];
  if (!isIPv6(plain)) return address;
  const [head, tail] = plain.split('::');
  const groups = (text: string | undefined) => (text ? text.split(':') : []);
  // A dotted IPv4 tail is two groups; it only ever ends an address, past the /64 taken here.
  const width = (parts: string[]) => parts.reduce((sum, part) => sum + (part.includes('.') ? 2 : 1), 0);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
