// Findings beside each field and in the error summary, in page order; the live check and the calculator.
import { TEXT, emit, form, idFor, jsonPathToName, lang, on, originalTitle, postJson, state, steps, summary, touched } from "./context.js";
import { showCalculation } from "./calculator.js";
import { collect } from "./fields.js";
import { rowContext } from "./labels.js";

// A finding the applicant must correct before anything can be sent: an answer the form cannot read (its type
// or form). Every other finding is the portal's reading, shown but never a gate (I.5: RVO decides).
export function isUnreadable(finding) {
  return finding.severity === "reject" && finding.rule.indexOf("schema:") === 0;
}
export function predictsRejection(finding) {
  return finding.severity === "reject" && finding.rule.indexOf("schema:") !== 0;
}
export function targetFor(jsonPath) {
  var name = jsonPathToName(jsonPath);
  var element = document.getElementById(idFor(name));
  while (!element && name.indexOf(".") > 0) {
    name = name.slice(0, name.lastIndexOf("."));
    element = document.getElementById(idFor(name));
  }
  return element;
}
export function focusTarget(element) {
  if (element.matches("fieldset, .attachment, .attachment-list, .repeat")) {
    var first = element.querySelector("input:not([type=hidden]), select, textarea, button");
    return first || element;
  }
  return element;
}
export function messageHolder(element) {
  var id = element.id;
  return document.getElementById(id + "-error") || (element.closest(".field, fieldset") || element).querySelector(".field-error");
}
export function clearFieldMessages() {
  Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
  Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) { el.textContent = ""; });
  Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
}
export function isTouched(jsonPath) {
  var name = jsonPathToName(jsonPath);
  return Object.keys(touched).some(function (path) { return name === path || name.indexOf(path + ".") === 0 || path.indexOf(name + ".") === 0; });
}
export function showFieldMessages(findings, all) {
  clearFieldMessages();
  findings.forEach(function (finding) {
    if (!all && !isTouched(finding.path)) return;
    var element = targetFor(finding.path);
    if (!element) return;
    var holder = messageHolder(element);
    if (holder && holder.textContent.indexOf(finding.message[lang]) < 0) {
      holder.textContent = (holder.textContent ? holder.textContent + " " : "") + finding.message[lang];
    }
    var box = element.closest(".field, fieldset") || element;
    if (finding.severity !== "warning") {
      box.classList.add("has-error");
      focusTarget(element).setAttribute("aria-invalid", "true");
    }
  });
}
export function findingItem(finding) {
  // One finding as a list item: where it is (which partner, which year) and a link to the field.
  var element = targetFor(finding.path);
  var item = document.createElement("li");
  if (!element) { item.textContent = finding.message[lang]; return item; }
  var target = focusTarget(element);
  var context = rowContext(target);
  var link = document.createElement("a");
  link.href = "#" + target.id;
  link.textContent = (context ? context + ": " : "") + finding.message[lang];
  link.addEventListener("click", function (event) {
    event.preventDefault();
    emit("reveal", { element: element, focus: false });
    target.focus();
  });
  item.appendChild(link);
  return item;
}
export function inPageOrder(findings) {
  // The summary lists the problems in the order of the fields on the page, not in the server's order.
  var positioned = findings.map(function (finding, index) { return { finding: finding, element: targetFor(finding.path), index: index }; });
  positioned.sort(function (a, b) {
    if (!a.element || !b.element) return (a.element ? -1 : b.element ? 1 : a.index - b.index);
    if (a.element === b.element) return a.index - b.index;
    return a.element.compareDocumentPosition(b.element) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  return positioned.map(function (item) { return item.finding; });
}
export function showSummary(findings, headline, mayGoOn) {
  var list = summary.querySelector("ul");
  var onward = document.getElementById("onward");
  if (onward) onward.hidden = !mayGoOn;
  list.innerHTML = "";
  inPageOrder(findings).forEach(function (finding) { list.appendChild(findingItem(finding)); });
  if (!findings.length && headline) {
    var only = document.createElement("li");
    only.textContent = headline;
    list.appendChild(only);
  }
  summary.hidden = false;
  document.title = TEXT.error + originalTitle;
  summary.focus();
}
export function hideSummary() {
  summary.hidden = true;
  var onward = document.getElementById("onward");
  if (onward) onward.hidden = true;
  summary.querySelector("ul").innerHTML = "";
  document.title = originalTitle;
}
export function stepOf(jsonPath) {
  var top = jsonPathToName(jsonPath).split(".")[0];
  for (var i = 0; i < steps.length; i++) {
    var properties = (steps[i].getAttribute("data-properties") || "").split(" ");
    if (properties.indexOf(top) >= 0) return i;
  }
  return -1;
}
export function check() {
  return postJson("/applications/check", collect()).then(function (result) {
    if (result.status !== 200) throw new Error("check");
    state.lastCheck = result.body;
    showCalculation(result.body.calculation);
    return result.body;
  });
}
export function scheduleCheck() {
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(function () {
    check().then(function (result) { showFieldMessages(result.findings, false); }, function () { /* live checks are a help, not a gate */ });
  }, 500);
}
// A change anywhere in the form (an upload, a row) is checked live.
on("changed", scheduleCheck);
