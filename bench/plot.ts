/**
 * Line charts as one SVG, drawn here (no plotting library): one panel per figure, its series as lines
 * over a shared time axis in minutes, each panel scaled from 0 to its own maximum. Dots mark a
 * series's samples; a gap in a series (undefined) breaks its line (a restarted process).
 */
export interface Panel {
  title: string
  unit: string
  series: { name: string; points: [minutes: number, value: number | undefined][] }[]
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
const W = 460
const H = 200
const PAD = { left: 56, right: 12, top: 28, bottom: 34 }
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
const tick = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))

/** `marks`: minutes to draw a dashed vertical line at (instance restarts). */
export function chartsSvg(title: string, panels: Panel[], { columns = 2, marks = [] as number[] } = {}): string {
  const rows = Math.ceil(panels.length / columns)
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W * columns}" height="${H * rows + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`, `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`]
  const allX = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)))
  const xMax = Math.max(1e-9, ...allX)
  panels.forEach((panel, k) => {
    const ox = (k % columns) * W
    const oy = 30 + Math.floor(k / columns) * H
    const values = panel.series.flatMap((s) => s.points.flatMap(([, v]) => (v === undefined ? [] : [v])))
    const yMax = Math.max(1e-9, ...values) * 1.1
    const px = (x: number) => ox + PAD.left + (x / xMax) * (W - PAD.left - PAD.right)
    const py = (y: number) => oy + H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom)
    out.push(`<text x="${ox + PAD.left}" y="${oy + 16}" font-weight="bold">${escape(panel.title)} (${escape(panel.unit)})</text>`)
    out.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#444"/><line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#444"/>`)
    for (let i = 0; i <= 4; i++) {
      const y = (yMax / 4) * i
      out.push(`<line x1="${px(0)}" y1="${py(y)}" x2="${px(xMax)}" y2="${py(y)}" stroke="#eee"/><text x="${px(0) - 4}" y="${py(y) + 4}" text-anchor="end">${tick(y)}</text>`)
      const x = (xMax / 4) * i
      out.push(`<text x="${px(x)}" y="${py(0) + 14}" text-anchor="middle">${tick(x)}</text>`)
    }
    out.push(`<text x="${px(xMax / 2)}" y="${py(0) + 28}" text-anchor="middle">minutes</text>`)
    for (const m of marks) out.push(`<line x1="${px(m)}" y1="${py(0)}" x2="${px(m)}" y2="${py(yMax)}" stroke="#999" stroke-dasharray="3,3"/>`)
    panel.series.forEach((s, j) => {
      const colour = COLOURS[j % COLOURS.length]!
      let path = ''
      let pen = false
      for (const [x, v] of s.points) {
        if (v === undefined) { pen = false; continue }
        path += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(v).toFixed(1)} `
        pen = true
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(v).toFixed(1)}" r="1.5" fill="${colour}"/>`)
      }
      out.push(`<path d="${path.trim()}" fill="none" stroke="${colour}" stroke-width="1.5"/>`)
      out.push(`<text x="${ox + W - PAD.right - 4}" y="${oy + 16 + 12 * j}" text-anchor="end" fill="${colour}">${escape(s.name)}</text>`)
    })
  })
  out.push('</svg>')
  return out.join('\n')
}
