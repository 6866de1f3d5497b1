// A Plotly figure (explorer.widgets.plot.PlotWidget) drawn with the one plotly.js the kernel's
// PlotlyLib widget put in the page, in the front-end's theme, updated in place.

import { ready } from "../lib/plotly_ready.js";
import { theme } from "../lib/theme.js";
import { darkened, parseSpec, plainPoint, themed } from "../plot/figure.js";
import { createMark } from "../plot/mark.js";

function loadPlotly(model, timeoutMs) {
  if (globalThis.__xpPlotly) return Promise.resolve(globalThis.__xpPlotly);
  // Make sure the front end has the lib's model (its initialize starts the load).
  const ref = model.get("lib");
  const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice(10) : null;
  if (id && model.widget_manager && model.widget_manager.get_model) {
    model.widget_manager.get_model(id).catch(() => {});
  }
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("plotly.js did not load")), timeoutMs);
  });
  return Promise.race([ready().promise, late]).finally(() => clearTimeout(timer));
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
    const mark = createMark(box, graph); // the selected sector, outlined over the drawing
    const remark = () => mark.update(model.get("highlight"), theme(box).accent);

    let Plotly;
    try {
      Plotly = await loadPlotly(model, 60000);
    } catch (e) {
      status.textContent = "The plot could not load: " + e.message;
      return () => {};
    }

    let alive = true;
    let drawing = Promise.resolve();
    let width = 0; // the box width the figure was last laid out for (0: not drawn yet, or hidden)
    let drawn = false; // a first draw was made
    let configText = null; // the config last given to Plotly (given again only when it changes)
    const draw = () => {
      if (!alive) return drawing;
      const t = theme(box);
      const spec = parseSpec(model);
      const data = darkened(spec.data, t);
      const layout = themed(spec.layout, t);
      const config = Object.assign({}, model.get("config") || {});
      // One draw at a time, the newest last: Plotly.react updates the figure in place.
      drawing = drawing
        .then(() => {
          width = box.clientWidth;
          const text = JSON.stringify(config);
          if (text === configText) return Plotly.react(graph, data, layout);
          configText = text;
          return Plotly.react(graph, data, layout, config);
        })
        .then(() => {
          remark();
          if (status.isConnected) {
            status.remove();
            performance.mark("xp-plot-drawn");
          }
        })
        .catch((e) => {
          status.textContent = "The plot could not be drawn: " + (e && e.message);
          console.error("explorer: Plotly.react failed", e);
        });
      return drawing;
    };
    // One draw per batch of changes: Python sends the outline and the zoom of a selection
    // together, and each changed field fires its own event.
    let queued = false;
    const onChange = () => {
      if (queued) return;
      if (width === 0) {
        // Last drawn while the page hid the box (JupyterLab's theme switch hides it for a
        // moment, too briefly for the ResizeObserver to see): draw as a first time. Not drawn
        // yet at all: the first draw will read the new state.
        if (drawn && box.isConnected && box.clientWidth > 0) first();
        return;
      }
      queued = true;
      queueMicrotask(() => {
        queued = false;
        draw();
      });
    };
    const onClick = (ev) => {
      const points = (ev && ev.points ? ev.points : []).map(plainPoint);
      model.send({ type: "click", points });
    };
    // A treemap click: Plotly would start its own animated zoom, and the redraw Python answers
    // with (the outline, the level) would land mid-animation and break it (sectors with NaN
    // coordinates, no labels). With treemap_zoom off, Python alone zooms (the same redraw as a
    // selection made in the tree): the click is reported, Plotly's zoom cancelled.
    const onTreemapClick = (ev) => {
      if (model.get("treemap_zoom") !== false) return undefined; // plotly_click reports it
      onClick(ev);
      return false;
    };
    model.on("change:spec", onChange);
    model.on("change:patch", onChange);
    model.on("change:config", onChange);
    model.on("change:highlight", onChange);
    // A theme switch restyles the page: draw again in its colours.
    const themeWatch = new MutationObserver(() => onChange());
    themeWatch.observe(document.body, { attributes: true,
      attributeFilter: ["class", "data-jp-theme-light", "data-jp-theme-name"] });

    // Draw once the box has its width (a view is often rendered before it is in the page; a
    // figure drawn at width 0 is drawn again at once). Afterwards only a new width redraws:
    // the height is the figure's own, and the box growing to it must not draw it twice.
    let clicks = false; // plotly_click is listened to (once)
    const first = async () => {
      drawn = true;
      await draw();
      if (alive && graph.on && !clicks) {
        graph.on("plotly_click", onClick);
        graph.on("plotly_treemapclick", onTreemapClick);
        graph.on("plotly_afterplot", remark); // a resize, Plotly's own zoom
        graph.on("plotly_animated", remark);
        clicks = true;
      }
    };
    let resize = null;
    if (typeof ResizeObserver !== "undefined") {
      resize = new ResizeObserver(() => {
        const w = box.clientWidth;
        if (!alive || !graph.isConnected || w === 0 || w === width) return;
        if (width === 0) first();
        else {
          width = w;
          Plotly.Plots.resize(graph);
        }
      });
      resize.observe(box);
    }
    if (!resize || (box.isConnected && box.clientWidth > 0)) await first();
    return () => {
      alive = false;
      model.off("change:spec", onChange);
      model.off("change:patch", onChange);
      model.off("change:config", onChange);
      model.off("change:highlight", onChange);
      themeWatch.disconnect();
      if (resize) resize.disconnect();
      if (graph.removeAllListeners) {
        graph.removeAllListeners("plotly_click");
        graph.removeAllListeners("plotly_treemapclick");
        graph.removeAllListeners("plotly_afterplot");
        graph.removeAllListeners("plotly_animated");
      }
      Plotly.purge(graph);
    };
  },
};
