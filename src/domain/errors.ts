// Expected failures are data: a code a script can branch on, the input field at fault, and a message.
import type { z } from 'zod';

export const USER_ERROR_CODES = ['VALIDATION', 'NOT_FOUND', 'INVALID_TRANSITION', 'STALE_REVISION', 'FORBIDDEN', 'CONFLICT'] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserError {
  code: UserErrorCode;
  /** Path of the input field at fault, e.g. ['input', 'reason']; null when no single field is. */
  field: string[] | null;
  message: string;
}

export function userError(code: UserErrorCode, field: string[] | null, message: string): UserError {
  return { code, field, message };
}

/** Thrown by validation at the edge; payload-returning mutations turn it into `userErrors`. */
export class InputValidationError extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.message).join('; '));
    this.name = 'InputValidationError';
  }

  static fromZod(error: z.ZodError, prefix: string[] = []): InputValidationError {
    return new InputValidationError(
      error.issues.map((issue) => {
        const field = [...prefix, ...issue.path.map(String)];
        const name = field.length ? field[field.length - 1] : 'input';
        return userError('VALIDATION', field.length ? field : null, `${name}: ${issue.message}`);
      }),
    );
  }
}
