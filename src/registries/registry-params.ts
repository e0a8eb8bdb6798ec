import { Injectable, type PipeTransform, applyDecorators } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { parseRepositoryPath, parseTag } from '../docker/image-ref.js';

/** `{repo}` in a path: one segment, its `/` encoded as `%2F` (`team%2Fapp`), as image references are; 400 naming `repo` otherwise. */
@Injectable()
export class RegistryRepoPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return parseRepositoryPath(value, 'repo');
  }
}

@Injectable()
export class RegistryTagPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return parseTag(value, 'tag');
  }
}

export const ApiRegistryId = () => ApiParam({ name: 'id', description: 'The id of a stored registry.' });

export const ApiRegistryRepo = () =>
  applyDecorators(
    ApiRegistryId(),
    ApiParam({
      name: 'repo',
      description:
        'A repository of the registry, without its host, URL-encoded as one path segment: `team/app` is `team%2Fapp`, ' +
        'e.g. `GET /api/v1/registries/{id}/repositories/team%2Fapp/tags`. A name the reference grammar rejects is 400 naming `repo`.',
      example: 'team%2Fapp',
    }),
  );

export const ApiRegistryTag = () =>
  applyDecorators(
    ApiRegistryRepo(),
    ApiParam({ name: 'tag', description: 'A tag (letters, digits, `_ . -`, at most 128); 400 naming `tag` otherwise.', example: '1.0' }),
  );
