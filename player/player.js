// Descent's player: one component that draws every view and steps them together.
//
// Input: the bytes of viz.player.message (see viz/pack.py for the format): a JSON header with
// Plotly specs of the landscape views, every step of every path (16-bit codes), one run's exact
// numbers for the step inspector, and the player's options. Output (to Python): "click" (a point
// to add a start at) and "drag" ({start, point}: a start moved) trigger values.
//
// What is drawn how:
// - landscape views (3-D surface, contour map or 1-D curve) with plotly.js, once per landscape key;
// - 2-D paths, markers and inspector arrows on a canvas over the contour map / curve (plotly.js is
//   never called while playing on 2-D views, so the contour stays drawn);
// - 3-D paths as scatter3d traces (one per optimizer, one for the markers) restyled while playing;
// - loss lines with plotly.js once per paths key, the current step as a canvas overlay.
// plotly.js comes from the app's static folder (the installed plotly package's copy).

const MAGIC = "DSC1";
const Q16_NAN = 65535, Q16_LEVELS = 65534;
// Button icons: inline SVG (no icon font; headless and minimal systems lack the media glyphs).
const svg = (d) => `<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="${d}" fill="currentColor"/></svg>`;
const ICONS = {
  start: svg("M3 3h2v10H3zM14 3v10L6 8z"), back: svg("M12 3v10L4 8z"), play: svg("M4 2v12l10-6z"),
  pause: svg("M4 3h3v10H4zM9 3h3v10H9z"), fwd: svg("M4 3v10l8-5z"), end: svg("M11 3h2v10h-2zM2 3v10l8-5z"),
};
const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

// ------------------------------------------------------------------------------- decoding

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function unshuffle(raw, size, count) {
  const out = new Uint8Array(size * count);
  for (let b = 0; b < size; b++) {
    const plane = raw.subarray(b * count, (b + 1) * count);
    for (let i = 0; i < count; i++) out[i * size + b] = plane[i];
  }
  return out;
}

async function decodeBlob(meta, body) {
  const raw = await inflate(body.subarray(meta.offset, meta.offset + meta.length));
  const shape = meta.shape;
  const count = shape.reduce((a, b) => a * b, 1);
  if (meta.codec === "f4") return { shape, array: new Float32Array(unshuffle(raw, 4, count).buffer) };
  if (meta.codec === "f8") return { shape, array: new Float64Array(unshuffle(raw, 8, count).buffer) };
  const codes = new Uint16Array(unshuffle(raw, 2, count).buffer);
  const row = shape.length ? shape[shape.length - 1] : 1;
  const out = new Float32Array(count);
  const scale = (meta.hi - meta.lo) / Q16_LEVELS;
  const log = meta.log;
  for (let start = 0; start < count; start += row) {
    let acc = 0;
    for (let i = start; i < start + row; i++) {
      acc = (acc + codes[i]) & 0xffff;
      if (acc === Q16_NAN) { out[i] = NaN; continue; }
      const v = meta.lo + acc * scale;
      out[i] = log ? Math.pow(10, v) + log[0] - log[1] : v;
    }
  }
  return { shape, array: out };
}

async function decodeMessage(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (String.fromCharCode(...u8.subarray(0, 4)) !== MAGIC) throw new Error("not a player message");
  const length = new DataView(u8.buffer, u8.byteOffset + 4, 4).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + length)));
  const body = u8.subarray(8 + length);
  return { header, body };
}

function isRef(node) {
  return node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1
    && "$blob" in node;
}

// Replace blob references in `node` by their decoded arrays; in Plotly specs (asRows) a 2-D
// array becomes a list of rows.
async function resolve(node, blobs, body, asRows) {
  if (Array.isArray(node)) return Promise.all(node.map((v) => resolve(v, blobs, body, asRows)));
  if (node && typeof node === "object") {
    if (isRef(node)) {
      const b = await decodeBlob(blobs[node.$blob], body);
      if (!asRows) return b;
      if (b.shape.length === 2) {
        const [r, c] = b.shape;
        return Array.from({ length: r }, (_, i) => Array.from(b.array.subarray(i * c, (i + 1) * c)));
      }
      return b.array;
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = await resolve(v, blobs, body, asRows);
    return out;
  }
  return node;
}

// -------------------------------------------------------------------------------- plotly.js

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__descentPlotly) {
    window.__descentPlotly = new Promise((resolveLoad, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolveLoad(window.Plotly);
      script.onerror = () => { window.__descentPlotly = null; reject(new Error("plotly.js did not load from " + url)); };
      document.head.appendChild(script);
    });
  }
  return window.__descentPlotly;
}

const PLOT_CONFIG = { displaylogo: false, responsive: true, scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"] };

// ----------------------------------------------------------------------------- formatting

function fmt(v, digits = 6) {
  if (v === undefined || v === null || Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s = (a >= 1e-4 && a < 1e7) ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1)
    .replace(/\.?0+e/, "e");
  return s.replace("-", "−");
}
const par = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// --------------------------------------------------------------------------------- canvas

const DASHES = { solid: [], dash: [9, 5], dot: [2, 4], dashdot: [9, 4, 2, 4], longdash: [16, 6],
  longdashdot: [16, 5, 2, 5] };

function marker(ctx, symbol, x, y, r, fill, stroke) {
  ctx.beginPath();
  switch (symbol) {
    case "square": ctx.rect(x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r); break;
    case "diamond": ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r, y); ctx.closePath(); break;
    case "triangle-up": ctx.moveTo(x, y - r * 1.1); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); break;
    case "pentagon": case "hexagon": {
      const k = symbol === "pentagon" ? 5 : 6;
      for (let i = 0; i < k; i++) { const a = -Math.PI / 2 + (2 * Math.PI * i) / k; ctx[i ? "lineTo" : "moveTo"](x + r * Math.cos(a), y + r * Math.sin(a)); }
      ctx.closePath(); break;
    }
    case "star-triangle-up": case "hourglass":
      ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y - r); ctx.lineTo(x - r, y + r); ctx.lineTo(x + r, y + r); ctx.closePath(); break;
    default: ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = fill; ctx.fill();
  ctx.lineWidth = 1.5; ctx.strokeStyle = stroke; ctx.stroke();
}

function cross(ctx, x, y, r, color) {
  ctx.beginPath(); ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
  ctx.lineWidth = 4; ctx.strokeStyle = "#222"; ctx.stroke(); ctx.lineWidth = 2.2; ctx.strokeStyle = color; ctx.stroke();
}

