// WCAG 2.x contrast of every visible text element against the background it sits on;
// returns the elements below AA (4.5:1, or 3:1 for large text).
(() => {
  const rgba = c => { const p = c.match(/[\d.]+/g).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) { const c = rgba(getComputedStyle(el).backgroundColor); if (c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const failures = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || box.width < 2 || box.height < 2) continue;
    const [a, b] = [lum(rgba(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return failures;
})
