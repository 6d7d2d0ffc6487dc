// Typesets the math that pymdownx.arithmatex leaves as \( \) and \[ \] (and $ $ in notebooks).
function aezooRenderMath(root) {
  if (typeof renderMathInElement !== "function") return;
  renderMathInElement(root, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(({ body }) => aezooRenderMath(body));
} else {
  document.addEventListener("DOMContentLoaded", () => aezooRenderMath(document.body));
}
