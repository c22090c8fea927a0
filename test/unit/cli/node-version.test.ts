/** The launcher's check, which runs before anything else: an older Node gets the reason and the command to use. */
import { nodeVersionProblem } from '../../../functions/cli/node-version.cjs';

describe('the Node version check of functions/cli/vigil.cjs', () => {
  it.each(['v24.0.0', 'v24.21.0', 'v25.1.0', '26.0.0'])('lets %s run vigil', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.each(['v20.20.2', 'v22.12.0', 'v23.11.1'])(
    'stops %s with the reason and the command to use',
    (version) => {
      expect(nodeVersionProblem(version)).toBe(
        `vigil needs Node.js 24 or later, this is ${version}: run it as \`npx vigil …\` or \`npm run vigil -- …\`, which use the project's node@24`,
      );
    },
  );
});
