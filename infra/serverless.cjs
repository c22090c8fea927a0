// Values serverless.yml reads from vigil.yml (`custom.vigil: ${file(./infra/serverless.cjs)}`), so the one config
// file drives the deployment: settings, roles, every generated resource (`resources: ${self:custom.vigil.resources}`)
// and the exact config files the functions are packaged with. Runs under osls (plain Node), so it loads the
// TypeScript sources through tsx.
require('tsx/cjs/api').register();
const { basename, join } = require('node:path');
const { loadConfig, configPath, formatIssue } = require('../functions/config/load.ts');
const { deployWarnings, infraIssues } = require('./issues.ts');
const { configFiles, stageConfigFiles } = require('./package-files.ts');
const { packagedConfigText } = require('../functions/config/runtime.ts');
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
  for (const warning of deployWarnings(config))
    process.stderr.write(`warning: ${file}: ${formatIssue(warning)}\n`);
  // The functions read the very file the alarms were built from (and what it references), not ./vigil.yml.
  const staged = stageConfigFiles(
    join(__dirname, '..'),
    configFiles(file, config),
    packagedConfigText(config, basename(file)),
  );
  return {
    ...deploymentSettings(config, options),
    configPath: staged.configPath,
    packagePatterns: staged.patterns,
    resources: resources(config, options),
  };
};
