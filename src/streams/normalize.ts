import { redactCommandLine } from '../common/redaction.js';
import type { EngineEvent } from '../docker/engine-types.js';

/** An engine event as Berth sends it. */
export interface StreamEvent {
  type: string;
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  scope?: string;
  /** ISO-8601 time of the event. */
  time: string;
  /** The engine's nanosecond time, for ordering and resuming. */
  timeNano: number;
}

export function normalizeEvent(event: EngineEvent): StreamEvent {
  const timeNano = event.timeNano ?? event.time * 1e9;
  return {
    type: event.Type,
    action: event.Action,
    actor: { id: event.Actor?.ID ?? '', attributes: event.Actor?.Attributes ?? {} },
    ...(event.scope && { scope: event.scope }),
    time: new Date(Math.floor(timeNano / 1e6)).toISOString(),
    timeNano,
  };
}

/** `exec_create: sh -c mysql -pS3cret`: the engine puts an exec's command line after the action's name. */
const EXEC_ACTION = /^(exec_[a-z_]+): (.*)$/s;

/**
 * An event as a viewer gets it: an exec's command line keeps its executable, its arguments
 * (where passwords go: `mysql -pS3cret`) are redacted, in the action and in any attribute
 * that repeats it.
 */
export function redactEvent(event: StreamEvent): StreamEvent {
  const exec = EXEC_ACTION.exec(event.action);
  if (!exec) return event;
  const [, name, commandLine] = exec;
  const redacted = redactCommandLine(commandLine);
  if (redacted === commandLine) return event;
  const attributes = Object.fromEntries(
    Object.entries(event.actor.attributes).map(([key, value]) => [
      key,
      value.includes(commandLine) ? value.replaceAll(commandLine, redacted) : value,
    ]),
  );
  return { ...event, action: `${name}: ${redacted}`, actor: { ...event.actor, attributes } };
}

/** The events channel's filters, by their query names. */
export interface EventFilterQuery {
  type?: string[];
  action?: string[];
  container?: string[];
  label?: string[];
}

/** The engine's `/events` filters for a query (`action` is the engine's `event`), values sorted so equal filters share a stream. */
export function engineEventFilters(query: EventFilterQuery): Record<string, string[]> {
  const fields = { type: query.type, event: query.action, container: query.container, label: query.label };
  return Object.fromEntries(
    Object.entries(fields)
      .filter((entry): entry is [string, string[]] => entry[1] !== undefined && entry[1].length > 0)
      .map(([name, values]) => [name, [...new Set(values)].sort()]),
  );
}

/** The engine's label filter (every `key` present, every `key=value` equal), on an event's attributes. */
export function matchesLabels(event: StreamEvent, labels: string[]): boolean {
  return labels.every((label) => {
    const at = label.indexOf('=');
    const key = at < 0 ? label : label.slice(0, at);
    const value = event.actor.attributes[key];
    return value !== undefined && (at < 0 || value === label.slice(at + 1));
  });
}
