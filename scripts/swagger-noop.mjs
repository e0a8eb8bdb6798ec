// What Berth's compiled code imports from @nestjs/swagger, for the runtime bundle only (scripts/bundle.mjs):
// the decorators only record metadata for the OpenAPI document, which `npm run openapi` builds with the real
// package (dist/bin/sync-openapi.js, unbundled); the served spec is the committed file. Loading the real
// package costs ~530 modules (es-toolkit/compat among them) at every start for nothing.
export { DECORATORS } from '../node_modules/@nestjs/swagger/dist/constants.js';
// The mapped types are not decoration: they make DTO classes that carry the validation and transformation
// rules of the classes they come from. @nestjs/swagger's own are these, plus OpenAPI metadata.
export { IntersectionType, OmitType, PartialType, PickType } from '@nestjs/mapped-types';

const noDecoration = () => () => undefined;

export const ApiAcceptedResponse = noDecoration;
export const ApiBearerAuth = noDecoration;
export const ApiBody = noDecoration;
export const ApiConsumes = noDecoration;
export const ApiCreatedResponse = noDecoration;
export const ApiExtraModels = noDecoration;
export const ApiHeader = noDecoration;
export const ApiOkResponse = noDecoration;
export const ApiOperation = noDecoration;
export const ApiParam = noDecoration;
export const ApiProduces = noDecoration;
export const ApiProperty = noDecoration;
export const ApiPropertyOptional = noDecoration;
export const ApiResponse = noDecoration;
export const ApiTags = noDecoration;
export const getSchemaPath = (model) => `#/components/schemas/${typeof model === 'string' ? model : model.name}`;

/** The document builder only runs in `npm run openapi`, unbundled. */
function notInTheBundle() {
  throw new Error('the OpenAPI document is built by `npm run openapi` (dist/bin/sync-openapi.js), not by the bundled server');
}
export class DocumentBuilder {
  constructor() {
    notInTheBundle();
  }
}
export const SwaggerModule = { createDocument: notInTheBundle };
