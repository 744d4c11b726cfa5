import pkg from '../../package.json' with { type: 'json' };

/** The release this code belongs to (the packages move in lockstep). */
export const VERSION: string = pkg.version;
