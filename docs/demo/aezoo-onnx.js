// Shared by the demo and the parity page: loads the exported aezoo models
// (models/models.json, written by scripts/build_docs.py) and runs them with
// onnxruntime-web, which the build copies into vendor/ from npm (no CDN).
(function () {
  "use strict";
  const base = new URL(".", document.currentScript.src).href;
  // Single-threaded wasm: threads need cross-origin isolation (COOP/COEP
  // headers), which a plain static host does not send.
  ort.env.wasm.wasmPaths = base + "vendor/";
  ort.env.wasm.numThreads = 1;

  const TYPED = {
    float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
    int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
    int64: BigInt64Array, uint64: BigUint64Array,
  };

  async function fetchOk(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response;
  }

  async function loadIndex() {
    return (await fetchOk(base + "models/models.json")).json();
  }

  // reference.bin + reference.json: the arrays of the export's reference.npz.
  async function loadReference(preset) {
    const folder = `${base}models/${preset}/`;
    const index = await (await fetchOk(folder + "reference.json")).json();
    const buffer = await (await fetchOk(folder + index.file)).arrayBuffer();
    const arrays = {};
    for (const [key, entry] of Object.entries(index.entries)) {
      const Typed = TYPED[entry.dtype];
      if (!Typed) throw new Error(`${key}: unsupported dtype ${entry.dtype}`);
      const size = entry.shape.reduce((a, b) => a * b, 1);
      arrays[key] = { data: new Typed(buffer, entry.offset, size), dims: entry.shape, dtype: entry.dtype };
    }
    return arrays;
  }

  const sessions = new Map();
  function session(preset, file) {
    const key = `${preset}/${file}`;
    if (!sessions.has(key)) {
      sessions.set(key, ort.InferenceSession.create(`${base}models/${key}`,
        { executionProviders: ["wasm"] }));
    }
    return sessions.get(key);
  }

  // One run at a time: the wasm backend is single-threaded anyway, and a
  // session must not be re-entered while a run is in flight.
  let queue = Promise.resolve();
  function run(preset, artifact, data, dims) {
    const job = queue.then(async () => {
      const s = await session(preset, artifact.file);
      const name = artifact.input.name;
      if (!s.inputNames.includes(name)) {
        throw new Error(`${preset}/${artifact.file} has inputs ${s.inputNames}, not ${name}`);
      }
      const tensor = new ort.Tensor(artifact.input.dtype, data, dims);
      return s.run({ [name]: tensor });
    });
    queue = job.catch(() => undefined);
    return job;
  }

  // The export's parity measure (export/common.py): max|got - expected| / max(1, max|expected|).
  function scaledError(got, expected) {
    if (got.length !== expected.length) return { maxAbs: Infinity, scaled: Infinity };
    let maxAbs = 0, maxRef = 0;
    for (let i = 0; i < got.length; i++) {
      const g = Number(got[i]), e = Number(expected[i]);
      maxAbs = Math.max(maxAbs, Math.abs(g - e));
      maxRef = Math.max(maxRef, Math.abs(e));
    }
    return { maxAbs, scaled: maxAbs / Math.max(1, maxRef) };
  }

  function toBase64(typed) {
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  window.aezooOnnx = { base, loadIndex, loadReference, session, run, scaledError, toBase64, TYPED };
})();
