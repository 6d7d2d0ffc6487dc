// The browser demo: draw a digit -> code, reconstruction, anomaly score; walk a
// 2-D plane of the latent space through the decoder. Everything runs in
// onnxruntime-web on the models that scripts/build_docs.py exported.
// window.aezooDemo exposes the last inputs and outputs for
// tests/docs_web/test_browser_parity.py, which recomputes them with Keras.
(function () {
  "use strict";
  const { loadIndex, loadReference, run } = window.aezooOnnx;
  const GRID = 9;
  const $ = (id) => document.getElementById(id);
  const demo = (window.aezooDemo = { ready: false, error: null, seq: 0, last: null, grid: null, walk: null });
  let models = [], model = null, reference = null, point = null;

  const status = (text) => { $("demo-status").textContent = text; };
  const artifact = (endpoint) => model.artifacts.find((a) => a.endpoint === endpoint);

  // ------------------------------------------------------------ drawing

  const draw = $("demo-draw");
  const pen = draw.getContext("2d");
  function clearDrawing() {
    pen.fillStyle = "#000";
    pen.fillRect(0, 0, draw.width, draw.height);
  }
  let drawing = false, last = null, pending = null;
  function position(event) {
    const box = draw.getBoundingClientRect();
    return [(event.clientX - box.left) * draw.width / box.width,
      (event.clientY - box.top) * draw.height / box.height];
  }
  draw.addEventListener("pointerdown", (event) => {
    drawing = true;
    last = position(event);
    draw.setPointerCapture(event.pointerId);
  });
  draw.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const here = position(event);
    pen.strokeStyle = "#fff";
    pen.lineWidth = 22;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...here);
    pen.stroke();
    last = here;
    if (!pending) pending = setTimeout(() => { pending = null; analyse(fromDrawing()); }, 120);
  });
  const stop = () => {
    if (drawing) { drawing = false; analyse(fromDrawing()); }
  };
  draw.addEventListener("pointerup", stop);
  draw.addEventListener("pointercancel", stop);

  // MNIST's preprocessing: crop to the ink, fit 20x20, centre of mass at the centre of 28x28.
  function fromDrawing() {
    const { width, height } = draw;
    const pixels = pen.getImageData(0, 0, width, height).data;
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (pixels[(y * width + x) * 4] > 16) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
    }
    const image = new Float32Array(28 * 28);
    if (x1 < 0) return image;
    const w = x1 - x0 + 1, h = y1 - y0 + 1, scale = 20 / Math.max(w, h);
    const tw = Math.max(1, Math.round(w * scale)), th = Math.max(1, Math.round(h * scale));
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const ctx = small.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, 28, 28);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(draw, x0, y0, w, h, Math.floor((28 - tw) / 2), Math.floor((28 - th) / 2), tw, th);
    const boxed = ctx.getImageData(0, 0, 28, 28).data;
    let mass = 0, cx = 0, cy = 0;
    for (let i = 0; i < 28 * 28; i++) {
      const v = boxed[i * 4] / 255;
      mass += v; cx += v * (i % 28); cy += v * Math.floor(i / 28);
    }
    const dx = Math.round(13.5 - cx / mass), dy = Math.round(13.5 - cy / mass);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const sx = x - dx, sy = y - dy;
        if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) image[y * 28 + x] = boxed[(sy * 28 + sx) * 4] / 255;
      }
    }
    return image;
  }

  // ------------------------------------------------------------ pictures

  function paint(canvas, values, offset = 0, size = 28, x = 0, y = 0, cell = canvas.width / size) {
    const ctx = canvas.getContext("2d");
    const tile = ctx.createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, values[offset + i])));
      tile.data.set([v, v, v, 255], i * 4);
    }
    const scratch = document.createElement("canvas");
    scratch.width = scratch.height = size;
    scratch.getContext("2d").putImageData(tile, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(scratch, x, y, size * cell, size * cell);
  }

  function drawCode(outputs) {
    const canvas = $("demo-code"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (outputs.codes) {
      // VQ-VAE: the grid of codebook indices.
      const [, rows, cols] = outputs.codes.dims;
      const cell = Math.min(canvas.height / rows, 24);
      ctx.font = `${Math.floor(cell * 0.55)}px monospace`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      const codes = Array.from(outputs.codes.data, Number);
      const top = Math.max(...codes, 1);
      codes.forEach((code, i) => {
        const r = Math.floor(i / cols), c = i % cols;
        ctx.fillStyle = `hsl(${(code * 360) / (top + 1)}, 60%, 80%)`;
        ctx.fillRect(c * cell, r * cell, cell - 1, cell - 1);
        ctx.fillStyle = "#000";
        ctx.fillText(String(code), c * cell + cell / 2, r * cell + cell / 2);
      });
      $("demo-code-text").textContent = `${rows}x${cols} integer codes (one of the codebook's entries each)`;
      return;
    }
    const z = Array.from(outputs.z.data);
    const bound = Math.max(...z.map(Math.abs), 1e-6);
    const width = canvas.width / z.length, middle = canvas.height / 2;
    ctx.fillStyle = "#ddd";
    ctx.fillRect(0, middle, canvas.width, 1);
    z.forEach((v, i) => {
      const h = (v / bound) * (middle - 4);
      ctx.fillStyle = v >= 0 ? "#3f51b5" : "#e57373";
      ctx.fillRect(i * width + 1, v >= 0 ? middle - h : middle, Math.max(1, width - 2), Math.abs(h));
    });
    $("demo-code-text").textContent =
      `${z.length} numbers, largest |z| = ${bound.toFixed(2)}: ` + z.map((v) => v.toFixed(2)).join(" ");
  }

  function drawScore(score) {
    const canvas = $("demo-score"), ctx = canvas.getContext("2d");
    const scores = model.scores;
    const low = Math.log(Math.max(scores[0], 1e-6));
    const high = Math.log(Math.max(scores[scores.length - 1], score, 1e-6) * 1.05);
    const bins = new Array(68).fill(0);
    const bin = (s) => Math.min(bins.length - 1, Math.max(0, Math.floor(
      ((Math.log(Math.max(s, 1e-6)) - low) / (high - low)) * bins.length)));
    scores.forEach((s) => { bins[bin(s)] += 1; });
    const top = Math.max(...bins), width = canvas.width / bins.length;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#9fa8da";
    bins.forEach((n, i) => {
      const h = (n / top) * (canvas.height - 20);
      ctx.fillRect(i * width, canvas.height - 14 - h, width - 1, h);
    });
    const x = (bin(score) + 0.5) * width;
    ctx.fillStyle = "#d32f2f";
    ctx.fillRect(x - 1, 0, 3, canvas.height - 14);
    ctx.fillStyle = "#555";
    ctx.font = "11px sans-serif";
    ctx.fillText("test digits' scores (log scale) — red: yours", 4, canvas.height - 2);
    const below = scores.filter((s) => s < score).length;
    $("demo-score-text").textContent = `score ${score.toFixed(2)}: higher than ` +
      `${((100 * below) / scores.length).toFixed(1)}% of the ${scores.length} test digits ` +
      `(median ${scores[Math.floor(scores.length / 2)].toFixed(2)}).`;
  }

  // ------------------------------------------------------------ inference

  const plain = (tensor) => ({ dims: Array.from(tensor.dims), type: tensor.type, data: tensor.data });
  const serial = (tensor) => ({ dims: Array.from(tensor.dims), type: tensor.type, data: Array.from(tensor.data, Number) });

  async function analyse(image) {
    const dims = [1, 28, 28, 1];
    paint($("demo-input"), image);
    const [encoded, reconstructed, scored] = [
      await run(model.name, artifact("encode"), image, dims),
      await run(model.name, artifact("reconstruct"), image, dims),
      await run(model.name, artifact("score"), image, dims),
    ];
    const outputs = {};
    for (const [name, tensor] of Object.entries(encoded)) outputs[name] = plain(tensor);
    paint($("demo-reconstruction"), reconstructed.reconstruction.data);
    drawCode(outputs);
    const score = Number(scored.score.data[0]);
    drawScore(score);
    demo.seq += 1;
    demo.last = {
      preset: model.name, input: Array.from(image),
      encode: Object.fromEntries(Object.entries(encoded).map(([k, t]) => [k, serial(t)])),
      reconstruct: serial(reconstructed.reconstruction), score: serial(scored.score),
    };
    if (model.plane && outputs.z) {
      const z = outputs.z.data, { mean, axes } = model.plane;
      point = axes.map((axis) => axis.reduce((sum, a, i) => sum + a * (z[i] - mean[i]), 0));
      drawPad();
    }
  }

  function planeCode(a, b) {
    const { mean, axes } = model.plane;
    return mean.map((m, i) => m + a * axes[0][i] + b * axes[1][i]);
  }

  async function drawGrid() {
    const canvas = $("demo-grid");
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!model.plane) {
      $("demo-plane-text").textContent = `${model.name} has no vector code to walk.`;
      demo.grid = null;
      return;
    }
    const [ea, eb] = model.plane.extent, size = model.plane.mean.length;
    const z = new Float32Array(GRID * GRID * size);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const a = ((2 * c) / (GRID - 1) - 1) * ea, b = (1 - (2 * r) / (GRID - 1)) * eb;
        z.set(planeCode(a, b), (r * GRID + c) * size);
      }
    }
    const out = await run(model.name, artifact("decode"), z, [GRID * GRID, size]);
    const images = out.reconstruction.data, cell = canvas.width / (GRID * 28);
    for (let i = 0; i < GRID * GRID; i++) {
      paint(canvas, images, i * 784, 28, (i % GRID) * 28 * cell, Math.floor(i / GRID) * 28 * cell, cell);
    }
    demo.grid = { preset: model.name, z: Array.from(z), dims: [GRID * GRID, size],
      reconstruction: serial(out.reconstruction) };
    $("demo-plane-text").textContent = `Plane through the mean code of the ${model.scores.length} ` +
      `test digits along their first two principal directions (±${ea.toFixed(2)}, ±${eb.toFixed(2)}).`;
  }

  let padPoint = [0, 0];
  function drawPad() {
    const canvas = $("demo-pad"), ctx = canvas.getContext("2d");
    const { width, height } = canvas;
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = "#ccc";
    ctx.beginPath();
    ctx.moveTo(width / 2, 0); ctx.lineTo(width / 2, height);
    ctx.moveTo(0, height / 2); ctx.lineTo(width, height / 2);
    ctx.stroke();
    if (!model || !model.plane) return;
    const [ea, eb] = model.plane.extent;
    const toPixel = ([a, b]) => [(a / ea + 1) * width / 2, (1 - b / eb) * height / 2];
    ctx.fillStyle = "#3f51b5";
    const [px, py] = toPixel(padPoint);
    ctx.beginPath(); ctx.arc(px, py, 5, 0, 2 * Math.PI); ctx.fill();
    if (point) {
      const [qx, qy] = toPixel(point);
      ctx.fillStyle = "#d32f2f";
      ctx.beginPath(); ctx.arc(qx, qy, 5, 0, 2 * Math.PI); ctx.fill();
    }
  }

  // Decodes the latest point under the pointer; moves during a run are coalesced.
  let walking = false;
  async function walkTo(a, b) {
    padPoint = [a, b];
    drawPad();
    if (walking) return;
    walking = true;
    try {
      let done = null;
      while (done !== padPoint) {
        done = padPoint;
        const [pa, pb] = done;
        const z = Float32Array.from(planeCode(pa, pb));
        const out = await run(model.name, artifact("decode"), z, [1, z.length]);
        paint($("demo-walk"), out.reconstruction.data);
        $("demo-walk-text").textContent = `decoded (${pa.toFixed(2)}, ${pb.toFixed(2)})`;
        demo.walk = { preset: model.name, z: Array.from(z), dims: [1, z.length],
          reconstruction: serial(out.reconstruction) };
        demo.seq += 1;
      }
    } finally {
      walking = false;
    }
  }
  $("demo-pad").addEventListener("pointermove", (event) => {
    if (!model || !model.plane) return;
    const canvas = $("demo-pad"), box = canvas.getBoundingClientRect();
    const [ea, eb] = model.plane.extent;
    const a = (((event.clientX - box.left) / box.width) * 2 - 1) * ea;
    const b = (1 - ((event.clientY - box.top) / box.height) * 2) * eb;
    walkTo(a, b);
  });

  // ------------------------------------------------------------ models

  let sampleIndex = 0;
  async function showTestDigit() {
    const data = reference.data;
    const per = 28 * 28, count = data.dims[0];
    const image = data.data.slice((sampleIndex % count) * per, (sampleIndex % count + 1) * per);
    sampleIndex += 1;
    clearDrawing();
    paint(draw, image);
    await analyse(image);
  }

  async function select(name) {
    model = models.find((m) => m.name === name);
    status(`loading ${name}…`);
    reference = await loadReference(name);
    point = null;
    padPoint = [0, 0];
    clearDrawing();
    await drawGrid();
    drawPad();
    if (model.plane) await walkTo(0, 0);  // the mean code, until the pointer moves
    await showTestDigit();
    status(`${name}: ${model.variant} on ${model.backbone}, running in onnxruntime-web`);
  }

  async function main() {
    clearDrawing();
    const index = await loadIndex();
    models = index.presets.filter((m) => m.image && m.data_shape.join() === "28,28,1");
    if (!models.length) throw new Error("no 28x28 image model in models/models.json");
    const chooser = $("demo-model");
    for (const m of models) chooser.add(new Option(`${m.name} (${m.variant}, ${m.backbone})`, m.name));
    const preferred = models.find((m) => m.name === "vae_conv_mnist") || models[0];
    chooser.value = preferred.name;
    chooser.addEventListener("change", () => select(chooser.value).catch(fail));
    $("demo-clear").addEventListener("click", () => { clearDrawing(); });
    $("demo-sample").addEventListener("click", () => showTestDigit().catch(fail));
    await select(preferred.name);
    demo.ready = true;
  }

  function fail(error) {
    demo.error = String(error && error.stack ? error.stack : error);
    status("error: " + error);
  }

  main().catch(fail);
})();
