import { isIP } from 'node:net';

/** One published port, as the create request's `ports` objects say it. */
export interface PortBinding {
  containerPort: number;
  hostPort?: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp?: string;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
/** One spec may publish a range; this many ports at most (the request's own cap). */
export const MAX_RANGE_PORTS = 1000;
/** A create request's `ports`, once ranges are expanded: at most this many bindings (its ArrayMaxSize). */
export const MAX_PUBLISHED_PORTS = 1000;

/** `80` or `8000-8010` → [first, last]; a string says what is wrong. */
function portRange(text: string, what: string): [number, number] | string {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return `invalid ${what} ${text || '(empty)'}`;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first) return `invalid ${what} ${text}: ports are 1-65535, a range low-high`;
  return [first, last];
}

/** What one `-p` string publishes, before its range is expanded into bindings. */
interface PortSpec {
  container: [number, number];
  host?: [number, number];
  protocol: PortBinding['protocol'];
  ip: string;
}

/**
 * A `docker run -p` string → the bindings it publishes, parsed as the docker CLI does (go-connections
 * `nat.ParsePortSpec`): `[ip:][hostPort:]containerPort[/protocol]`, IPv6 in brackets, ranges of equal length.
 * A string says what is wrong with it.
 */
export function parsePortSpec(spec: string): PortBinding[] | string {
  const parsed = readPortSpec(spec);
  return typeof parsed === 'string' ? parsed : expandPortSpec(parsed, portCount(parsed));
}

function portCount(spec: PortSpec): number {
  return spec.container[1] - spec.container[0] + 1;
}

/** The first `count` bindings of a spec. */
function expandPortSpec({ container, host, protocol, ip }: PortSpec, count: number): PortBinding[] {
  return Array.from({ length: count }, (_, offset) => ({
    containerPort: container[0] + offset,
    ...(host && { hostPort: host[0] + offset }),
    protocol,
    ...(ip !== '' && { hostIp: ip }),
  }));
}

function readPortSpec(spec: string): PortSpec | string {
  const parts = spec.split(':');
  const containerPart = parts[parts.length - 1];
  const hostPart = parts.length >= 2 ? parts[parts.length - 2] : '';
  let ip = parts.length >= 3 ? parts.slice(0, parts.length - 2).join(':') : '';

  const [portText, protocolText, ...extra] = containerPart.split('/');
  if (extra.length > 0) return `invalid protocol in ${containerPart}`;
  const protocol = (protocolText || 'tcp').toLowerCase();
  if (!PROTOCOLS.has(protocol)) return `invalid protocol ${protocolText}: tcp, udp or sctp`;

  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) return `invalid IP address ${ip}`;
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) return `invalid IP address ${ip}`;
  if (portText === '') return 'no container port given';

  const container = portRange(portText, 'container port');
  if (typeof container === 'string') return container;
  const host = hostPart === '' ? undefined : portRange(hostPart, 'host port');
  if (typeof host === 'string') return host;
  const count = container[1] - container[0] + 1;
  if (host && count === 1 && host[1] > host[0]) {
    return `a host port range for one container port (the engine picking one) is not supported: give one host port`;
  }
  if (host && host[1] - host[0] + 1 !== count) {
    return `host ports ${hostPart} and container ports ${portText} must be ranges of the same length`;
  }
  if (count > MAX_RANGE_PORTS) return `a range of at most ${MAX_RANGE_PORTS} ports`;
  return { container, ...(host && { host }), protocol: protocol as PortBinding['protocol'], ip };
}

/**
 * `ports` as a request gives them (objects, `-p` strings or both) → objects (made by `make`), ranges expanded.
 * When a string is invalid nothing is expanded, so that validation names the bad entries by their own index.
 */
export function normalizePorts(value: unknown, make: (binding: PortBinding) => unknown = (binding) => binding): unknown {
  if (!Array.isArray(value) || !value.some((entry) => typeof entry === 'string')) return value;
  const parsed = value.map((entry) => (typeof entry === 'string' ? readPortSpec(entry) : entry));
  if (parsed.some((entry) => typeof entry === 'string')) {
    // The request fails: the valid strings stand in as one binding each, so that each index is the entry's.
    return value.map((entry, index) =>
      typeof entry === 'string' && typeof parsed[index] !== 'string' ? make(expandPortSpec(parsed[index] as PortSpec, 1)[0]) : entry,
    );
  }
  // Expanded no further than one past what a request may publish: 1000 strings of 1000 ports would be a million bindings
  // to build and validate (seconds of a blocked event loop, a GB of memory); one past the cap fails ArrayMaxSize the same.
  let room = MAX_PUBLISHED_PORTS + 1;
  return value.flatMap((entry, index) => {
    if (typeof entry !== 'string') return room-- > 0 ? [entry] : [];
    const spec = parsed[index] as PortSpec;
    const bindings = expandPortSpec(spec, Math.max(0, Math.min(portCount(spec), room)));
    room -= bindings.length;
    return bindings.map(make);
  });
}

/** Why an entry of `ports` is not a binding: what validation says of a string or a stray value left in the list. */
export function portEntryProblem(entry: unknown): string {
  if (typeof entry !== 'string') return 'each port must be an object {containerPort, hostPort?, protocol?, hostIp?} or a -p string';
  const problem = parsePortSpec(entry);
  const shown = entry.length > 64 ? `${entry.slice(0, 64)}…` : entry;
  return `"${shown}" is not a -p port mapping ([ip:][hostPort:]containerPort[/protocol]): ${typeof problem === 'string' ? problem : 'invalid'}`;
}
