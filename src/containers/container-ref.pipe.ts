import { Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';

/** An id, id prefix or name (engine rules); anything else cannot name a container, so it is not found. */
const CONTAINER_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

@Injectable()
export class ContainerRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CONTAINER_REF.test(value)) throw new ProblemException(404, 'CONTAINER_NOT_FOUND', `No such container: ${value.slice(0, 128)}`);
    return value;
  }
}
