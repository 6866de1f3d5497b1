// DOM helpers every view uses: elements whose text is never markup, and keys that stay inside.

/**
 * A new element.
 * @param {string} tag element name
 * @param {string|null} [cls] its class attribute
 * @param {*} [text] its text, set through textContent: model text never becomes markup
 * @returns {HTMLElement}
 */
export function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** Lumino (JupyterLab, Notebook 7) matches command-mode shortcuts on the focused element first
 * and stops at an element carrying this attribute: everything that takes focus carries it. */
export const SUPPRESS = "data-lm-suppress-shortcuts";

/**
 * Mark `e` so that keys typed while it has the focus never run a notebook shortcut.
 * @param {Element} e
 * @returns {Element} `e`
 */
export function keysStayHere(e) {
  e.setAttribute(SUPPRESS, "true");
  return e;
}

/**
 * No key pressed anywhere inside `root` reaches the notebook (command-mode shortcuts such as
 * a, b, d d, x, m, and the arrow keys that move the cell selection in Notebook 7).
 * @param {Element} root
 * @returns {() => void} undoes it
 */
export function keepKeysInside(root) {
  const keep = (e) => e.stopPropagation();
  root.addEventListener("keydown", keep);
  root.addEventListener("keypress", keep);
  return () => {
    root.removeEventListener("keydown", keep);
    root.removeEventListener("keypress", keep);
  };
}
