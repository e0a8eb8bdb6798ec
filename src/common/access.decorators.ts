import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation } from '@nestjs/swagger';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PUBLIC_KEY = 'berth:public';
export const ROLE_KEY = 'berth:role';

/** Open to anyone, no credentials: health, readiness, docs. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The least role that may call this route; shown in OpenAPI. Routes without it are denied. */
export const RequireRole = (role: Role, summary?: string) =>
  applyDecorators(
    SetMetadata(ROLE_KEY, role),
    ApiBearerAuth(),
    ApiOperation({ ...(summary && { summary }), description: `Requires role: \`${role}\`.` }),
  );
