// Panel chrome (explorer.widgets.panels.chrome.PanelChrome): keys typed in a panel stay in it; a
// marked answer stays in view; a live panel's "Copy as JSON" button. The chrome widget sits
// inside the panel (an ipywidgets box); it finds the panel around it.

import { createChannel } from "../lib/channel.js";
import { toClipboard } from "../lib/clipboard.js";
import { h, keepKeysInside, keysStayHere } from "../lib/dom.js";

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

function copyButton(model, el) {
  // The panel's last result as JSON: asked from Python at the click (it can be long), copied.
  const channel = createChannel((c) => model.send(c), (m) => (note.textContent = m));
  const button = keysStayHere(h("button", "xp-copy-json"));
  button.type = "button";
  const note = h("span", "xp-copy-note");
  note.setAttribute("aria-live", "polite");
  const label = () => {
    button.textContent = model.get("copy_label");
    el.classList.toggle("xp-copyable", Boolean(model.get("copy_label")));
  };
  label();
  model.on("change:copy_label", label);
  const onMsg = (msg) => channel.answer(msg);
  model.on("msg:custom", onMsg);
  button.addEventListener("click", () => {
    channel.ask({ op: "json" }, async (msg) => {
      const ok = await toClipboard(msg.text, "xp-clip");
      el.dataset.copied = msg.text;
      note.textContent = ok ? msg.done : `${msg.failed}\n${msg.text}`;
    });
  });
  el.append(button, note);
  return () => {
    model.off("change:copy_label", label);
    model.off("msg:custom", onMsg);
  };
}

export default {
  render({ model, el }) {
    el.classList.add("xp-chrome");
    const unCopy = copyButton(model, el);
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
    return () => {
      unCopy();
      undo();
    };
  },
};
