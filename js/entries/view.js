// The exported view's script (explorer/export/html.py inlines it once per view, with the view's
// id and its <script> element): finds its own root, mounts the tree widget's own module (tree.js,
// packed in the data) against a stand-in for the anywidget model that answers from the embedded
// data, zooms the SVG treemap, and links both to one selection. No network, no kernel. Model text
// only ever reaches the page through textContent.

import { makeModel } from "../export/model.js";
import { liveTree, whenShown } from "../lib/pair.js";
import { drawMap, layout, mapKids, sectorPath } from "../export/svgmap.js";
import { makeTree, unz, unzJSON } from "../export/tree_data.js";

/**
 * Run the view.
 * @param {string} UID the id of the view's root element
 * @param {HTMLScriptElement|null} HOST the <script> element running it (document.currentScript)
 */
export async function run(UID, HOST) {
  const ROOT = (HOST && HOST.parentElement && HOST.parentElement.closest(".txe-root"))
    || document.getElementById(UID);
  if (!ROOT || ROOT.dataset.txeReady) return; // not found, or already running
  const key = ROOT.dataset.txeBeside; // the live tree this view stands in for, if any
  if (key && liveTree(key)) {
    ROOT.hidden = true; // the widget rendered: this view is not needed
    return;
  }
  await whenShown(ROOT); // a front-end that hides it beside a live widget: stay idle
  if (ROOT.hidden || ROOT.dataset.txeReady) return;
  if (typeof DecompressionStream === "undefined") {
    ROOT.dataset.txeReady = "static"; // an old browser: the script-free view stays
    return;
  }
  ROOT.dataset.txeReady = "loading";
  const P = JSON.parse(ROOT.querySelector("script.txe-data").textContent);
  const $ = (sel) => ROOT.querySelector(sel);

  const parts = new Map();
  function part(name) {
    if (!parts.has(name)) parts.set(name, unzJSON(P.z[name]));
    return parts.get(name);
  }
  const chunks = new Map();
  function loadBody(i) {
    const c = Math.floor(i / P.bodies_per_chunk);
    if (!chunks.has(c)) chunks.set(c, unzJSON(P.z.bodies[c]));
    return chunks.get(c).then((list) => list[i % P.bodies_per_chunk]);
  }

  const T = await part("tree");
  const tree = makeTree(T, loadBody);
  const model = makeModel({ selected: P.state.selected, initial: tree.initial(),
    height: Number($(".txe-live").dataset.height) || 560, shapes_rev: 0 }, tree.answer);
  ROOT.txe = { answer: tree.answer, model, data: P, tree };

  // -- explanation of the selected module, in either language ----------------------------------
  let lang = P.state.lang || "en";
  async function drawExplanation() {
    const E = await part("explain");
    const path = model.get("selected");
    $(".txe-epath").textContent = path === "" ? P.meta.type : path;
    const ids = E.of[path];
    const text = $(".txe-etext");
    text.classList.toggle("txe-none", !ids);
    text.textContent = ids ? E.texts[ids[Math.max(0, E.langs.indexOf(lang))]]
      : lang === "ko" ? "이 보기에는 위쪽 모듈의 설명만 들어 있습니다. 더 위의 모듈을 선택해 보세요."
        : "This view holds explanations for the upper modules only; select one higher up.";
  }
  const langs = $(".txe-langs");
  for (const [code, label] of [["en", "English"], ["ko", "한국어"]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.lang = code;
    b.setAttribute("aria-pressed", String(code === lang));
    b.addEventListener("click", () => {
      lang = code;
      for (const o of langs.children) o.setAttribute("aria-pressed", String(o === b));
      drawExplanation();
    });
    langs.append(b);
  }
  langs.hidden = false;
  model.on("change:selected", drawExplanation);

  // -- treemap: click a sector to select it (and zoom into a branch); the tree zooms it too -----
  const mapBox = $(".txe-mapbox");
  const rootId = () => mapSec.ids[mapSec.parents.indexOf("")];
  let mapSec = null;
  let level = null;
  async function mapReady() {
    if (!mapSec) {
      mapSec = await part("map");
      mapKids(mapSec);
      level = mapSec.level ?? rootId();
    }
    return mapSec;
  }
  function sectorFor(path) {
    let p = path;
    while (p && !mapSec.pos.has(p)) p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
    return p || rootId();
  }
  function levelFor(path) {
    const s = sectorFor(path);
    return s !== rootId() && !mapSec.kids.has(s) ? mapSec.parents[mapSec.pos.get(s)] : s;
  }
  ROOT.txe.mapLayout = async (at) => layout(await mapReady(), at ?? level); // for tests
  function redraw() {
    const sel = mapSec.pos.get(sectorFor(model.get("selected")));
    const svg = drawMap(mapSec, level, sel, `Parameter treemap of ${P.meta.type}`);
    mapBox.replaceChildren(svg);
  }
  mapBox.addEventListener("click", async (e) => {
    const g = e.target.closest("g[data-i]");
    if (!g) return;
    await mapReady();
    let id = mapSec.ids[Number(g.dataset.i)];
    if (g.classList.contains("txe-bar")) id = id === rootId() ? id : mapSec.parents[mapSec.pos.get(id)];
    level = mapSec.kids.has(id) ? id : mapSec.parents[mapSec.pos.get(id)];
    const base = sectorPath(id); // an "N more" sector selects the module holding them
    const path = id === rootId() || base === "" || base === rootId() ? "" : base;
    if (path === model.get("selected")) redraw();
    else model.set("selected", path); // redraws through change:selected
  });
  model.on("change:selected", async () => {
    await mapReady();
    const want = levelFor(model.get("selected"));
    const inside = (id) => { // keep a deeper zoom the selection is already inside of
      for (let p = level; p && p !== rootId(); p = mapSec.parents[mapSec.pos.get(p)]) if (p === id) return true;
      return false;
    };
    if (!inside(want) || want === rootId()) level = want;
    redraw();
  });

  mapReady().then(redraw); // the live drawing: tooltips, the selection outlined

  // -- the panels' figures, where the page has plotly.js (save_html) ---------------------------
  if (P.z.figures && window.Plotly) {
    const figures = await part("figures");
    figures.forEach((fig, i) => {
      const box = ROOT.querySelector(`.txe-panel[data-panel="${i}"]`);
      if (!fig || !box) return;
      const div = document.createElement("div");
      div.className = "txe-figure";
      box.append(div);
      window.Plotly.newPlot(div, fig.data, { ...fig.layout, autosize: true },
        { responsive: true, displaylogo: false });
    });
  }

  // -- the tree: the widget's own module, from its compressed source ---------------------------
  const url = URL.createObjectURL(new Blob([await unz(P.z.tree_js)], { type: "text/javascript" }));
  try {
    const mod = await import(url);
    let widget = mod.default ?? mod;
    if (typeof widget === "function") widget = await widget();
    if (widget.initialize) await widget.initialize({ model });
    await widget.render({ model, el: $(".txe-live") });
    $(".txe-static").hidden = true;
    ROOT.dataset.txeReady = "1";
  } catch (err) {
    ROOT.dataset.txeReady = "static"; // the script-free tree stays
    throw err;
  } finally {
    URL.revokeObjectURL(url);
  }
}
