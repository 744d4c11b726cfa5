export {
  type Access,
  findMembership,
  HouseholdNotFoundError,
  PermissionDeniedError,
  requireAccess,
} from './access.ts';
export * from './household.ts';
export * from './info.ts';
export * as Invites from './invites.ts';
export * as Members from './members.ts';
export * from './permissions.ts';
export * from './plex-errors.ts';
