// Values serverless.yml reads from vigil.yml (`custom.vigil: ${file(./infra/serverless.cjs)}`), so the one config
// file drives the deployment: settings, roles, and every generated resource (`resources: ${self:custom.vigil.resources}`).
// Runs under osls (plain Node), so it loads the TypeScript sources through tsx.
require('tsx/cjs/api').register();
const { loadConfig, configPath, formatIssue } = require('../functions/config/load.ts');
const { infraIssues } = require('./issues.ts');
const { deploymentSettings, resources } = require('./resources.ts');

module.exports = async ({ resolveVariable }) => {
  const file = configPath();
  const config = loadConfig(file);
  const options = {
    stage: await resolveVariable('sls:stage'),
    region: await resolveVariable('self:provider.region'),
    service: await resolveVariable('self:service'),
  };
  const issues = infraIssues(config, options);
  if (issues.length > 0) {
    throw new Error(
      `${file} cannot be deployed:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
    );
  }
  return { ...deploymentSettings(config, options), resources: resources(config, options) };
};
