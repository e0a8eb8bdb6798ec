import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation } from '@nestjs/swagger';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a caller with role `has` may do what needs role `needs`: each role includes the ones before it. */
export function roleAllows(has: Role, needs: Role): boolean {
  return ROLES.indexOf(has) >= ROLES.indexOf(needs);
}

/** The lower of two roles, e.g. an API key's role capped by its owner's. */
export function lowerRole(a: Role, b: Role): Role {
  return roleAllows(a, b) ? b : a;
}

export const PUBLIC_KEY = 'berth:public';
export const ROLE_KEY = 'berth:role';
export const USER_SESSION_KEY = 'berth:user-session';

export interface RoleOptions {
  summary?: string;
  /** Only a user's own session (a JWT from login) may call it, not an API key: managing one's credentials. */
  userSession?: boolean;
}

/** Open to anyone, no credentials: health, readiness, docs, login. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The least role that may call this route; shown in OpenAPI. Routes without it are denied. */
export const RequireRole = (role: Role, summaryOrOptions?: string | RoleOptions) => {
  const { summary, userSession } =
    typeof summaryOrOptions === 'string' ? { summary: summaryOrOptions, userSession: false } : (summaryOrOptions ?? {});
  const session = userSession ? ', with a user session (API keys are refused)' : '';
  return applyDecorators(
    SetMetadata(ROLE_KEY, role),
    SetMetadata(USER_SESSION_KEY, Boolean(userSession)),
    ApiBearerAuth(),
    ApiOperation({ ...(summary && { summary }), description: `Requires role: \`${role}\`${session}.` }),
  );
};