function arrow(ctx, x0, y0, x1, y1, color, width) {
  const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
  ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width; ctx.setLineDash([]);
  if (len < 3) { ctx.beginPath(); ctx.arc(x0, y0, 3, 0, 2 * Math.PI); ctx.fill(); return; }
  const h = Math.min(10, len * 0.45), ux = dx / len, uy = dy / len;
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1 - ux * h * 0.8, y1 - uy * h * 0.8); ctx.stroke();
  ctx.beginPath(); ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - ux * h - uy * h * 0.5, y1 - uy * h + ux * h * 0.5);
  ctx.lineTo(x1 - ux * h + uy * h * 0.5, y1 - uy * h - ux * h * 0.5); ctx.closePath(); ctx.fill();
}

// 4x4 column-major matrix product a x b (the layout of gl-matrix and plotly.js's gl3d camera).
// Evaluate a model program (postfix tokens from viz/model.py) at every x of xs, with parameters
// params: a small stack machine over arrays, no eval.
const PROGRAM_FUNCS = { sin: Math.sin, cos: Math.cos, tan: Math.tan, exp: Math.exp, log: Math.log,
  tanh: Math.tanh, sinh: Math.sinh, cosh: Math.cosh, atan: Math.atan, asin: Math.asin, acos: Math.acos,
  abs: Math.abs, sign: Math.sign };
function evalProgram(prog, params, xs) {
  const n = xs.length, stack = [];
  const map2 = (a, b, f) => { const out = new Float64Array(n); for (let j = 0; j < n; j++) out[j] = f(a[j], b[j]); return out; };
  for (const tok of prog) {
    if (tok[0] === "c" || tok[0] === "p") stack.push(new Float64Array(n).fill(tok[0] === "c" ? tok[1] : params[tok[1]]));
    else if (tok[0] === "x") stack.push(Float64Array.from(xs));
    else {
      const [, name, k] = tok, args = stack.splice(stack.length - k, k);
      let out;
      if (name === "add") out = args.reduce((a, b) => map2(a, b, (u, v) => u + v));
      else if (name === "mul") out = args.reduce((a, b) => map2(a, b, (u, v) => u * v));
      else if (name === "pow") out = map2(args[0], args[1], (u, v) => Math.pow(u, v));
      else if (name === "max") out = args.reduce((a, b) => map2(a, b, Math.max));
      else if (name === "min") out = args.reduce((a, b) => map2(a, b, Math.min));
      else { const f = PROGRAM_FUNCS[name]; if (!f) return null; out = args[0].map(f); }
      stack.push(out);
    }
  }
  return stack.length === 1 ? stack[0] : null;
}

function mat4mul(a, b) {
  const out = new Float64Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v += a[k * 4 + r] * b[c * 4 + k];
    out[c * 4 + r] = v;
  }
  return out;
}

// The landscape's camera (viz.figures) fitted to the 3-D view's box. plotly.js scales a scene
// with its box's height (a fixed vertical field of view) and draws its axis labels at a fixed
// size: with that camera the scene with its labels is 0.67 box heights + 71 px wide and 0.51
// heights + 43 px high (measured on boxes of 230-630 px), so a fixed camera cut the scene's
// sides in a narrow box and left it small in a wide one. The eye moves towards or away from the
// centre so that the scene spans 84% of the box's width, or 80% of its height if that is less,
// and grows at most 1.25 times (closer, the perspective enlarges the near corner more).
function fitCamera(camera, box) {
  const r = box.getBoundingClientRect(), w = r.width, h = r.height;
  if (!camera || !camera.eye || !(w > 150 && h > 150)) return camera;
  const zoom = Math.min((0.84 * w - 71) / (0.67 * h), (0.8 * h - 43) / (0.51 * h), 1.25);
  const c = camera.center || { x: 0, y: 0, z: 0 }, e = camera.eye;
  const eye = { x: c.x + (e.x - c.x) / zoom, y: c.y + (e.y - c.y) / zoom, z: c.z + (e.z - c.z) / zoom };
  return { ...camera, eye };
}

// An overlay canvas over a Plotly plot's plotting area, in the plot's data coordinates.
class Overlay {
  constructor(host) {
    this.host = host;
    this.canvas = el("canvas", "dp-overlay");
    host.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d");
  }
  fit(gd) {
    const s = gd._fullLayout && gd._fullLayout._size;
    if (!s) return false;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(s.w)), h = Math.max(1, Math.round(s.h));
    Object.assign(this.canvas.style, { left: `${s.l}px`, top: `${s.t}px`, width: `${w}px`, height: `${h}px` });
    if (this.canvas.width !== w * dpr || this.canvas.height !== h * dpr) {
      this.canvas.width = w * dpr; this.canvas.height = h * dpr;
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.xa = gd._fullLayout.xaxis; this.ya = gd._fullLayout.yaxis;
    this.w = w; this.h = h;
    return true;
  }
  clear() { this.ctx.clearRect(0, 0, this.w || 0, this.h || 0); }
  px(x) { return this.xa.c2p(x); }
  py(y) { return this.ya.c2p(y); }
}

// -------------------------------------------------------------------------------- the player

class Player {
  constructor(root) {
    this.root = root;
    this.step = 0; this.T = 0; this.playing = false; this.speed = 0; this.hidden = new Set();
    this.landKey = null; this.pathsKey = null; this.inspectKey = null; this.rev = 0;
    this.stats = { map: 0, surface: 0, loss: 0, frames: 0 };
    window.__descentPlayer = this;
    this.build();
  }

  setCallbacks(setTriggerValue) { this.trigger = setTriggerValue; }

