// serverless-esbuild's `plugins:` (serverless.yml custom.esbuild): per function, stubs in place of what it can never
// reach for the config being packaged (infra/bundle.ts). The config is the one infra/serverless.cjs packages.
require('tsx/cjs/api').register();
const { relative } = require('node:path');
const { configPath, loadConfig } = require('../functions/config/load.ts');
const { bundleExclusions, exclusionPlugin, LAMBDA_ENTRIES, REPO_ROOT } = require('./bundle.ts');

module.exports = () => {
  const config = loadConfig(configPath());
  return [
    {
      name: 'vigil-bundle-plan',
      setup(build) {
        const [entry] = build.initialOptions.entryPoints ?? [];
        const fn = Object.keys(LAMBDA_ENTRIES).find(
          (name) => LAMBDA_ENTRIES[name] === relative(REPO_ROOT, String(entry)).split('\\').join('/'),
        );
        if (fn === undefined) throw new Error(`infra/esbuild-plugins.cjs: ${entry} is not a vigil handler`);
        exclusionPlugin(bundleExclusions(config, fn), REPO_ROOT).setup(build);
      },
    },
  ];
};
