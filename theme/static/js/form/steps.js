// Steps: showing one, moving on once the step has no blocking problem, or back to the check page after a change.
import { TEXT, emit, fill, form, on, progress, state, steps, touched } from "./context.js";
import { check, hideSummary, isUnreadable, showFieldMessages, showSummary, stepOf } from "./findings.js";

export function showStep(index, focus, quiet) {
  state.step = index;
  steps.forEach(function (section, i) { section.hidden = i !== index; });
  Array.prototype.forEach.call(form.querySelectorAll("[data-step-link]"), function (item, i) {
    var link = item.querySelector("a");
    if (i === index) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
  });
  progress.textContent = fill(TEXT.step, { n: index + 1, total: steps.length });
  if (focus !== false) steps[index].focus();
  emit("step-shown", { index: index, quiet: !!quiet });
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
    // What the step's answers lack or break: an answer left out or of the wrong form (the schema), or a rule the
    // portal expects to fail. A rule's "part missing" (an attachment still to come) is listed on the check page only.
    var here = result.findings.filter(function (f) {
      return (f.severity === "reject" || f.rule.indexOf("schema:") === 0) && stepOf(f.path) === state.step;
    });
    showFieldMessages(result.findings, false);
    var mustFix = here.some(isUnreadable);
    // A missing answer or a rule the portal expects to fail is said once; the applicant may go on (and send):
    // only an answer the form cannot read stops the step.
    if (here.length && (mustFix || state.warnedStep !== state.step)) {
      state.warnedStep = state.step;
      showSummary(here, null, !mustFix);
      return;
    }
    onward();
  }, function () {
    showSummary([], TEXT.unavailable);
  });
}
export function onward() {
  hideSummary();
  var target = state.backToCheck ? steps.length - 1 : state.step + 1;
  state.backToCheck = false;
  showStep(target);
}

// Another module asks to show the step an element is on (a link in a summary, a Change link).
on("reveal", function (detail) { goToStepOf(detail.element, detail.focus); });
