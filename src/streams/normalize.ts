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
