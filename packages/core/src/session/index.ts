export * as OAuthState from './oauth-state.ts';
export * as PlexSignIn from './plex-sign-in.ts';
export * from './session.ts';
