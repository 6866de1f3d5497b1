// The one load of plotly.js per page: the PlotlyLib widget (plotly_loader.js) starts it, every
// figure (plot.js) waits for it. Both built files share this state through globalThis.

/**
 * The page's plotly.js load: `{started, promise, resolve, reject}`, made on first use.
 * @returns {object}
 */
export function ready() {
  let st = globalThis.__xpPlotlyReady;
  if (!st) {
    st = { started: false };
    st.promise = new Promise((resolve, reject) => Object.assign(st, { resolve, reject }));
    globalThis.__xpPlotlyReady = st;
  }
  return st;
}