  build() {
    const r = this.root;     // also holds the component's <style>: never cleared
    this.el = el("div", "dp-root");
    this.el.tabIndex = 0;
    const bar = el("div", "dp-bar");
    const button = (icon, title, fn) => {
      const b = el("button", "dp-btn"); b.innerHTML = ICONS[icon]; b.type = "button"; b.title = title; b.setAttribute("aria-label", title);
      b.addEventListener("click", () => { fn(); this.el.focus({ preventScroll: true }); }); bar.appendChild(b); return b;
    };
    this.btnStart = button("start", "to the start (Home)", () => { this.pause(); this.go(0); });
    this.btnBack = button("back", "one step back (←)", () => { this.pause(); this.go(this.step - 1); });
    this.btnPlay = button("play", "play / pause (space)", () => this.toggle());
    this.btnFwd = button("fwd", "one step forward (→)", () => { this.pause(); this.go(this.step + 1); });
    this.btnEnd = button("end", "to the end (End)", () => { this.pause(); this.go(this.T); });
    this.btnPlay.classList.add("dp-play");
    this.slider = el("input", "dp-slider"); this.slider.type = "range"; this.slider.min = 0; this.slider.step = 1;
    this.slider.setAttribute("aria-label", "step");
    this.slider.addEventListener("input", () => { this.pause(); this.go(Number(this.slider.value)); });
    bar.appendChild(this.slider);
    this.label = el("span", "dp-label", "step 0 of 0"); bar.appendChild(this.label);
    this.speedSel = el("select", "dp-speed"); this.speedSel.title = "speed: steps per second";
    this.speedSel.setAttribute("aria-label", "speed");
    for (const s of SPEEDS) { const o = el("option", "", `${s} steps/s`); o.value = s; this.speedSel.appendChild(o); }
    this.speedSel.addEventListener("change", () => { this.speed = Number(this.speedSel.value); });
    bar.appendChild(this.speedSel);
    this.el.appendChild(bar);
    this.legend = el("div", "dp-legend"); this.el.appendChild(this.legend);
    this.views = el("div", "dp-views"); this.el.appendChild(this.views);
    this.lower = el("div", "dp-lower"); this.el.appendChild(this.lower);
    this.lossBox = el("div", "dp-view dp-loss"); this.lower.appendChild(this.lossBox);
    this.lossPlot = el("div", "dp-plot"); this.lossBox.appendChild(this.lossPlot);
    this.lossOverlay = new Overlay(this.lossBox);
    this.dataBox = el("div", "dp-view dp-data"); this.lower.appendChild(this.dataBox);
    this.dataPlot = el("div", "dp-plot"); this.dataBox.appendChild(this.dataPlot);
    this.dataOverlay = new Overlay(this.dataBox);
    this.dataNote = el("div", "dp-note dp-data-note"); this.lower.appendChild(this.dataNote);
    this.inspector = el("div", "dp-inspector"); this.lower.appendChild(this.inspector);
    this.status = el("div", "dp-status"); this.el.appendChild(this.status);
    r.appendChild(this.el);
    this.onKey = (e) => this.key(e);
    document.addEventListener("keydown", this.onKey);
    this.onResize = () => this.redrawSoon();
    window.addEventListener("resize", this.onResize);
  }

  destroy() {
    this.pause();
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    if (this.onPointerUp) window.removeEventListener("pointerup", this.onPointerUp, true);
    for (const gd of [this.surfaceDiv, this.mapDiv, this.lossPlot, this.dataPlot]) if (gd && window.Plotly) window.Plotly.purge(gd);
    if (window.__descentPlayer === this) window.__descentPlayer = null;
  }

  // ------------------------------------------------------------------------------ data in

