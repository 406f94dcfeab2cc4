// "Save PNG": the map as drawn (device pixels) with a footer that says what it shows: the
// legend line, the colour bar with its range, the file name. Downloaded as <file>.view.png.

export function composeExport(mapCanvas, { title, legend, table, range, units, footnote }) {
  const dpr = mapCanvas.width / Math.max(1, mapCanvas.clientWidth);
  const footer = Math.round(64 * dpr);
  const out = document.createElement('canvas');
  out.width = mapCanvas.width;
  out.height = mapCanvas.height + footer;
  const c = out.getContext('2d');
  c.fillStyle = '#ffffff';
  c.fillRect(0, 0, out.width, out.height);
  c.drawImage(mapCanvas, 0, 0);
  c.scale(dpr, dpr);
  const y0 = mapCanvas.height / dpr;
  c.fillStyle = '#222';
  c.font = '13px system-ui, sans-serif';
  c.fillText(title, 10, y0 + 18);
  c.font = '11px system-ui, sans-serif';
  c.fillText(legend, 10, y0 + 34);
  if (table && range) {
    const x0 = 10, w = 256, yb = y0 + 42;
    for (let i = 0; i < 256; i++) {
      c.fillStyle = `rgb(${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]})`;
      c.fillRect(x0 + (i * w) / 256, yb, w / 256 + 0.5, 10);
    }
    c.fillStyle = '#222';
    c.fillText(`${range[0]}`, x0, yb + 21);
    const hi = `${range[1]}${units ? ` ${units}` : ''}`;
    c.fillText(hi, x0 + w - c.measureText(hi).width, yb + 21);
  }
  if (footnote) c.fillText(footnote, 290, y0 + 60);
  return out;
}

export function downloadCanvas(canvas, fileName) {
  return new Promise((resolve) => {
    canvas.toBlob((blob) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      resolve(blob.size);
    }, 'image/png');
  });
}
