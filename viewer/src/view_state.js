// The view in the page's URL, so that a reload (or a shared link) shows the same map:
//   ?file=...&projection=north&laea=LON0,LAT0&centre=LON,LAT&zoom=K&variable=h_mean
//    &range=LO,HI&colormap=viridis&coast=0
// centre: geodetic degrees of the map's centre; zoom: pixels per unit of the projection (the
// sphere's radius); laea only for the local equal-area projection; coast=0 when hidden.
// Written with history.replaceState after each full render (no history entry per pan).

const num = (v) => (v != null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const pair = (v) => {
  const parts = String(v ?? '').split(',').map(num);
  return parts.length === 2 && parts.every((p) => p !== null) ? parts : null;
};

// The view state the URL asks for: { projection, laea, centre, zoom, variable, range, colormap, coast }.
export function readViewState(params) {
  return {
    projection: params.get('projection'),
    laea: pair(params.get('laea')),
    centre: pair(params.get('centre')),
    zoom: num(params.get('zoom')),
    variable: params.get('variable'),
    range: pair(params.get('range')),
    colormap: params.get('colormap'),
    coast: params.get('coast') !== '0',
  };
}

// Writes `s` (same fields) into the URL, keeping its other parameters (file, poll).
export function writeViewState(s) {
  const params = new URLSearchParams(location.search);
  const put = (k, v) => (v == null ? params.delete(k) : params.set(k, v));
  const f6 = (v) => String(Number(v.toFixed(6)));
  put('projection', s.projection);
  put('laea', s.projection === 'laea' && s.laea ? s.laea.map(f6).join(',') : null);
  put('centre', s.centre ? s.centre.map(f6).join(',') : null);
  put('zoom', s.zoom ? String(Number(s.zoom.toPrecision(8))) : null);
  put('variable', s.variable);
  put('range', s.range ? s.range.map((v) => String(Number(v.toPrecision(8)))).join(',') : null);
  put('colormap', s.colormap);
  put('coast', s.coast ? null : '0');
  const query = params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  if (`?${query}` !== location.search) history.replaceState(null, '', `${location.pathname}?${query}`);
}

// The URL to fetch for the `file` parameter (already decoded once by URLSearchParams): each path
// segment encoded again, so '#', '?', '%' and spaces in a file name reach the server as part of
// the name. And the file's name for the page: the last segment as it is (no second decoding).
export function fileUrl(file) {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function fileName(file) {
  return file.split('/').pop();
}

// Drops the view from the URL, keeping its other parameters (file, poll, coast): a local file
// opened over a served one writes no view there, so a reload shows the served file in its own.
export function clearViewState() {
  const params = new URLSearchParams(location.search);
  for (const k of ['projection', 'laea', 'centre', 'zoom', 'variable', 'range', 'colormap']) params.delete(k);
  const query = params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  history.replaceState(null, '', query ? `${location.pathname}?${query}` : location.pathname);
}
