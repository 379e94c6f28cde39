// Runs a form's own scripts (read from the PDF by the test) the way PDFium's form filler calls them,
// for want of a PDFium with JavaScript here (the PyPI build of pypdfium2 has no V8). Modelled on
// pdfium (chromium/pdfium, 2025-11):
//  - fpdfsdk/formfiller/cffl_interactiveformfiller.cpp OnBeforeKeyStroke: for a typed character the
//    Keystroke script runs (willCommit false) but, outside XFA, CPDFSDK_Widget::OnAAction returns
//    false and the result is {rc: true}: the character goes in whatever event.rc says.
//  - cffl_formfield.cpp CommitData: only if the text changed; OnKeyStrokeCommit (willCommit true,
//    event.value = the text) and then OnValidate; either returning rc false -> ResetPWLWindow (the
//    box shows the field's stored value again); otherwise SaveData stores the *edit text* (changes
//    to event.value are not read back), then OnCalculate, then OnFormat.
//  - cpdfsdk_interactiveform.cpp OnCalculate: each /CO field's Calculate script with event.value =
//    its value; stored if rc and changed (and the script did not throw).
//  - fxjs/cjs_field.cpp get_value: a text field's value is a string.
// Usage: node pdfium_events.mjs < {fields: {name: {K, V, F, maxLen}}, co: [{name, C, F}], steps: [[name, text]]}
// Prints {steps: [{shown: {name: text}, alerts: [...]}], errors: [...]}.
import { readFileSync } from "node:fs";

const input = JSON.parse(readFileSync(0, "utf8"));
const stored = {}; // field values (what SaveData / Calculate stored)
const shown = {}; // what the boxes show (the formatted value)
const alerts = [];
const errors = [];
const names = [...Object.keys(input.fields), ...input.co.map((c) => c.name)];
for (const name of names) stored[name] = shown[name] = "";

const field = (name) => (name in stored ? { name, get value() { return stored[name]; } } : null);
const doc = { getField: field };
const app = { alert: (message) => { alerts.push(String(message)); return 1; } };

// The AF helpers the forms of earlier versions called, as pdfium's fxjs/cjs_publicmethods.cpp does them.
let current = null;
const helpers = {
  AFNumber_Keystroke() {
    if (!current.willCommit) return; // (the result of an uncommitted keystroke is not read back)
    const text = String(current.value).trim();
    if (text && !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
      current.rc = false;
      app.alert("The input value is invalid."); // JSMessage::kInvalidInputError
      throw new Error("The input value is invalid.");
    }
  },
  AFNumber_Format(nDec) {
    if (String(current.value) === "") return;
    current.value = Number.parseFloat(current.value || "0").toFixed(nDec);
  },
  AFSimple_Calculate(fn, names) {
    if (fn !== "SUM") throw new Error(fn);
    current.value = String(names.reduce((sum, n) => sum + (Number.parseFloat(stored[n]) || 0), 0));
  },
};

function run(source, event) {
  if (!source) return true;
  current = event;
  try {
    new Function("event", "app", ...Object.keys(helpers), source).call(doc, event, app, ...Object.values(helpers));
    return true;
  } catch (error) {
    errors.push(String(error));
    return false;
  }
}

function format(name, source) {
  const event = { value: stored[name], rc: true, target: field(name), name: "Format" };
  shown[name] = run(source, event) ? String(event.value) : stored[name];
}

function type(name, text) {
  const scripts = input.fields[name];
  let edit = stored[name];
  let selStart = 0, selEnd = edit.length; // select all, then type
  for (const ch of text) {
    if (selStart === selEnd && scripts.maxLen && edit.length >= scripts.maxLen) continue; // text full
    const event = { change: ch, value: edit, selStart, selEnd, willCommit: false, rc: true, target: field(name), name: "Keystroke" };
    run(scripts.K, event); // rc is not read back (OnAAction returns false outside XFA)
    edit = edit.slice(0, selStart) + ch + edit.slice(selEnd);
    selStart = selEnd = selStart + 1;
  }
  // Tab: CommitData
  if (edit === stored[name]) return;
  const commit = { change: "", value: edit, willCommit: true, rc: true, target: field(name), name: "Keystroke" };
  if (!run(scripts.K, commit) || !commit.rc) return; // ResetPWLWindow: the stored value shows again
  const validate = { value: edit, rc: true, target: field(name), name: "Validate" };
  if (!run(scripts.V, validate) || !validate.rc) return;
  stored[name] = edit; // SaveData: the edit's text
  for (const co of input.co) {
    const event = { value: stored[co.name], rc: true, source: field(name), target: field(co.name), name: "Calculate" };
    if (run(co.C, event) && event.rc && String(event.value) !== stored[co.name]) {
      stored[co.name] = String(event.value);
      format(co.name, co.F);
    }
  }
  format(name, scripts.F);
}

const steps = [];
for (const [name, text] of input.steps) {
  const before = alerts.length;
  type(name, text);
  steps.push({ shown: { ...shown }, stored: { ...stored }, alerts: alerts.slice(before) });
}
console.log(JSON.stringify({ steps, errors }));
