// Numbers as every view writes them: grouped digits, shares in percent, bytes in powers of 1024.

/** `n` with grouped digits ("1,234,567"); "" for null or undefined. */
export const fmt = (n) => (n === null || n === undefined ? "" : Number(n).toLocaleString("en-US"));

/** `part` as a percentage of `total`, two decimals ("0" when the total is 0). */
export const share = (part, total) => (total ? ((100 * part) / total).toFixed(2) : "0");

/** A fraction as a percentage, two decimals; a tiny non-zero one as "< 0.01%". */
export const pct = (x) => (x > 0 && x < 0.00005 ? "< 0.01%" : `${(100 * x).toFixed(2)}%`);

const UNITS = [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];

/** A byte count in the largest binary unit it reaches ("1.50 GiB"), or "N B". */
export function formatBytes(n) {
  for (const [unit, size] of UNITS) if (n >= size) return `${(n / size).toFixed(2)} ${unit}`;
  return `${n} B`;
}
