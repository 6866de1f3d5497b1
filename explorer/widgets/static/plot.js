// A Plotly figure drawn with the one plotly.js the kernel's PlotlyLib widget put in the page.

function ready() {
  // Shared with PlotlyLib's module (see plot.py): resolved once plotly.js is evaluated.
  let st = globalThis.__xpPlotlyReady;
  if (!st) {
    st = { started: false };
    st.promise = new Promise((resolve, reject) => Object.assign(st, { resolve, reject }));
    globalThis.__xpPlotlyReady = st;
  }
  return st;
}

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
  // A figure without a height gets plotly's default, explicitly: with config.responsive and an
  // auto height, Plotly.react sizes the figure to 100% of a div that has no height of its own
  // (it collapses to 0 px after the first update).
  const layout = Object.assign({ height: 450 }, spec.layout || {});
  if (layout.height === null) layout.height = 450;
  return { data, layout };
}

// -- the front-end's theme ---------------------------------------------------------------------
function rgba(css) {
  // Computed colours come as rgb()/rgba() or color(srgb ...) (color-mix results).
  let m = /^rgba?\(([^)]*)\)$/.exec(css);
  if (m) {
    const v = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  }
  m = /^color\(srgb ([^)]*)\)$/.exec(css);
  if (m) {
    const v = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
    return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1];
  }
  return null;
}

function hexRgb(color) {
  // "#rrggbb", "#rgb", rgb()/rgba() or a few names; null for anything else.
  const named = { white: "#ffffff", black: "#000000" };
  const text = named[(color || "").toLowerCase()] || color || "";
  let m = /^#([0-9a-f]{6})$/i.exec(text);
  if (!m && /^#[0-9a-f]{3}$/i.test(text)) m = [0, text.slice(1).replace(/./g, "$&$&")];
  if (!m) return rgba(text);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
}

function theme(el) {
  // The page's text colour (JupyterLab, Notebook 7, VS Code, plain pages alike), blended to
  // an opaque colour so Plotly can derive lines and grids from it.
  const c = rgba(getComputedStyle(el).color) || [68, 68, 68, 1];
  const prop = (name) => hexRgb(getComputedStyle(el).getPropertyValue(name).trim());
  const accent = prop("--jp-brand-color1") || prop("--vscode-focusBorder");
  const css = (a) => `rgba(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])},${a})`;
  const lum = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  const bg = prop("--jp-layout-color1") || prop("--vscode-editor-background")
    || (lum > 0.5 ? [33, 33, 33, 1] : [255, 255, 255, 1]);
  return {
    dark: lum > 0.5, // light text: a dark theme
    bg,
    text: css(Math.max(c[3], 0.9)),
    grid: css(0.14),
    line: css(0.35),
    accent: accent ? `rgb(${accent.slice(0, 3).map(Math.round).join(",")})` : css(1),
  };
}

function themed(layout, t) {
  // Fill in what the figure leaves to its template: no white boxes in a dark theme.
  const out = Object.assign({}, layout);
  if (out.paper_bgcolor === undefined) out.paper_bgcolor = "rgba(0,0,0,0)";
  if (out.plot_bgcolor === undefined) out.plot_bgcolor = "rgba(0,0,0,0)";
  out.font = Object.assign({ color: t.text }, out.font || {});
  for (const key of Object.keys(out).concat(["xaxis", "yaxis"])) {
    if (!/^[xy]axis\d*$/.test(key)) continue;
    const axis = Object.assign({}, out[key] || {});
    for (const [prop, color] of [["gridcolor", t.grid], ["linecolor", t.line],
      ["zerolinecolor", t.line]]) if (axis[prop] === undefined) axis[prop] = color;
    out[key] = axis;
  }
  return out;
}

function darkened(data, t) {
  // Dark theme: a treemap's pale container shades would be bright boxes; blend every pale
  // sector colour into the page background (leaf colours by module type are left as they are).
  if (!t.dark) return data;
  return data.map((trace) => {
    const colors = trace.type === "treemap" && trace.marker && trace.marker.colors;
    if (!Array.isArray(colors)) return trace;
    const mixed = colors.map((color) => {
      const c = hexRgb(color);
      if (!c || (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255 < 0.66) return color;
      const m = [0, 1, 2].map((i) => Math.round(0.3 * c[i] + 0.7 * t.bg[i]));
      return `rgb(${m.join(",")})`;
    });
    return Object.assign({}, trace, { marker: Object.assign({}, trace.marker, { colors: mixed }) });
  });
}

function outlined(data, id, t) {
  // The selected module's sector: a thick outline in the theme's accent colour.
  const trace = data[0];
  if (!trace || !Array.isArray(trace.ids) || id === null || id === undefined) return data;
  const at = trace.ids.indexOf(id);
  if (at < 0) return data;
  const marker = Object.assign({}, trace.marker || {});
  const line = Object.assign({}, marker.line || {});
  const n = trace.ids.length;
  const width = Array.isArray(line.width) ? line.width.slice() : new Array(n).fill(line.width ?? 1);
  const color = Array.isArray(line.color) ? line.color.slice()
    : new Array(n).fill(line.color ?? "rgba(255,255,255,0.6)");
  width[at] = 4;
  color[at] = t.accent;
  marker.line = Object.assign(line, { width, color });
  return [Object.assign({}, trace, { marker }), ...data.slice(1)];
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
      Plotly = await loadPlotly(model, 60000);
    } catch (e) {
      status.textContent = "The plot could not load: " + e.message;
      return () => {};
    }

    let alive = true;
    let drawing = Promise.resolve();
    let width = 0; // the box width the figure was last laid out for (0: not drawn yet)
    let configText = null; // the config last given to Plotly (given again only when it changes)
    const draw = () => {
      if (!alive) return drawing;
      const t = theme(box);
      const spec = parseSpec(model);
      const data = outlined(darkened(spec.data, t), model.get("highlight"), t);
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
    const onChange = () => {
      if (width > 0) draw(); // not drawn yet: the first draw will read the new state
    };
    const onClick = (ev) => {
      const points = (ev && ev.points ? ev.points : []).map(plainPoint);
      model.send({ type: "click", points });
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
    const first = async () => {
      await draw();
      if (alive && graph.on) graph.on("plotly_click", onClick);
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
      if (graph.removeAllListeners) graph.removeAllListeners("plotly_click");
      Plotly.purge(graph);
    };
  },
};
