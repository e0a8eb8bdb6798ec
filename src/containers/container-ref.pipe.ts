import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';

/** An id, id prefix or name (engine rules); anything else cannot name a container, so it is not found. */
export const CONTAINER_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/**
 * The one check for a container reference from a client (REST path, WebSocket query): only
 * what the engine's grammar allows reaches an engine path, so `../`, `?` and `/` never do.
 */
export function containerRef(value: unknown): string {
  if (typeof value === 'string' && CONTAINER_REF.test(value)) return value;
  throw new ProblemException(404, 'CONTAINER_NOT_FOUND', `No such container: ${String(value).slice(0, 128)}`);
}

@Injectable()
export class ContainerRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return containerRef(value);
  }
}

/** A route under `/containers/{id}`: no container by that reference, or an id prefix that several ids share. */
export const ApiContainerRoute = () => ApiProblems({ 404: ['CONTAINER_NOT_FOUND'], 400: ['AMBIGUOUS_REFERENCE'] });
