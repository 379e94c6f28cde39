// Fill a PDF form the way Firefox's viewer does and save it with pdf.js's saveDocument().
// Usage: node fill.mjs FORM.pdf OUT.pdf VALUES.json   (VALUES.json: {"field-name": "value", ...})
// Like Firefox, it gives pdf.js Adobe's CMaps (cMapUrl), so the STSong-Light field font can encode Chinese.
import { readFile, writeFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [source, target, valuesFile] = process.argv.slice(2);
const values = JSON.parse(await readFile(valuesFile, "utf8"));
const dist = new URL("./node_modules/pdfjs-dist/", import.meta.url);
const document = await getDocument({
  data: new Uint8Array(await readFile(source)),
  verbosity: 0,
  cMapUrl: new URL("cmaps/", dist).pathname,
  cMapPacked: true,
  standardFontDataUrl: new URL("standard_fonts/", dist).pathname,
}).promise;
const fields = await document.getFieldObjects();
for (const [name, value] of Object.entries(values)) {
  if (!fields[name]) throw new Error(`no field named ${name}`);
  for (const widget of fields[name]) document.annotationStorage.setValue(widget.id, { value });
}
await writeFile(target, await document.saveDocument());
await document.destroy();
