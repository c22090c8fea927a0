// vigil runs on Node 24 (Lambda's nodejs24.x; node:sqlite for the local state). `npx vigil` and `npm run vigil`
// use the project's own node@24; an older `node` run by hand would fail deep inside with a missing module.
// Plain CommonJS: it must run before tsx is loaded, on whatever Node started it.
const NODE_MAJOR_REQUIRED = 24;

/** Why this Node cannot run vigil, or undefined when it can. */
function nodeVersionProblem(version) {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (major >= NODE_MAJOR_REQUIRED) return undefined;
  return `vigil needs Node.js ${NODE_MAJOR_REQUIRED} or later, this is ${version}: run it as \`npx vigil …\` or \`npm run vigil -- …\`, which use the project's node@${NODE_MAJOR_REQUIRED}`;
}

module.exports = { nodeVersionProblem };
