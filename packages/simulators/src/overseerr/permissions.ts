/**
 * Overseerr's permission bit flags and its `hasPermission` rule, copied from
 * sct/overseerr `server/lib/permissions.ts` so the simulator grants and refuses exactly like it.
 */
export const Permission = {
  NONE: 0,
  ADMIN: 2,
  MANAGE_USERS: 8,
  MANAGE_REQUESTS: 16,
  REQUEST: 32,
  VOTE: 64,
  AUTO_APPROVE: 128,
  AUTO_APPROVE_MOVIE: 256,
  AUTO_APPROVE_TV: 512,
  REQUEST_4K: 1024,
  REQUEST_4K_MOVIE: 2048,
  REQUEST_4K_TV: 4096,
  REQUEST_ADVANCED: 8192,
  REQUEST_VIEW: 16384,
  AUTO_APPROVE_4K: 32768,
  AUTO_APPROVE_4K_MOVIE: 65536,
  AUTO_APPROVE_4K_TV: 131072,
  REQUEST_MOVIE: 262144,
  REQUEST_TV: 524288,
  MANAGE_ISSUES: 1048576,
  VIEW_ISSUES: 2097152,
  CREATE_ISSUES: 4194304,
  AUTO_REQUEST: 8388608,
  AUTO_REQUEST_MOVIE: 16777216,
  AUTO_REQUEST_TV: 33554432,
  RECENT_VIEW: 67108864,
  WATCHLIST_VIEW: 134217728,
} as const;

export type PermissionCheck = 'and' | 'or';

/**
 * ADMIN always passes; a single flag passes when set; a list passes when all (`and`) or any
 * (`or`) of its flags are set. `0` means "no permission needed".
 */
export function hasPermission(
  required: number | number[],
  value: number,
  type: PermissionCheck = 'and',
): boolean {
  if (required === 0) return true;
  if (Array.isArray(required)) {
    if (value & Permission.ADMIN) return true;
    return type === 'and'
      ? required.every((p) => (value & p) !== 0)
      : required.some((p) => (value & p) !== 0);
  }
  return (value & Permission.ADMIN) !== 0 || (value & required) !== 0;
}
