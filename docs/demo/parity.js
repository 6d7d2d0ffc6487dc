// Runs every exported endpoint on its reference batches and records the raw
// outputs (window.parity) for tests/docs_web/test_browser_parity.py, which
// compares them with the Keras outputs in reference.npz.
(function () {
  "use strict";
  const { loadIndex, loadReference, run, scaledError, toBase64 } = window.aezooOnnx;
  window.parity = { done: false, results: [], error: null };

  function referenceKey(endpoint, name, label) {
    return label === "batch16" ? `${endpoint}/${name}` : `${endpoint}/${name}@${label}`;
  }

  function isInteger(dtype) {
    return dtype.startsWith("int") || dtype.startsWith("uint");
  }

  function addRow(cells, passed) {
    const row = document.createElement("tr");
    row.className = passed ? "pass" : "fail";
    for (const cell of cells) {
      const td = document.createElement("td");
      td.textContent = cell;
      row.appendChild(td);
    }
    document.querySelector("#results tbody").appendChild(row);
  }

  async function main() {
    const index = await loadIndex();
    window.parity.onnxruntimeWeb = index.onnxruntime_web;
    for (const preset of index.presets) {
      const reference = await loadReference(preset.name);
      for (const artifact of preset.artifacts) {
        const input = reference[referenceKey(artifact.endpoint, artifact.input.name, "batch16")];
        const perExample = input.dims.slice(1).reduce((a, b) => a * b, 1);
        let worst = 0, passed = true, batch16ms = null;
        for (const [label, [start, stop]] of Object.entries(preset.check_batches)) {
          const data = input.data.slice(start * perExample, stop * perExample);
          const began = performance.now();
          const outputs = await run(preset.name, artifact, data, [stop - start, ...input.dims.slice(1)]);
          const ms = performance.now() - began;
          if (label === "batch16") batch16ms = ms;
          for (const spec of artifact.outputs) {
            const got = outputs[spec.name];
            const expected = reference[referenceKey(artifact.endpoint, spec.name, label)];
            const result = {
              preset: preset.name, endpoint: artifact.endpoint, file: artifact.file,
              label, output: spec.name, tolerance: artifact.tolerance, ms,
            };
            if (!got) {
              Object.assign(result, { missing: true, passed: false });
              passed = false;
            } else {
              const { maxAbs, scaled } = scaledError(got.data, expected.data);
              const sameShape = got.dims.join() === expected.dims.join();
              const ok = sameShape && (isInteger(expected.dtype) ? maxAbs === 0 : scaled <= artifact.tolerance);
              Object.assign(result, {
                dims: Array.from(got.dims), dtype: got.type, data: toBase64(got.data),
                maxAbs, scaled, passed: ok,
              });
              worst = Math.max(worst, scaled);
              passed = passed && ok;
            }
            window.parity.results.push(result);
          }
        }
        addRow([preset.name, artifact.endpoint, artifact.outputs.map((o) => o.name).join(", "),
          Object.keys(preset.check_batches).join(", "), worst.toExponential(2),
          String(artifact.tolerance), batch16ms.toFixed(1)], passed);
      }
    }
    for (const skipped of index.export_failed || []) {
      addRow([skipped.name, "(not exported)", skipped.reason, "", "", "", ""], false);
    }
    const failed = window.parity.results.filter((r) => !r.passed).length;
    document.getElementById("status").textContent =
      `${window.parity.results.length} outputs checked in onnxruntime-web ${index.onnxruntime_web}: ` +
      (failed ? `${failed} FAILED` : "all within tolerance");
  }

  main().catch((error) => {
    window.parity.error = String(error && error.stack ? error.stack : error);
    document.getElementById("status").textContent = "error: " + error;
  }).finally(() => { window.parity.done = true; });
})();
