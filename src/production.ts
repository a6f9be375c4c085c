// Imported first by the server. graphql-js picks its `instanceof` checks when it loads: in development
// they also look for a second copy of graphql, which costs about 4% of a list query. A server is in
// production unless NODE_ENV says otherwise (the tests run with NODE_ENV=test and keep the checks).
process.env.NODE_ENV ??= 'production';
