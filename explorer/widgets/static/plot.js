// A Plotly figure drawn with the one plotly.js the kernel's PlotlyLib widget put in the page.

function waitForPlotly(model, timeoutMs) {
  // The lib widget's module defines globalThis.__xpPlotly when the front end loads it.
  const ref = model.get("lib");
  const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice(10) : null;
  if (id && model.widget_manager && model.widget_manager.get_model) {
    model.widget_manager.get_model(id).catch(() => {});
  }
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (globalThis.__xpPlotly) return resolve(globalThis.__xpPlotly);
      if (Date.now() - start > timeoutMs) return reject(new Error("plotly.js did not load"));
      setTimeout(tick, 25);
    };
    tick();
  });
}

function parseSpec(model) {
  let spec;
  try {
    spec = JSON.parse(model.get("spec") || "{}");
  } catch (e) {
    spec = {};
  }
  const data = Array.isArray(spec.data) ? spec.data : [];
  const patch = model.get("patch") || {};
  for (const [index, props] of Object.entries(patch)) {
    const i = Number(index);
    if (data[i]) data[i] = Object.assign({}, data[i], props);
  }
  return { data, layout: spec.layout || {} };
}

function plainPoint(p) {
  // Plotly's points hold references to the whole figure: send plain fields only.
  const out = { curveNumber: p.curveNumber, pointNumber: p.pointNumber };
  for (const key of ["id", "label", "x", "y"]) {
    const v = p[key];
    if (typeof v === "string" || typeof v === "number") out[key] = v;
  }
  return out;
}

export default {
  async render({ model, el }) {
    const box = document.createElement("div");
    box.className = "xp-plot";
    el.appendChild(box);
    const status = document.createElement("div");
    status.className = "xp-plot-status";
    status.textContent = "Loading plot…";
    box.appendChild(status);
    const graph = document.createElement("div");
    graph.className = "xp-plot-graph";
    box.appendChild(graph);

    let Plotly;
    try {
      Plotly = await waitForPlotly(model, 60000);
    } catch (e) {
      status.textContent = "The plot could not load: " + e.message;
      return () => {};
    }
    status.remove();

    let drawing = Promise.resolve();
    const draw = () => {
      const { data, layout } = parseSpec(model);
      const config = Object.assign({}, model.get("config") || {});
      // One draw at a time, the newest last: Plotly.react updates the figure in place.
      drawing = drawing.then(() => Plotly.react(graph, data, layout, config)).catch(() => {});
      return drawing;
    };
    await draw();

    const onClick = (ev) => {
      const points = (ev && ev.points ? ev.points : []).map(plainPoint);
      model.send({ type: "click", points });
    };
    graph.on("plotly_click", onClick);
    model.on("change:spec", draw);
    model.on("change:patch", draw);
    model.on("change:config", draw);
    let resize = null;
    if (typeof ResizeObserver !== "undefined") {
      resize = new ResizeObserver(() => {
        if (graph.isConnected && graph.offsetWidth > 0) Plotly.Plots.resize(graph);
      });
      resize.observe(box);
    }
    return () => {
      model.off("change:spec", draw);
      model.off("change:patch", draw);
      model.off("change:config", draw);
      if (resize) resize.disconnect();
      if (graph.removeAllListeners) graph.removeAllListeners("plotly_click");
      Plotly.purge(graph);
    };
  },
};
