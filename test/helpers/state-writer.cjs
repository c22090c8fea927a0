// A separate process writing to a file state store, for the cross-process race test: argv = dir, writer id,
// rounds. Each round appends one sample (t = round number, v = writer id) to the series {writer="<id>"}.
require('tsx/cjs/api').register();
const { fileStateObjects } = require('../../functions/probing/state/file.ts');
const { createStateStore } = require('../../functions/probing/state/store.ts');

const [dir, writer, rounds] = process.argv.slice(2);
const store = createStateStore(fileStateObjects(dir));

async function main() {
  let lost = 0;
  for (let round = 1; round <= Number(rounds); round++) {
    const report = await store.update('shard', (state) => {
      const target = state.targets.t ?? { series: [] };
      const labels = { __name__: 'm', writer };
      const others = target.series.filter((series) => series.labels.writer !== writer);
      const mine = target.series.find((series) => series.labels.writer === writer) ?? { labels, samples: [] };
      return {
        writtenAt: round,
        configHashes: { t: 'h' },
        targets: {
          t: { series: [...others, { labels, samples: [...mine.samples, { t: round, v: Number(writer) }] }] },
        },
      };
    });
    if (!report.written) lost++;
  }
  process.stdout.write(JSON.stringify({ lost }));
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
