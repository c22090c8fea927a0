// Values serverless.location.yml reads (`custom.vigil: ${file(./infra/serverless-location.cjs)}`): the same keys
// as infra/serverless.cjs gives serverless.yml, for a probe location's stack (infra/location.ts). Refuses a
// region that is not one of probe.locations, and the home region (serverless.yml deploys that one).
require('tsx/cjs/api').register();
const { basename, join } = require('node:path');
const { loadConfig, configPath, formatIssue } = require('../functions/config/load.ts');
const { configFiles, stageConfigFiles } = require('./package-files.ts');
const { packagedConfigText } = require('../functions/config/runtime.ts');
const { locationIssues, locationResources, locationSettings } = require('./location.ts');

module.exports = async ({ resolveVariable }) => {
  const file = configPath();
  const config = loadConfig(file);
  const options = {
    stage: await resolveVariable('sls:stage'),
    region: await resolveVariable('self:provider.region'),
    service: await resolveVariable('self:service'),
  };
  const issues = locationIssues(config, options);
  if (issues.length > 0) {
    throw new Error(
      `${file} cannot be deployed to ${options.region}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
    );
  }
  const staged = stageConfigFiles(
    join(__dirname, '..'),
    configFiles(file, config),
    packagedConfigText(config, basename(file)),
  );
  return {
    ...locationSettings(config),
    configPath: staged.configPath,
    packagePatterns: staged.patterns,
    resources: locationResources(config, options),
  };
};
