export * as PlexSignIn from './plex-sign-in.ts';
export * from './session.ts';
