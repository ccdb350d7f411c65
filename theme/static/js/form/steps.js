// Steps: showing one, moving on once the step has no blocking problem, or back to the check page after a change.
import { buildAnswers } from "./check-page.js";
import { TEXT, fill, form, progress, state, steps, touched } from "./context.js";
import { saveDraft } from "./drafts.js";
import { check, hideSummary, showFieldMessages, showSummary, stepOf } from "./findings.js";

export function showStep(index, focus, quiet) {
  state.step = index;
  steps.forEach(function (section, i) { section.hidden = i !== index; });
  Array.prototype.forEach.call(form.querySelectorAll("[data-step-link]"), function (item, i) {
    var link = item.querySelector("a");
    if (i === index) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
  });
  progress.textContent = fill(TEXT.step, { n: index + 1, total: steps.length });
  if (steps[index].getAttribute("data-step") === "check") buildAnswers();
  if (focus !== false) steps[index].focus();
  if (!quiet) saveDraft();
}
export function goToStepOf(element, focus) {
  var section = element.closest("section.step");
  var index = steps.indexOf(section);
  if (index >= 0 && index !== state.step) showStep(index, focus);
}
export function markStepTouched(section) {
  (section.getAttribute("data-properties") || "").split(" ").forEach(function (key) { if (key) touched[key] = true; });
}
export function next() {
  var section = steps[state.step];
  markStepTouched(section);
  check().then(function (result) {
    var blocking = result.findings.filter(function (f) { return f.severity === "reject" && stepOf(f.path) === state.step; });
    showFieldMessages(result.findings, false);
    if (blocking.length) { showSummary(blocking); return; }
    hideSummary();
    var target = state.backToCheck ? steps.length - 1 : state.step + 1;
    state.backToCheck = false;
    showStep(target);
  }, function () {
    showSummary([], TEXT.unavailable);
  });
}
