// An Explorer's notebook outputs come in pairs: the widget, then its static view for pages where
// the widget cannot render. Both carry the tree's static_key: the live tree marks itself with it
// and hides the static views marked with it, whichever of the two renders first.

const esc = (key) => (globalThis.CSS && CSS.escape ? CSS.escape(key) : String(key).replace(/"/g, ""));

/** The static views standing in for the live tree `key`. */
export const staticViews = (key) =>
  [...document.querySelectorAll(`.txe-root[data-txe-beside="${esc(key)}"]`)];

/** Whether the live tree `key` is on the page. */
export const liveTree = (key) => !!document.querySelector(`[data-xt-live="${esc(key)}"]`);

/** Mark `el` as the live tree `key` and hide its static views. */
export function markLive(el, key) {
  if (!key) return;
  el.dataset.xtLive = key;
  for (const view of staticViews(key)) view.hidden = true;
}

/** Resolves once `el` is laid out (a front-end may keep it hidden: then it waits, idle). */
export function whenShown(el) {
  if (el.getClientRects().length || typeof ResizeObserver === "undefined") return Promise.resolve();
  return new Promise((resolve) => {
    const watch = new ResizeObserver(() => {
      if (!el.getClientRects().length) return;
      watch.disconnect();
      resolve();
    });
    watch.observe(el);
  });
}
