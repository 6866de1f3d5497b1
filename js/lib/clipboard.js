// Copying text for the user: the Clipboard API, else a hidden textarea and execCommand (pages
// served over plain http, older front-ends). Called from a click handler (user activation).

import { h } from "./dom.js";

/**
 * Put `text` on the clipboard.
 * @param {string} text
 * @param {string} hiddenClass class of the off-screen textarea used as the fallback
 * @returns {Promise<boolean>} whether it worked
 */
export async function toClipboard(text, hiddenClass = "xt-clip") {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    const area = h("textarea", hiddenClass);
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e2) {
      ok = false;
    }
    area.remove();
    return ok;
  }
}