  async receive(bytes) {
    const rev = ++this.rev;
    const mark = (name) => { if (!(name in this.stats)) this.stats[name] = performance.now(); };
    mark("t_receive");
    let msg;
    try { msg = await decodeMessage(bytes); } catch (err) { this.fail(err); return; }
    const { header, body } = msg;
    const Plotly = await loadPlotly(header.player.plotly_url).catch((err) => { this.fail(err); });
    if (!Plotly || rev !== this.rev) return;
    mark("t_plotly");
    const blobs = header.blobs;
    try {
      const land = header.landscape, paths = header.paths, insp = header.inspect, data = header.data || null;
      const newData = (data ? data.key : null) !== this.dataKey;
      const newLand = land && land.key !== this.landKey;
      const newPaths = paths && paths.key !== this.pathsKey;
      const newInsp = (insp ? insp.run + ":" + paths.key : null) !== this.inspectKey;
      if (!this.speed) {     // the link's speed, else the whole run in about 8 s
        this.speed = header.player.speed || (paths ? Math.max(5, paths.T / 8) : 20);
        this.speedSel.value = String(SPEEDS.reduce((a, b) => (Math.abs(b - this.speed) < Math.abs(a - this.speed) ? b : a)));
        this.speed = Number(this.speedSel.value);
      }
      let landData = this.land, pathsData = this.paths, inspData = this.insp;
      if (newLand) landData = { ...land, views: await resolve({ surface: land.surface, contour: land.contour, curve: land.curve }, blobs, body, true) };
      if (newPaths) pathsData = await this.decodePaths(paths, blobs, body);
      if (newInsp) inspData = insp ? await resolve(insp, blobs, body, false) : null;
      let dataData = this.data;
      if (newData) dataData = data ? await resolve(data, blobs, body, true) : null;
      if (rev !== this.rev) return;      // a newer message arrived meanwhile
      mark("t_decoded");
      if (newLand) await this.drawLandscape(landData);
      mark("t_landscape");
      if (newPaths || newLand) {
        const atEnd = !this.paths || this.step >= this.T;
        this.paths = pathsData; this.pathsKey = paths.key; this.T = pathsData.T;
        this.slider.max = this.T;
        if (newLand || atEnd) this.step = this.T;
        this.step = Math.min(this.step, this.T);
        await this.drawPaths();
      }
      if (newData || newPaths) {
        this.data = dataData; this.dataKey = data ? data.key : null;
        await this.drawData();
      }
      this.insp = inspData; this.inspectKey = insp ? insp.run + ":" + paths.key : null;
      this.status.textContent = "";
      this.render();
      mark("t_first_view");
      if (this.land.n === 2 && !this.surfaceDiv && !this.surfaceBusy) {
        this.surfaceBusy = true;
        try {
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));  // paint the map first
          await this.drawSurface(this.land);
        } finally { this.surfaceBusy = false; }
        this.render();
        if (this.land.n === 2 && !this.surfaceDiv) this.redrawSoon();   // a newer landscape: draw it
      }
      this.stats.drawnAt = performance.now();   // new data on screen (read by bench/)
      this.stats.bytes = bytes.byteLength;
    } catch (err) { this.fail(err); }
  }

  fail(err) {
    console.warn("descent player:", err);
    this.status.textContent = "The figures could not be drawn: " + (err && err.message ? err.message : err);
  }

  async decodePaths(paths, blobs, body) {
    const coords = [];
    for (const ref of paths.points) coords.push((await decodeBlob(blobs[ref.$blob], body)).array);
    const values = (await decodeBlob(blobs[paths.values.$blob], body)).array;
    return { ...paths, coords, valuesArr: values, t1: paths.T + 1 };
  }

  // ----------------------------------------------------------------------------- drawing

  // The map (contour or curve) first, the 3-D surface after it (drawSurface): the 3-D scene
  // takes about a second to build with software WebGL, and the map need not wait for it.
  async drawLandscape(land) {
    const Plotly = window.Plotly;
    for (const gd of [this.surfaceDiv, this.mapDiv]) if (gd) Plotly.purge(gd);
    this.views.innerHTML = "";
    this.land = land; this.landKey = land.key;
    this.surfaceDiv = null; this.surfaceOverlay = null; this.surfaceBox = null;
    const v = land.views;
    if (land.n === 2) {
      this.surfaceBox = el("div", "dp-view dp-surface"); this.views.appendChild(this.surfaceBox);
    }
    const mBox = el("div", "dp-view dp-map" + (land.n === 1 ? " dp-wide" : "")); this.views.appendChild(mBox);
    this.mapBox = mBox;
    this.mapDiv = el("div", "dp-plot"); mBox.appendChild(this.mapDiv);
    this.mapOverlay = new Overlay(mBox);
    const spec = land.n === 2 ? v.contour : v.curve;
    const layout = { ...spec.layout, autosize: true, height: undefined, showlegend: false, dragmode: "zoom",
      margin: { l: 56, r: 10, t: 10, b: 44 } };
    await Plotly.newPlot(this.mapDiv, spec.data, layout, PLOT_CONFIG);
    this.mapDiv.on("plotly_relayout", () => this.redrawSoon());
    this.mapDiv.on("plotly_afterplot", () => this.redrawSoon());
    this.attachPointer(mBox);
  }

  async drawSurface(land) {
    const Plotly = window.Plotly, v = land.views, sBox = this.surfaceBox;
    if (land.n !== 2 || !sBox || this.surfaceDiv) return;
    const div = el("div", "dp-plot"); sBox.appendChild(div);
    this.surfaceStatic = v.surface.data.length;
    const layout = { ...v.surface.layout, autosize: true, height: undefined, showlegend: false,
      margin: { l: 0, r: 0, t: 10, b: 0 } };
    layout.scene = { ...layout.scene, uirevision: "landscape", camera: fitCamera(layout.scene.camera, sBox) };
    await Plotly.newPlot(div, v.surface.data, layout, { ...PLOT_CONFIG, plotGlPixelRatio: 1 });
    if (this.land !== land) { Plotly.purge(div); return; }     // a newer landscape meanwhile
    this.surfaceDiv = div;
    this.surfaceOverlay = new Overlay(sBox);
    // the paths are projected with the scene's camera: redraw them whenever it moves
    div.on("plotly_relayouting", () => this.redrawSoon());
    div.on("plotly_relayout", () => this.redrawSoon());
    div.on("plotly_afterplot", () => this.redrawSoon());
  }

  async drawPaths() {
    const Plotly = window.Plotly, p = this.paths, land = this.land;
    this.buildLegend();
    // loss per step: one line per run, static until new paths arrive
    const ax = p.loss_axis, traces = [], gl = p.runs.length * p.t1 > 40000;
    const xName = p.epochs ? "epoch" : "step";
    const per = (run) => (p.epochs && run.per_epoch) || 1;     // steps per unit of the x axis
    const offset = ax.offset || 0;
    p.runs.forEach((run, i) => {
      const y = p.valuesArr.subarray(i * p.t1, (i + 1) * p.t1);
      traces.push({ type: gl ? "scattergl" : "scatter", mode: "lines", x0: 0, dx: 1 / per(run),
        y: offset ? Float32Array.from(y, (v) => v - offset) : y, name: `${run.label} · start ${run.start + 1}`,
        line: { color: run.color, width: 2, dash: run.dash }, visible: !this.hidden.has(run.optimizer),
        hovertemplate: `${run.label} · start ${run.start + 1}<br>${xName} %{x:.4g}<br>${ax.title} %{y:.4g}<extra></extra>` });
    });
    const divX = [], divY = [], divText = [];
    p.runs.forEach((run, i) => {
      if (run.diverged_at >= 0 && run.last >= 0) {
        divX.push(run.diverged_at / per(run)); divY.push(p.valuesArr[i * p.t1 + run.last] - offset);
        divText.push(`${run.label} · start ${run.start + 1}: diverged at step ${run.diverged_at}`);
      }
    });
    if (divX.length) traces.push({ type: "scatter", mode: "markers", x: divX, y: divY, name: "diverged",
      marker: { symbol: "x", size: 11, color: "#d62728", line: { width: 1, color: "#222" } },
      hovertemplate: "%{text}<extra></extra>", text: divText, cliponaxis: false });
    const layout = { template: land && land.views && (land.views.contour || land.views.curve).layout.template,
      autosize: true, showlegend: false, margin: { l: 64, r: 12, t: 10, b: 44 }, hovermode: "closest",
      font: { size: 13 }, uirevision: "loss",
      xaxis: { title: { text: xName }, range: [0, Math.max(...p.runs.map((run) => Math.max(1, p.T) / per(run)))], zeroline: false },
      // new paths: the y range is theirs (a range kept from an earlier view cut curves off)
      yaxis: { title: { text: ax.title }, type: ax.type, ...(ax.range ? { range: ax.range, autorange: false } : { autorange: true }) } };
    await Plotly.react(this.lossPlot, traces, layout, PLOT_CONFIG);
    if (!this.lossPlot.__descentHooked) {
      this.lossPlot.on("plotly_relayout", () => this.redrawSoon());
      this.lossPlot.on("plotly_afterplot", () => this.redrawSoon());
      this.lossPlot.__descentHooked = true;
    }
  }

  buildLegend() {
    const p = this.paths;
    this.legend.innerHTML = "";
    const seen = new Map();
    for (const r of p.runs) if (!seen.has(r.optimizer)) seen.set(r.optimizer, r);
    for (const [o, r] of seen) {
      const chip = el("button", "dp-chip"); chip.type = "button";
      chip.title = "click to hide or show";
      const sw = el("span", "dp-swatch"); sw.style.background = r.color; chip.appendChild(sw);
      chip.appendChild(el("span", "", r.lr && !r.label.includes(" lr ") ? `${r.label} (lr ${r.lr})` : r.label));
      if (this.hidden.has(o)) chip.classList.add("dp-off");
      chip.addEventListener("click", () => {
        if (this.hidden.has(o)) this.hidden.delete(o); else this.hidden.add(o);
        chip.classList.toggle("dp-off");
        const vis = p.runs.map((run) => !this.hidden.has(run.optimizer));
        window.Plotly.restyle(this.lossPlot, { visible: vis }, p.runs.map((_, i) => i));
        this.render();
      });
      this.legend.appendChild(chip);
    }
    const starts = [...new Set(p.runs.map((r) => r.start))];
    for (const s of starts) {
      const r = p.runs.find((run) => run.start === s);
      const item = el("span", "dp-start");
      const c = el("canvas"); c.width = 44; c.height = 14; const ctx = c.getContext("2d");
      ctx.setLineDash(DASHES[r.dash] || []); ctx.strokeStyle = "#444"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(2, 7); ctx.lineTo(30, 7); ctx.stroke(); ctx.setLineDash([]);
      marker(ctx, r.symbol, 37, 7, 4.5, "#666", "#fff");
      item.appendChild(c); item.appendChild(el("span", "", `start ${s + 1}`));
      this.legend.appendChild(item);
    }
    const marks = (this.land && this.land.points || []).map((m) => `${m.glyph} ${m.label}`);
    this.legend.appendChild(el("span", "dp-note", [...marks, "✕ diverged"].join(" · ")));
  }

  redrawSoon() {
    if (this.redrawPending) return;
    this.redrawPending = true;
    requestAnimationFrame(() => {
      this.redrawPending = false;
      this.render();
      if (this.land && this.land.n === 2 && !this.surfaceDiv && !this.surfaceBusy) {
        this.surfaceBusy = true;
        this.drawSurface(this.land).finally(() => { this.surfaceBusy = false; this.render(); });
      }
    });
  }

  // Draw step this.step in every view.
  render() {
    if (!this.paths) return;
    const k = this.step;
    this.slider.value = k;
    const per = this.paths.per_epoch;     // after step k a run has seen k / per epochs
    this.label.textContent = per ? `step ${k} of ${this.T} · epoch ${fmt(k / per, 3)}` : `step ${k} of ${this.T}`;
    const icon = this.playing ? "pause" : "play";
    if (this.btnPlay.dataset.icon !== icon) { this.btnPlay.innerHTML = ICONS[icon]; this.btnPlay.dataset.icon = icon; }
    this.drawMap(k);
    this.drawLossMarker(k);
    this.drawModel(k);
    this.draw3d(k);
    this.drawInspector(k);
    this.stats.frames++;
  }

  at(i, t) {      // point of run i at step t (or null)
    const p = this.paths, idx = i * p.t1 + t;
    const x = p.coords[0][idx];
    if (p.n === 1) return Number.isFinite(x) ? [x, p.valuesArr[idx]] : null;
    const y = p.coords[1][idx];
    return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
  }

  drawMap(k) {
    const o = this.mapOverlay, p = this.paths;
    if (!o || !this.mapDiv || !o.fit(this.mapDiv)) return;
    o.clear();
    const ctx = o.ctx;
    const oneD = p.n === 1;
    p.runs.forEach((run, i) => {
      if (this.hidden.has(run.optimizer)) return;
      const end = Math.min(k, run.last);
      if (end < 0) {      // failed at its start (no finite loss or gradient there): an ✕ on it
        const [sx, sy] = run.start_point;
        cross(ctx, o.px(sx), oneD ? o.h - 8 : o.py(sy), 7, run.color);
        return;
      }
      ctx.setLineDash(oneD ? [] : (DASHES[run.dash] || []));
      ctx.strokeStyle = run.color; ctx.lineWidth = oneD ? 1.2 : 2; ctx.globalAlpha = oneD ? 0.55 : 1;
      ctx.beginPath();
      let lx = NaN, ly = NaN, started = false;
      for (let t = 0; t <= end; t++) {
        const q = this.at(i, t); if (!q) continue;
        const x = o.px(q[0]), y = o.py(q[1]);
        if (!started) { ctx.moveTo(x, y); started = true; lx = x; ly = y; continue; }
        if (t < end && Math.abs(x - lx) < 0.5 && Math.abs(y - ly) < 0.5) continue;   // sub-pixel
        ctx.lineTo(x, y); lx = x; ly = y;
      }
      ctx.stroke(); ctx.globalAlpha = 1; ctx.setLineDash([]);
      if (oneD) {     // every iterate as a dot
        ctx.fillStyle = run.color;
        for (let t = 0; t <= end; t++) { const q = this.at(i, t); if (q) { ctx.beginPath(); ctx.arc(o.px(q[0]), o.py(q[1]), 2, 0, 6.3); ctx.fill(); } }
      }
      const q0 = this.at(i, 0);
      if (q0) marker(ctx, "circle", o.px(q0[0]), o.py(q0[1]), 3.5, "#fff", run.color);
      const q = this.at(i, end);
      if (q) {
        if (run.diverged_at >= 0 && k >= run.diverged_at) cross(ctx, o.px(q[0]), o.py(q[1]), 7, run.color);
        else marker(ctx, run.symbol, o.px(q[0]), o.py(q[1]), 6, run.color, "#fff");
      }
    });
    this.drawArrows(k);
    if (this.dragging) {
      const d = this.dragging;
      marker(ctx, "circle", o.px(d.point[0]), o.py(d.point.length > 1 ? d.point[1] : d.y), 7, "rgba(255,255,255,0.6)", "#000");
    }
    this.stats.map++;
    this.mapBox.dataset.step = k;      // what this view shows (read by the browser tests)
  }

  // The data view (a dataset loss): the rows as a scatter, drawn once per dataset, and each run's
  // model at the current step as a curve on a canvas over it (drawModel).
  async drawData() {
    const Plotly = window.Plotly, d = this.data;
    const had = this.lower.classList.contains("dp-has-data");
    this.lower.classList.toggle("dp-has-data", !!(d && d.x));
    if (had !== this.lower.classList.contains("dp-has-data") && this.lossPlot._fullLayout) Plotly.Plots.resize(this.lossPlot);
    this.dataNote.textContent = d ? [d.x && d.shown < d.rows ? `data view: ${d.shown.toLocaleString("en")} of ${d.rows.toLocaleString("en")} rows drawn` : "", d.note].filter(Boolean).join(" · ") : "";
    if (!d || !d.x) { Plotly.purge(this.dataPlot); this.dataOverlay.clear(); return; }
    const labels = d.kind === "labels";
    const trace = { type: "scattergl", mode: "markers", x: d.x, y: d.y, name: "data",
      marker: labels ? { size: 5, opacity: 0.55, color: Array.from(d.y, (v) => (v > 0 ? "#0072B2" : "#E69F00")) }
        : { size: 5, opacity: 0.5, color: "#666" },
      hovertemplate: `${d.feature} %{x:.4g}<br>${d.target} %{y:.4g}<extra></extra>` };
    let lo = Infinity, hi = -Infinity;
    for (const v of d.y) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const pad = 0.08 * (hi - lo || 1);
    const layout = { autosize: true, showlegend: false, margin: { l: 56, r: 12, t: 10, b: 44 }, hovermode: "closest",
      font: { size: 13 }, uirevision: "data:" + d.key, template: this.land && this.land.views && (this.land.views.contour || this.land.views.curve).layout.template,
      xaxis: { title: { text: d.feature }, range: d.xrange, zeroline: false },
      yaxis: { title: { text: labels ? `${d.target} (label) and E[${d.target} | ${d.feature}]` : d.target }, range: [lo - pad, hi + pad], zeroline: false } };
    await Plotly.react(this.dataPlot, [trace], layout, PLOT_CONFIG);
    if (!this.dataPlot.__descentHooked) {
      this.dataPlot.on("plotly_relayout", () => this.redrawSoon());
      this.dataPlot.on("plotly_afterplot", () => this.redrawSoon());
      this.dataPlot.__descentHooked = true;
    }
  }

  // The model of run i at step t over the feature values xs (a postfix program, viz/model.py).
  modelAt(i, t, xs) {
    const p = this.paths, prog = this.data && this.data.curve;
    if (!prog) return null;
    const params = p.coords.map((c) => c[i * p.t1 + t]);
    if (!params.every(Number.isFinite)) return null;
    return evalProgram(prog, params, xs);
  }

  drawModel(k) {
    const d = this.data, o = this.dataOverlay, p = this.paths;
    if (!d || !d.x || !d.curve || !o.fit(this.dataPlot)) return;
    o.clear();
    const ctx = o.ctx, n = 160, xs = new Float64Array(n);
    for (let j = 0; j < n; j++) xs[j] = d.xrange[0] + ((d.xrange[1] - d.xrange[0]) * j) / (n - 1);
    const px = Array.from(xs, (x) => o.px(x));
    p.runs.forEach((run, i) => {
      if (this.hidden.has(run.optimizer)) return;
      const t = Math.min(k, run.last); if (t < 0) return;
      const ys = this.modelAt(i, t, xs); if (!ys) return;
      ctx.setLineDash(DASHES[run.dash] || []); ctx.strokeStyle = run.color; ctx.lineWidth = 2.2;
      ctx.beginPath();
      let pen = false;
      for (let j = 0; j < n; j++) {
        const y = o.py(ys[j]);
        if (!Number.isFinite(y) || Math.abs(y) > 1e5) { pen = false; continue; }
        if (pen) ctx.lineTo(px[j], y); else { ctx.moveTo(px[j], y); pen = true; }
      }
      ctx.stroke(); ctx.setLineDash([]);
    });
    this.stats.data = (this.stats.data || 0) + 1;
    this.dataBox.dataset.step = k;
  }

  drawLossMarker(k) {
    const o = this.lossOverlay, p = this.paths;
    if (!o.fit(this.lossPlot)) return;
    o.clear();
    const ctx = o.ctx, offset = p.loss_axis.offset || 0;
    const per = (run) => (p.epochs && run.per_epoch) || 1;
    if (!p.epochs || p.per_epoch) {     // one x for every run: the step's line
      const x = o.px(k / (p.epochs ? p.per_epoch : 1));
      ctx.strokeStyle = "rgba(0,0,0,0.45)"; ctx.lineWidth = 1.5; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, o.h); ctx.stroke(); ctx.setLineDash([]);
    }
    p.runs.forEach((run, i) => {
      if (this.hidden.has(run.optimizer)) return;
      const t = Math.min(k, run.last); if (t < 0) return;
      const v = p.valuesArr[i * p.t1 + t] - offset;
      let y = o.py(v);
      if (!Number.isFinite(y)) return;
      y = Math.max(0, Math.min(o.h, y));
      marker(ctx, run.symbol, o.px(t / per(run)), y, 5, run.color, "#fff");
    });
    this.stats.loss++;
    this.lossBox.dataset.step = k;
  }

  // 3-D: the paths and markers are projected with the scene's own camera (plotly.js's gl3d
  // projection: projection x view x model applied to the data scaled by scene.dataScale) and drawn
  // on a canvas over the scene, like the 2-D views: the WebGL scene (surface, critical points) is
  // never redrawn while playing. Measured: a WebGL redraw of the default scene costs about
  // 100 ms with software WebGL and blocks every view, which held 3-D to 6-8 and 2-D to 7-25
  // updates per second. Paths are drawn on top of the surface (also where a hill hides them).
  // The scene's projection of data point (x, y, z) to pixels of the scene's area: null outside
  // the axis box. Also returns the area's place and size in the plot div.
  camera3d() {
    const gd = this.surfaceDiv;
    if (!gd || !gd._fullLayout || !gd._fullLayout.scene) return null;
    const scene = gd._fullLayout.scene._scene;
    if (!scene || !scene.glplot || !scene.glplot.cameraParams) return null;
    const size = gd._fullLayout._size, dom = gd._fullLayout.scene.domain;
    const w = size.w * (dom.x[1] - dom.x[0]), h = size.h * (dom.y[1] - dom.y[0]);
    const left = size.l + dom.x[0] * size.w, top = size.t + (1 - dom.y[1]) * size.h;
    const cam = scene.glplot.cameraParams, ds = scene.dataScale;
    const M = mat4mul(cam.projection, mat4mul(cam.view, cam.model));
    const [[x0, x1], [y0, y1]] = this.land.domain;
    const proj = (x, y, z) => {
      if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1) || !Number.isFinite(z)) return null;
      const a = x * ds[0], b = y * ds[1], c = z * ds[2];
      const q0 = M[0] * a + M[4] * b + M[8] * c + M[12], q1 = M[1] * a + M[5] * b + M[9] * c + M[13];
      const q3 = M[3] * a + M[7] * b + M[11] * c + M[15];
      return [0.5 * (1 + q0 / q3) * w, 0.5 * (1 - q1 / q3) * h];
    };
    return { proj, left, top, w, h };
  }

  // Where the overlay draws data point (x, y, z), in page (client) pixels (for the tests).
  project3d(x, y, z) {
    const c = this.camera3d(); if (!c) return null;
    const q = c.proj(x, y, z); if (!q) return null;
    const r = this.surfaceDiv.getBoundingClientRect();
    return [r.left + c.left + q[0], r.top + c.top + q[1]];
  }

  draw3d(k) {
    const o = this.surfaceOverlay, p = this.paths, c = this.camera3d();
    if (!o || !c) return;
    const { proj, left, top, w, h } = c;
    const dpr = window.devicePixelRatio || 1;
    Object.assign(o.canvas.style, { left: `${left}px`, top: `${top}px`, width: `${w}px`, height: `${h}px` });
    if (o.canvas.width !== Math.round(w * dpr) || o.canvas.height !== Math.round(h * dpr)) {
      o.canvas.width = Math.round(w * dpr); o.canvas.height = Math.round(h * dpr);
    }
    const ctx = o.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const lift = this.land.lift || 0;
    p.runs.forEach((run, i) => {
      if (this.hidden.has(run.optimizer)) return;
      const end = Math.min(k, run.last);
      if (end < 0) return;
      ctx.setLineDash(DASHES[run.dash] || []); ctx.strokeStyle = run.color; ctx.lineWidth = 2.5;
      ctx.beginPath();
      let pen = false, lx = NaN, ly = NaN;
      for (let t = 0; t <= end; t++) {
        const idx = i * p.t1 + t;
        const q = proj(p.coords[0][idx], p.coords[1][idx], p.valuesArr[idx] + lift);
        if (!q) { pen = false; continue; }
        if (!pen) { ctx.moveTo(q[0], q[1]); pen = true; lx = q[0]; ly = q[1]; continue; }
        if (t < end && Math.abs(q[0] - lx) < 0.5 && Math.abs(q[1] - ly) < 0.5) continue;   // sub-pixel
        ctx.lineTo(q[0], q[1]); lx = q[0]; ly = q[1];
      }
      ctx.stroke(); ctx.setLineDash([]);
      const idx = i * p.t1 + end;
      const q = proj(p.coords[0][idx], p.coords[1][idx], p.valuesArr[idx] + lift);
      if (!q) return;
      if (run.diverged_at >= 0 && k >= run.diverged_at) cross(ctx, q[0], q[1], 7, run.color);
      else marker(ctx, run.symbol, q[0], q[1], 5.5, run.color, "#fff");
    });
    this.stats.surface++;
    this.surfaceBox.dataset.step = k;
  }

  // ---------------------------------------------------------------------------- inspector

  inspectorNumbers(k) {
    const d = this.insp; if (!d) return null;
    const n = d.x.shape[1], T = d.lr.shape[0];
    const row = (b, t) => (b && t >= 0 && t < b.shape[0] ? Array.from(b.array.subarray(t * n, (t + 1) * n)) : null);
    const st = {};
    for (const [name, b] of Object.entries(d.states)) st[name] = b;
    return { n, T, x: row(d.x, k), g: row(d.g, k), xn: k < T ? row(d.x, k + 1) : null,
      lr: k < T ? d.lr.array[k] : null, value: d.value.array[k], st, row };
  }

  drawArrows(k) {
    const num = this.inspectorNumbers(k), o = this.mapOverlay;
    if (!num || !num.x || !num.xn || this.hidden.has(this.insp.name || this.insp.optimizer)) return;
    const ctx = o.ctx, oneD = num.n === 1;
    const P = (pt) => (oneD ? [o.px(pt[0]), o.py(this.paths.valuesArr[this.insp.run * this.paths.t1 + k])] : [o.px(pt[0]), o.py(pt[1])]);
    const [x0, y0] = P(num.x);
    const g = this.gradientUsed(num, k);
    if (g && num.lr != null) {
      const gs = num.x.map((v, j) => v - num.lr * g[j]);
      const [x1, y1] = P(gs); arrow(ctx, x0, y0, x1, oneD ? y0 : y1, "#c2185b", 2.5);
    }
    const b = num.st.velocity || num.st.momentum_buffer || num.st.m;
    if (b && this.insp.optimizer !== "adagrad") {
      const bv = num.row(b, k + 1);
      if (bv && num.lr != null) { const [x1, y1] = P(num.x.map((v, j) => v - num.lr * bv[j])); arrow(ctx, x0, y0, x1, oneD ? y0 : y1, "#7b1fa2", 2); }
    }
    const [x2, y2] = P(num.xn); arrow(ctx, x0, y0, x2, oneD ? y0 : y2, "#111", 2.5);
  }

  gradientUsed(num, k) {
    const est = num.st.gradient_estimate;
    return est ? num.row(est, k) : num.g;
  }

  drawInspector(k) {
    const box = this.inspector, d = this.insp;
    box.innerHTML = "";
    if (!d) return;
    const num = this.inspectorNumbers(k);
    const vars = this.land ? this.land.variables : ["x"];
    const run = this.paths.runs[d.run];
    const head = el("div", "dp-ins-title");
    head.textContent = `Step inspector: ${run ? run.label : d.label} · start ${run ? run.start + 1 : ""} · step ${k}` + (num.xn ? ` → ${k + 1}` : " (last point)");
    box.appendChild(head);
    if (!num.x || !num.x.every(Number.isFinite)) { box.appendChild(el("div", "dp-ins-line", "This run has diverged: no finite point at this step.")); return; }
    const lines = this.equations(d, num, k, vars);
    for (const line of lines) box.appendChild(el("div", line.cls || "dp-ins-line", line.text));
    const keyBox = el("div", "dp-ins-key");
    keyBox.innerHTML = "";
    for (const [c, t] of [["#c2185b", "−γ∇f: a plain gradient step"], ["#7b1fa2", "−γ·buffer (momentum / first moment)"], ["#111", "the step taken"]]) {
      const s = el("span", "dp-key"); const sw = el("span", "dp-swatch"); sw.style.background = c; s.appendChild(sw); s.appendChild(el("span", "", t)); keyBox.appendChild(s);
    }
    box.appendChild(keyBox);
  }

  // The update with this step's numbers substituted, per coordinate; the right-hand side is
  // computed from the recorded state with the rule's formula and compared with the point the
  // engine recorded.
  equations(d, num, k, vars) {
    const out = [], h = d.hyper, o = d.optimizer, n = num.n;
    out.push({ text: `f = ${fmt(num.value)}   at (${num.x.map((v) => fmt(v)).join(", ")})` });
    out.push({ text: `∇f = (${num.g.map((v) => fmt(v)).join(", ")})` + (num.st.gradient_estimate && num.xn ? `   used (noisy): (${this.gradientUsed(num, k).map((v) => fmt(v)).join(", ")})` : "") });
    if (!num.xn) return out;
    const lr = num.lr, t = k + 1, S = (name) => num.row(num.st[name], t), S0 = (name) => num.row(num.st[name], k);
    out.push({ text: `γ = ${fmt(lr)}` });
    for (let j = 0; j < n; j++) {
      const v = vars[j] || `x${j}`, x = num.x[j], g = this.gradientUsed(num, k)[j], xn = num.xn[j];
      const wd = h.weight_decay || 0;
      let text;
      if (o === "gd" || o === "sgd") {
        const ge = g + wd * x;
        text = wd ? `${v}ₖ₊₁ = ${v} − γ·(g + λ${v}) = ${fmt(x)} − ${fmt(lr)} × ${par(ge)} = ${fmt(x - lr * ge)}`
          : `${v}ₖ₊₁ = ${v} − γ·g = ${fmt(x)} − ${fmt(lr)} × ${par(g)} = ${fmt(x - lr * g)}`;
      } else if (o === "momentum" || (o === "nesterov")) {
        const b = S("velocity")[j];
        text = o === "momentum" ? `b = ${fmt(b)};  ${v}ₖ₊₁ = ${v} − γ·b = ${fmt(x)} − ${fmt(lr)} × ${par(b)} = ${fmt(x - lr * b)}`
          : `b = ${fmt(b)};  ${v}ₖ₊₁ = ${v} − γ·(g + μb) = ${fmt(x)} − ${fmt(lr)} × ${par(g + wd * x + h.momentum * b)} = ${fmt(x - lr * (g + wd * x + h.momentum * b))}`;
      } else if (o === "adagrad") {
        const s = S("sum_sq")[j], ge = g + wd * x, r = ge / (Math.sqrt(s) + h.eps);
        text = `s = ${fmt(s)};  ${v}ₖ₊₁ = ${v} − γₖ·g/(√s+ε) = ${fmt(x)} − ${fmt(lr)} × ${par(r)} = ${fmt(x - lr * r)}`;
      } else if (o === "rmsprop" && !h.centered && !h.momentum) {
        const s = S("square_avg")[j], ge = g + wd * x, r = ge / (Math.sqrt(s) + h.eps);
        text = `v = ${fmt(s)};  ${v}ₖ₊₁ = ${v} − γ·g/(√v+ε) = ${fmt(x)} − ${fmt(lr)} × ${par(r)} = ${fmt(x - lr * r)}`;
      } else if ((o === "adam" || o === "adamw") && !h.amsgrad) {
        const m = S("m")[j], vv = S("v")[j];
        const mh = m / (1 - Math.pow(h.beta1, t)), vh = vv / (1 - Math.pow(h.beta2, t));
        const r = mh / (Math.sqrt(vh) + h.eps);
        const base = o === "adamw" ? x * (1 - lr * wd) : x;
        text = `m = ${fmt(m)}, v = ${fmt(vv)}, m̂ = ${fmt(mh)}, v̂ = ${fmt(vh)};  ${v}ₖ₊₁ = ${o === "adamw" ? `${v}(1−γλ)` : v} − γ·m̂/(√v̂+ε) = ${fmt(base)} − ${fmt(lr)} × ${par(r)} = ${fmt(base - lr * r)}`;
      } else if (o === "lion") {
        const m0 = S0("m")[j], c = h.beta1 * m0 + (1 - h.beta1) * g, sg = Math.sign(c);
        const base = x * (1 - lr * wd);
        text = `c = β₁m + (1−β₁)g = ${fmt(c)};  ${v}ₖ₊₁ = ${wd ? `${v}(1−γλ)` : v} − γ·sign(c) = ${fmt(base)} − ${fmt(lr)} × ${par(sg)} = ${fmt(base - lr * sg)}`;
      } else {
        const names = Object.keys(num.st).filter((s) => s !== "effective_lr");
        const parts = names.map((s) => { const r = num.row(num.st[s], num.st[s].shape[0] === num.T ? k : t); return r ? `${s} = ${fmt(r[j])}` : ""; }).filter(Boolean);
        text = `${parts.join(", ")}${parts.length ? ";  " : ""}${v}ₖ₊₁ = ${v} + Δ = ${fmt(x)} + ${par(xn - x)}`;
      }
      out.push({ text: `${text}   (recorded: ${fmt(xn)})`, cls: "dp-ins-eq" });
    }
    const eff = num.row(num.st.effective_lr, k);
    if (eff) out.push({ text: `effective learning rate |Δ|/|g| per coordinate: (${eff.map((v) => fmt(v, 4)).join(", ")})` });
    return out;
  }

  // ------------------------------------------------------------------------------ playing

  go(k) {
    this.step = Math.max(0, Math.min(this.T, Math.round(k)));
    this.render();
  }

  toggle() { if (this.playing) this.pause(); else this.play(); }

  play() {
    if (!this.paths) return;
    if (this.step >= this.T) this.step = 0;
    this.playing = true;
    this.t0 = performance.now(); this.k0 = this.step;
    const tick = (now) => {
      if (!this.playing) return;
      const k = this.k0 + Math.floor(((now - this.t0) / 1000) * this.speed);
      if (k !== this.step) { this.step = Math.min(k, this.T); this.render(); }
      if (this.step >= this.T) { this.pause(); return; }
      this.raf = requestAnimationFrame(tick);
    };
    this.render();
    this.raf = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = null;
    if (this.paths) this.render();
  }

  key(e) {
    if (!this.root.isConnected || !this.paths) return;
    const t = e.target;
    if (t && t !== document.body && !this.el.contains(t)) return;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable]") && t !== this.slider) return;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); this.toggle(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); this.pause(); this.go(this.step + 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); this.pause(); this.go(this.step - 1); }
    else if (e.key === "Home") { e.preventDefault(); this.pause(); this.go(0); }
    else if (e.key === "End") { e.preventDefault(); this.pause(); this.go(this.T); }
  }

  // ------------------------------------------------------------------ click and drag on the map

  attachPointer(box) {
    const data = (e) => {
      const o = this.mapOverlay; if (!o.fit(this.mapDiv)) return null;
      const r = o.canvas.getBoundingClientRect();
      const px = e.clientX - r.left, py = e.clientY - r.top;
      if (px < 0 || py < 0 || px > r.width || py > r.height) return null;
      return { px, py, x: o.xa.p2c(px), y: o.ya.p2c(py) };
    };
    box.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !this.paths) return;
      const at = data(e); if (!at) return;
      let best = null;
      this.paths.runs.forEach((run, i) => {
        const q = this.at(i, 0); if (!q) return;
        const dist = Math.hypot(this.mapOverlay.px(q[0]) - at.px, this.mapOverlay.py(q[1]) - at.py);
        if (dist <= 10 && (!best || dist < best.dist)) best = { dist, start: run.start };
      });
      if (best) {
        e.preventDefault(); e.stopPropagation();
        this.pause();
        this.dragging = { start: best.start, point: this.land.n === 2 ? [at.x, at.y] : [at.x], y: at.y, moved: false };
        box.setPointerCapture(e.pointerId);
      } else {
        this.down = { px: at.px, py: at.py, time: performance.now(), point: this.land.n === 2 ? [at.x, at.y] : [at.x] };
      }
    }, true);
    box.addEventListener("pointermove", (e) => {
      if (!this.dragging) return;
      const at = data(e); if (!at) return;
      e.preventDefault(); e.stopPropagation();
      this.dragging.point = this.land.n === 2 ? [at.x, at.y] : [at.x];
      this.dragging.y = at.y; this.dragging.moved = true;
      this.drawMap(this.step);
    }, true);
    // pointerup on the window: plotly.js covers the page with its own element while the button is
    // down (its zoom box), so a click's pointerup does not reach the map.
    if (this.onPointerUp) window.removeEventListener("pointerup", this.onPointerUp, true);
    this.onPointerUp = (e) => {
      if (this.dragging) {
        const d = this.dragging; this.dragging = null;
        e.preventDefault(); e.stopPropagation();
        if (d.moved && this.trigger) this.trigger("drag", { start: d.start, point: d.point });
        this.drawMap(this.step);
        return;
      }
      const down = this.down; this.down = null;
      if (!down) return;
      const at = data(e);
      if (at && Math.hypot(at.px - down.px, at.py - down.py) < 4 && performance.now() - down.time < 600 && this.trigger) {
        this.trigger("click", { point: down.point });
      }
    };
    window.addEventListener("pointerup", this.onPointerUp, true);
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let player = parentElement.__descentPlayer;
  if (!player || !parentElement.contains(player.el)) {
    player = new Player(parentElement);
    parentElement.__descentPlayer = player;
  }
  player.setCallbacks(setTriggerValue);
  if (data) player.receive(data);
  return () => {
    setTimeout(() => {
      if (!parentElement.isConnected && parentElement.__descentPlayer === player) {
        player.destroy();
        parentElement.__descentPlayer = null;
      }
    }, 0);
  };
}
