// The front-end's theme as colours: read from the page's computed styles (JupyterLab,
// Notebook 7, VS Code and plain pages alike).

/** A computed colour (rgb()/rgba(), or color(srgb ...) from color-mix) as [r, g, b, a]; null
 * for anything else. */
export function rgba(css) {
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

/** "#rrggbb", "#rgb", rgb()/rgba() or a few names as [r, g, b, a]; null for anything else. */
export function hexRgb(color) {
  const named = { white: "#ffffff", black: "#000000" };
  const text = named[(color || "").toLowerCase()] || color || "";
  let m = /^#([0-9a-f]{6})$/i.exec(text);
  if (!m && /^#[0-9a-f]{3}$/i.test(text)) m = [0, text.slice(1).replace(/./g, "$&$&")];
  if (!m) return rgba(text);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
}

/** Relative luminance (0 dark .. 1 light) of [r, g, b]. */
export const luminance = (c) => (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;

/**
 * The theme around `el`: its text colour (blended to an opaque colour so Plotly can derive lines
 * and grids from it), background and accent.
 * @returns {{dark: boolean, bg: number[], text: string, grid: string, line: string,
 *   accent: string}}
 */
export function theme(el) {
  const c = rgba(getComputedStyle(el).color) || [68, 68, 68, 1];
  const prop = (name) => hexRgb(getComputedStyle(el).getPropertyValue(name).trim());
  const accent = prop("--jp-brand-color1") || prop("--vscode-focusBorder");
  const css = (a) => `rgba(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])},${a})`;
  const lum = luminance(c);
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
