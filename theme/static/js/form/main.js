// The application form: steps built at site build time from the JSON Schema, wired here; loaded as an ES module.
import { form, getPath, herstel, state, touched } from "./context.js";
import { changed, loadDraft, wireDrafts } from "./drafts.js";
import { collect, restore, updateAskIf } from "./fields.js";
import { hideSummary, scheduleCheck } from "./findings.js";
import { showHerstelIntro, startSupplement } from "./herstel.js";
import { addRow, buildInstances, rowsOf } from "./rows.js";
import { next, onward, showStep } from "./steps.js";
import { wireSubmit } from "./submit.js";
import { updateTotals } from "./totals.js";
import { wireUploads } from "./uploads.js";
import "./check-page.js";  // builds the check page whenever it is shown

wireDrafts();
wireSubmit();
form.addEventListener("click", function (event) {
  var button = event.target.closest("button");
  if (!button) return;
  if (button.getAttribute("data-go") === "next") { next(); return; }
  if (button.getAttribute("data-go") === "previous") { state.backToCheck = false; hideSummary(); showStep(Math.max(0, state.step - 1)); return; }
  if (button.classList.contains("add-row")) {
    var container = button.closest(".repeat");
    var row = addRow(container, null);
    if (row) { updateAskIf(); changed(); var first = row.querySelector("input:not([type=hidden]), select, textarea"); if (first) first.focus(); }
    return;
  }
  if (button.classList.contains("remove-row")) {
    var removed = button.closest(".repeat-row");
    var repeat = removed.closest(".repeat");
    var index = rowsOf(repeat).indexOf(removed);
    var data = collect();
    getPath(data, repeat.getAttribute("data-repeat")).splice(index, 1);
    restore(data);
    changed();
    var again = form.querySelector('[data-repeat="' + repeat.getAttribute("data-repeat") + '"] .add-row');
    if (again) again.focus();
    return;
  }
  if (button.classList.contains("remove-upload")) {
    var item = button.closest("li");
    var box = item.closest("[data-kind]");
    var list = collect();
    var path = box.getAttribute("data-path");
    getPath(list, path).splice(Array.prototype.indexOf.call(item.parentElement.children, item), 1);
    restore(list);
    changed();
    box.querySelector("input[type=file]").focus();
  }
});

document.querySelector('[data-go="onward"]').addEventListener("click", onward);

form.addEventListener("input", function (event) {
  if (event.target.name) touched[event.target.name] = true;
  changed();
});
form.addEventListener("change", function (event) {
  if (event.target.name) touched[event.target.name] = true;
  updateAskIf();
  changed();
  scheduleCheck();
});
form.addEventListener("focusout", function (event) {
  if (event.target.name && touched[event.target.name]) scheduleCheck();
});
Array.prototype.forEach.call(form.querySelectorAll("[data-step-link] a"), function (link, i) {
  link.addEventListener("click", function (event) { event.preventDefault(); state.backToCheck = false; hideSummary(); showStep(i); });
});

form.hidden = false;
buildInstances();
var startStep = herstel ? startSupplement() : loadDraft();
updateAskIf();
if (herstel) showHerstelIntro();
wireUploads(form);
updateTotals();
showStep(startStep, false, true);
