import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiProblems } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';

/** A service id, id prefix or name; anything else cannot name a service, so it is not found. */
export const SERVICE_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** The one check for a service reference from a client (REST path, WebSocket query): only the engine's grammar reaches an engine path. */
export function serviceRef(value: unknown): string {
  if (typeof value === 'string' && SERVICE_REF.test(value)) return value;
  throw new ProblemException(404, 'SERVICE_NOT_FOUND', `No such service: ${String(value).slice(0, 128)}`);
}

@Injectable()
export class ServiceRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return serviceRef(value);
  }
}

/** A route under `/services/{id}`: no service by that reference. */
export const ApiServiceRoute = () => ApiProblems({ 404: ['SERVICE_NOT_FOUND'] });
