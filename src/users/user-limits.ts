/** Usernames: what a shell login allows, so they are safe in logs and URLs. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const USERNAME_MAX_LENGTH = 64;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export const USERNAME_RULE = '1-64 letters, digits, dots, dashes or underscores';
