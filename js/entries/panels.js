// Panel chrome (explorer.widgets.panels.chrome.PanelChrome): keys typed in a panel stay in it; a
// marked answer stays in view. The chrome widget sits inside the panel (an ipywidgets box); it
// finds the panel around it.

import { keepKeysInside, keysStayHere } from "../lib/dom.js";

const FOCUSABLE = "input, textarea, select, button, [tabindex], .noUi-handle, [contenteditable]";

function guard(panel) {
  if (panel.dataset.xpGuarded) return () => {};
  panel.dataset.xpGuarded = "1";
  keysStayHere(panel);
  // Lumino matches shortcuts on the focused element before its ancestors: mark each one.
  const mark = () => panel.querySelectorAll(FOCUSABLE).forEach(keysStayHere);
  const shown = new WeakSet(); // marks already brought into view: the user may scroll away
  const follow = () => {
    // A new highlighted answer: scroll its own box (never the page) so that it is visible.
    for (const mark of panel.querySelectorAll(".xp-context mark.xp-answer")) {
      const box = mark.closest(".xp-context");
      if (shown.has(mark) || !box || box.clientHeight === 0) continue; // hidden: next time
      shown.add(mark);
      const top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
      const height = mark.getBoundingClientRect().height;
      if (top < box.scrollTop || top + height > box.scrollTop + box.clientHeight) {
        box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      }
    }
  };
  mark();
  follow();
  const watch = new MutationObserver(() => {
    mark();
    follow();
  });
  watch.observe(panel, { childList: true, subtree: true });
  const free = keepKeysInside(panel);
  return () => {
    watch.disconnect();
    free();
    delete panel.dataset.xpGuarded;
  };
}

export default {
  render({ el }) {
    el.classList.add("xp-chrome");
    let undo = () => {};
    let tries = 0;
    const attach = () => {
      const panel = el.closest(".xp-panel");
      if (panel) {
        undo = guard(panel);
      } else if (tries++ < 200) {
        requestAnimationFrame(attach); // the view is put into its box after render
      }
    };
    attach();
    return () => undo();
  },
};
