// Imported first by the server. graphql-js picks its `instanceof` checks when it loads: in development
// they also look for a second copy of graphql, which costs about 4% of a list query. A server is in
// production unless NODE_ENV says otherwise (the tests run with NODE_ENV=test and keep the checks).
// What production demands of the operator (SECRETS_KEY) only an explicit NODE_ENV=production asks for,
// so that `npm start` on a fresh clone serves at once.
/** Whether the operator declared production (NODE_ENV=production), rather than this default. */
export const declaredProduction = process.env.NODE_ENV === 'production';
process.env.NODE_ENV ??= 'production';
