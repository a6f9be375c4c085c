import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';

/** A Connector global ID (Connector.id), decoded to the row id; anything else is a validation error. */
export const connectorGlobalId = z.string().transform((value, ctx) => {
  try {
    const { typename, id } = decodeGlobalID(value);
    if (typename === 'Connector' && /^[1-9]\d*$/.test(id)) return Number(id);
  } catch {
    // Reported below.
  }
  ctx.addIssue({ code: 'custom', message: 'must be a Connector id as returned by Connector.id' });
  return z.NEVER;
});
