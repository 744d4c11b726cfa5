export * from './deps.ts';
export * as Discover from './discover.ts';
export { ENTITY_VERSION, RequestId, STATUSES, Status } from './keys.ts';
export { type CachedOverseerrUser, NoOverseerrAccountError, overseerrUserFor } from './overseerr-user.ts';
export { Person, people } from './people.ts';
export * from './request.ts';
export { moves } from './transition.ts';
export * from './webhook.ts';
