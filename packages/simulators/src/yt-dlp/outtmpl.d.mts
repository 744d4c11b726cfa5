export interface TemplateOptions {
  sanitize?: boolean;
  restricted?: boolean;
  na?: string;
}
export function evaluateTemplate(
  template: string,
  info: Record<string, unknown>,
  options?: TemplateOptions,
): string;
export function sanitizeFilename(s: string, options?: { restricted?: boolean }): string;
export function strftime(value: unknown, format: string): string | undefined;
