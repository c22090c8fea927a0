// uPlot is loaded as a classic script (node_modules/uplot/dist/uPlot.iife.min.js, served under /ui/vendor/): a
// global, typed from the package's own declarations.
type UPlotClass = typeof import('../../../node_modules/uplot/dist/uPlot');

declare global {
  const uPlot: UPlotClass;
}

export {};
