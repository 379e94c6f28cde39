// Shows the PDF named by ?file= with pdf.js's viewer components and scripting sandbox, the way
// Firefox runs a form's scripts; records every alert instead of showing it (window.harness.alerts).
import * as pdfjsLib from "./node_modules/pdfjs-dist/build/pdf.mjs";

const dist = new URL("./node_modules/pdfjs-dist/", import.meta.url);
const harness = (window.harness = { alerts: [], confirms: [], errors: [], ready: false });

// The sandbox's app.alert ends in window.alert (pdf.sandbox.mjs: this.win.alert(cMsg)).
window.alert = (message) => harness.alerts.push(String(message));
window.confirm = (message) => {
  harness.confirms.push(String(message));
  return true;
};
window.addEventListener("error", (event) => harness.errors.push(String(event.message)));

globalThis.pdfjsLib = pdfjsLib;
const { EventBus, PDFLinkService, PDFScriptingManager, PDFViewer } = await import(
  new URL("web/pdf_viewer.mjs", dist).href
);
pdfjsLib.GlobalWorkerOptions.workerSrc = new URL("build/pdf.worker.mjs", dist).href;

const eventBus = new EventBus();
const linkService = new PDFLinkService({ eventBus });
const scriptingManager = new PDFScriptingManager({
  eventBus,
  sandboxBundleSrc: new URL("build/pdf.sandbox.mjs", dist).href,
});
const viewer = new PDFViewer({
  container: document.getElementById("viewerContainer"),
  viewer: document.getElementById("viewer"),
  eventBus,
  linkService,
  scriptingManager,
  annotationMode: pdfjsLib.AnnotationMode.ENABLE_FORMS,
});
linkService.setViewer(viewer);
scriptingManager.setViewer(viewer);

const sandboxCreated = new Promise((resolve) => eventBus.on("sandboxcreated", resolve));
const layers = new Set();
const allLayers = new Promise((resolve) =>
  eventBus.on("annotationlayerrendered", ({ pageNumber }) => {
    layers.add(pageNumber);
    if (harness.pdfDocument && layers.size === harness.pdfDocument.numPages) resolve();
  }),
);
eventBus.on("pagesinit", () => {
  viewer.currentScaleValue = "1";
});

const file = new URLSearchParams(location.search).get("file");
const pdfDocument = await pdfjsLib.getDocument({
  url: file,
  cMapUrl: new URL("cmaps/", dist).href,
  cMapPacked: true,
  standardFontDataUrl: new URL("standard_fonts/", dist).href,
  enableScripting: true,
}).promise;
harness.pdfDocument = pdfDocument;
viewer.setDocument(pdfDocument);
linkService.setDocument(pdfDocument, null);
await sandboxCreated;
await allLayers;

harness.values = () =>
  Object.fromEntries(
    [...document.querySelectorAll(".annotationLayer input, .annotationLayer textarea")].map((e) => [e.name, e.value]),
  );
harness.save = async () => {
  const bytes = await pdfDocument.saveDocument();
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};
harness.ready = true;
