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
