import { Injectable, PipeTransform } from '@nestjs/common';
import { parseImageReference } from '../docker/image-ref.js';

/** `{ref}` in a path: URL-encoded (`localhost%3A5001%2Fteam%2Fapp%3A1.0`), an id or id prefix (`sha256:...`); 400 naming the wrong part. */
@Injectable()
export class ImageRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return parseImageReference(value, 'ref').ref;
  }
}
