import {
  DEFAULT_PAGE_LIMIT,
  type Page,
  type PageRequest,
  compareKeys,
  decodeCursor,
  encodeCursor,
  invalidCursor,
} from '../common/pagination.js';
import { ProblemException, isProblem } from '../common/problem.js';
import type { ProblemCode } from '../common/problem-codes.js';

/** Why one host of a fleet list has no items in the answer. */
export interface FleetHostError {
  host: string;
  code: ProblemCode;
  detail: string;
}

/** A fleet page: the per-host page shape, each item naming its host, and the hosts that did not answer. */
export interface FleetPage<T> extends Page<T & { host: string }> {
  errors: FleetHostError[];
}

/** Reads one host's list page (the per-host list, filters included). */
export type HostListRead<T> = (host: string, request: PageRequest) => Promise<Page<T>>;

export interface FleetReadOptions<T> {
  /** How long one host may take before it counts as failed (ENGINE_UNAVAILABLE); the others still answer. */
  timeoutMs: number;
  /** The per-host cursor that continues a host's list after `item` (the per-host list's own order). */
  cursorOf: (item: T) => string;
}

/** Marks a fleet cursor, so that a per-host list's cursor given to a fleet list is a 400, not a silent restart. */
const FLEET_CURSOR = 'fleet';
/** A host id (the path segment of `/api/v1/hosts/{host}`). */
export const HOST_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Where a fleet page starts: after `cursor` in the list of `host`; hosts before it in id order are done. */
interface FleetStart {
  host: string;
  cursor: string;
}

/**
 * One page of a list over several hosts. Order: hosts by id (code-unit order), then each host's own order; a cursor
 * holds (host, that host's cursor), so hosts added or removed between pages neither repeat nor skip the others'
 * items. Every host is read on every page, in parallel, each within `timeoutMs`, so `total` counts all the answering
 * hosts and `errors` names every one that failed; a failed host's items are missing from that page (the page goes
 * on with the next host). A request Berth itself finds invalid (VALIDATION_FAILED) fails the whole list.
 */
export async function readFleetPage<T>(
  hosts: readonly string[],
  read: HostListRead<T>,
  request: PageRequest,
  options: FleetReadOptions<T>,
): Promise<FleetPage<T>> {
  const limit = request.limit ?? DEFAULT_PAGE_LIMIT;
  const start = request.cursor === undefined ? undefined : fleetStart(request.cursor);
  const ordered = [...new Set(hosts)].sort((a, b) => compareKeys([a], [b]));
  const answers = await Promise.all(
    ordered.map(async (host) => {
      try {
        return { host, page: await withinTime(read(host, hostRequest(host, start, limit)), options.timeoutMs, host) };
      } catch (error) {
        if (isProblem(error, 'VALIDATION_FAILED')) throw error;
        return { host, error: hostError(host, error) };
      }
    }),
  );

  const items: Array<T & { host: string }> = [];
  let total = 0;
  let more = false;
  let last: { host: string; item: T } | undefined;
  for (const answer of answers) {
    if (!answer.page) continue;
    total += answer.page.total;
    if (start && compareKeys([answer.host], [start.host]) < 0) continue;
    for (const item of answer.page.items) {
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push({ ...item, host: answer.host });
      last = { host: answer.host, item };
    }
    // A host with a next page had more than `limit` items left: there is a next fleet page.
    if (answer.page.nextCursor !== null) more = true;
  }
  return {
    items,
    nextCursor: more && last ? encodeCursor([FLEET_CURSOR, last.host, options.cursorOf(last.item)]) : null,
    total,
    errors: answers.flatMap((answer) => (answer.error ? [answer.error] : [])),
  };
}

/** The start a fleet cursor holds; anything but a cursor this API gave is a 400. */
function fleetStart(cursor: string): FleetStart {
  const [mark, host, hostCursor] = decodeCursor(cursor, 3);
  if (mark !== FLEET_CURSOR || !HOST_ID.test(host)) throw invalidCursor();
  return { host, cursor: hostCursor };
}

/**
 * What to ask one host: hosts before the start are done (one item is enough: their `total` counts), the start host
 * continues after its cursor, later hosts start from their first item. Each is asked a whole page: where the page
 * fills up is known only once all have answered.
 */
function hostRequest(host: string, start: FleetStart | undefined, limit: number): PageRequest {
  if (!start) return { limit };
  const order = compareKeys([host], [start.host]);
  if (order < 0) return { limit: 1 };
  return order === 0 ? { limit, cursor: start.cursor } : { limit };
}

/** A host's failure as the answer names it: its problem's code and detail, never a stack. */
function hostError(host: string, error: unknown): FleetHostError {
  if (error instanceof ProblemException) return { host, code: error.code, detail: error.detail };
  return { host, code: 'INTERNAL_ERROR', detail: 'The list of this host failed unexpectedly.' };
}

/** `read`, or ENGINE_UNAVAILABLE once `ms` have passed (the read goes on, unawaited: a coalesced list may share it). */
function withinTime<T>(read: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ProblemException(503, 'ENGINE_UNAVAILABLE', `Host '${host}' did not answer within ${ms} ms.`)), ms);
  });
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}
