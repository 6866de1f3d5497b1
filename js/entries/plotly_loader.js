// explorer.widgets.plot.PlotlyLib: evaluates the kernel's plotly.js once per page and shares it
// with every figure (plot.js) as globalThis.__xpPlotly. A page's own Plotly (plotly's renderer)
// stays as it was.

import { ready } from "../lib/plotly_ready.js";

const BEFORE = "const __xpPrev = globalThis.Plotly;\n";
const AFTER = "\n;globalThis.__xpPlotly = globalThis.Plotly;\n"
  + "if (__xpPrev) globalThis.Plotly = __xpPrev;\n";

export default {
  initialize({ model }) {
    // Start evaluating at once, without making anywidget wait for it (it gives initialize 2 s).
    // The source arrives as a binary buffer (a DataView): no string copy of ~1.3 MB.
    const st = ready();
    if (st.started) return;
    st.started = true;
    performance.mark("xp-plotly-start");
    const parts = [BEFORE, model.get("source"), AFTER];
    const url = URL.createObjectURL(new Blob(parts, { type: "text/javascript" }));
    import(url)
      .then(() => {
        performance.mark("xp-plotly-ready");
        if (!globalThis.__xpPlotly) throw new Error("plotly.js did not define Plotly");
        st.resolve(globalThis.__xpPlotly);
      })
      .catch((err) => {
        globalThis.__xpPlotlyReady = undefined; // a later kernel's PlotlyLib may try again
        st.reject(err);
      })
      .finally(() => URL.revokeObjectURL(url));
  },
};
