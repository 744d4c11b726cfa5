import { join } from 'node:path';

/** The monorepo root: esbuild bundles from here and resolves the workspace packages. */
export const repoRoot = join(import.meta.dirname, '..', '..');
export const functionEntry = (name: string): string => join(repoRoot, 'functions', 'src', `${name}.ts`);
