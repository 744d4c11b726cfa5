/**
 * `fn(schema, impl)`: a domain operation that validates its input with zod before running and
 * exposes the schema as `.schema`, so the HTTP route and the worker reuse it instead of
 * redeclaring the shape. Bad input becomes an `invalid` AppError with a readable message.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';

export interface Operation<S extends z.ZodType, D, R> {
  (deps: D, input: z.input<S>): Promise<R>;
  readonly schema: S;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid', 'validation', z.prettifyError(parsed.error), {
      details: {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    });
  }
  return parsed.data;
}

export function fn<S extends z.ZodType, D, R>(
  schema: S,
  impl: (deps: D, input: z.output<S>) => Promise<R>,
): Operation<S, D, R> {
  const op = async (deps: D, input: z.input<S>) => impl(deps, parseInput(schema, input));
  return Object.assign(op, { schema });
}
