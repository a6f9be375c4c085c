import type { UserError as UserErrorShape } from '../domain/errors.js';
import { builder } from './builder.js';
import { UserErrorCodeEnum } from './enums.js';

export const UserError = builder.objectRef<UserErrorShape>('UserError').implement({
  description: 'An expected reason a mutation did not do what was asked. Nothing was written.',
  fields: (t) => ({
    code: t.expose('code', { type: UserErrorCodeEnum, description: 'What went wrong, for scripts to branch on.' }),
    field: t.exposeStringList('field', {
      nullable: true,
      description: 'The path of the input field at fault, e.g. ["input", "reason"]; null when no single field is.',
    }),
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
  }),
});
