import { Injectable, PipeTransform } from '@nestjs/common';
import { validationFailed } from '../common/validation.js';
import { VOLUME_NAME } from './dto/volume.dto.js';

/** A volume name in a path: only the engine's grammar reaches an engine path (400 otherwise, naming the field). */
@Injectable()
export class VolumeNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && value.length <= 255 && VOLUME_NAME.test(value)) return value;
    throw validationFailed([{ field: 'name', message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]+' }]);
  }
}
