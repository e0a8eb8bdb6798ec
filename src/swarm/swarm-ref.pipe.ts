import { Injectable, PipeTransform } from '@nestjs/common';
import { validationFailed } from '../common/validation.js';
import { SWARM_REF } from './swarm-validators.js';

/** A node, secret or config in a path (id, id prefix or name): only that grammar reaches an engine path (400 otherwise). */
@Injectable()
export class SwarmRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && SWARM_REF.test(value)) return value;
    throw validationFailed([{ field: 'id', message: 'id must be an id, id prefix or name: [a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}' }]);
  }
}
