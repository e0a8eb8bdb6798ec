import { Injectable, PipeTransform } from '@nestjs/common';
import { validationFailed } from '../common/validation.js';
import { NETWORK_NAME } from '../containers/dto/container-validators.js';

/** A network name, id or id prefix in a path: only the engine's grammar reaches an engine path (400 otherwise, naming the field). */
@Injectable()
export class NetworkRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && NETWORK_NAME.test(value)) return value;
    throw validationFailed([{ field: 'id', message: 'id must be a network name, id or id prefix' }]);
  }
}
