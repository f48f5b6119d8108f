// The reliability diagram as SVG: one curve per outcome (H, D, A, one-vs-rest) and the top label, the
// diagonal of perfect calibration, and each bin's count as the dot's size (and in its tooltip).
import { reliability, type BinSums } from '../calibration.js';

const SIZE = 420, PAD = 48, PLOT = SIZE - 2 * PAD;
const COLOURS: Record<string, string> = { top: '#222222', home: '#1f77b4', draw: '#7f7f7f', away: '#d62728' };
const LABELS: Record<string, string> = { top: 'top label', home: 'home win', draw: 'draw', away: 'away win' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const x = (v: number) => (PAD + v * PLOT).toFixed(1);
const y = (v: number) => (SIZE - PAD - v * PLOT).toFixed(1);

export function reliabilitySvg(title: string, tables: Record<string, BinSums | undefined>): string {
  const parts: string[] = [];
  parts.push(`<rect x="${PAD}" y="${PAD}" width="${PLOT}" height="${PLOT}" fill="none" stroke="#999"/>`);
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 4"/>`);
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<text x="${x(v)}" y="${SIZE - PAD + 16}" font-size="10" text-anchor="middle">${v.toFixed(1)}</text>`);
    parts.push(`<text x="${PAD - 6}" y="${Number(y(v)) + 3}" font-size="10" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${SIZE / 2}" y="${SIZE - 10}" font-size="11" text-anchor="middle">forecast probability</text>`);
  parts.push(`<text x="14" y="${SIZE / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${SIZE / 2})">observed frequency</text>`);
  parts.push(`<text x="${SIZE / 2}" y="20" font-size="13" text-anchor="middle">${esc(title)}</text>`);
  let legend = 0;
  for (const [name, sums] of Object.entries(tables)) {
    if (!sums) continue;
    const bins = reliability(sums).filter((b) => b.n > 0);
    const total = bins.reduce((s, b) => s + b.n, 0);
    const colour = COLOURS[name] ?? '#000';
    if (bins.length) {
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${bins.map((b) => `${x(b.confidence!)},${y(b.frequency!)}`).join(' ')}"/>`);
      for (const b of bins) {
        const r = 2 + 6 * Math.sqrt(b.n / total);
        parts.push(`<circle cx="${x(b.confidence!)}" cy="${y(b.frequency!)}" r="${r.toFixed(1)}" fill="${colour}" fill-opacity="0.6"><title>${esc(LABELS[name] ?? name)}: n=${b.n}, forecast ${b.confidence!.toFixed(3)}, observed ${b.frequency!.toFixed(3)}</title></circle>`);
      }
    }
    parts.push(`<text x="${PAD + 8}" y="${PAD + 14 + 14 * legend}" font-size="11" fill="${colour}">${esc(LABELS[name] ?? name)} (n=${total})</text>`);
    legend++;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" font-family="sans-serif">${parts.join('')}</svg>`;
}
