// Check your answers: every answer with its question and a Change link, and what makes the application incomplete.
import { TEXT, form, state, steps, visuallyHidden } from "./context.js";
import { check, findingItem } from "./findings.js";
import { goToStepOf } from "./steps.js";

export function labelOf(element) {
  var group = element.closest("fieldset.choices");
  if (group) return group.querySelector("legend").textContent.trim();
  var label = form.querySelector('label[for="' + element.id + '"]');
  return label ? label.textContent.trim() : element.name;
}
export function organisationName(box) {
  // An organisation is called by its name once it is filled in ("Wolwerk B.V."), not by its number.
  var field = box.querySelector(':scope > .field > input[name$=".name"]');
  return field && field.value.trim() ? field.value.trim() : "";
}
export function rowContext(element) {
  var parts = [];
  var row = element.closest(".repeat-row");
  while (row) {
    parts.unshift(organisationName(row) || row.querySelector("legend").textContent.trim());
    row = row.parentElement.closest(".repeat-row");
  }
  var group = element.closest("fieldset.group");
  if (group && !(group.closest(".repeat-row") && group.contains(group.closest(".repeat-row")))) {
    var legend = group.querySelector("legend");
    var named = organisationName(group);
    var text = legend ? legend.textContent.trim() + (named ? " (" + named + ")" : "") : "";
    if (text && parts.indexOf(text) < 0) parts.push(text);
  }
  return parts.join(" › ");
}
export function answerText(element) {
  if (element.tagName === "SELECT") return element.options[element.selectedIndex] ? element.options[element.selectedIndex].text : "";
  if (element.type === "radio" || element.type === "checkbox") return form.querySelector('label[for="' + element.id + '"]').textContent.trim();
  return element.value;
}
export function buildAnswers() {
  var answers = document.getElementById("answers");
  answers.innerHTML = "";
  var seen = {};
  steps.forEach(function (section) {
    if (section.getAttribute("data-step") === "check") return;
    Array.prototype.forEach.call(section.querySelectorAll("input, select, textarea"), function (element) {
      if (element.closest("template") || element.type === "file") return;
      var value;
      var key = element.name;
      if (element.type === "hidden") {
        if (element.getAttribute("data-part") !== "filename" && !/\.filename$/.test(key)) return;
        value = element.value;
      } else if (element.type === "radio" || element.type === "checkbox") {
        if (!element.checked) return;
        value = answerText(element);
        if (seen[key]) { seen[key].textContent += ", " + value; return; }
      } else {
        value = answerText(element);
      }
      if (!value || element.getAttribute("data-type") === "integer" && element.type === "hidden") return;
      var dt = document.createElement("dt");
      var context = rowContext(element);
      dt.textContent = (context ? context + " › " : "") + (element.type === "hidden" ? labelOf(element.closest("[data-kind]").querySelector("input[type=file]")) : labelOf(element));
      var dd = document.createElement("dd");
      var text = document.createElement("span");
      text.textContent = value;
      dd.appendChild(text);
      var change = document.createElement("a");
      var target = element.type === "hidden" ? element.closest("[data-kind]").querySelector("input[type=file]") : element;
      change.href = "#" + target.id;
      change.className = "change-link";
      change.textContent = TEXT.change;
      change.appendChild(visuallyHidden(dt.textContent));
      change.addEventListener("click", function (event) {
        event.preventDefault();
        state.backToCheck = true;
        goToStepOf(target, false);
        target.focus();
      });
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(change);
      answers.appendChild(dt);
      answers.appendChild(dd);
      if (element.type === "radio" || element.type === "checkbox") seen[key] = text;
    });
  });
  check().then(function (result) {
    var box = document.getElementById("findings-summary");
    box.innerHTML = "";
    // What makes the application incomplete (or stops it) first and set apart, then the notes.
    var groups = [
      { severities: ["reject", "incomplete"], title: TEXT.missingTitle, intro: TEXT.missingIntro, label: TEXT.missingLabel, className: "finding-incomplete" },
      { severities: ["warning"], title: TEXT.notesTitle, intro: "", label: TEXT.noteLabel, className: "finding-warning" }
    ];
    groups.forEach(function (group) {
      var found = result.findings.filter(function (f) { return group.severities.indexOf(f.severity) >= 0; });
      if (!found.length) return;
      var title = document.createElement("h3");
      title.textContent = group.title;
      box.appendChild(title);
      if (group.intro) { var intro = document.createElement("p"); intro.textContent = group.intro; box.appendChild(intro); }
      var list = document.createElement("ul");
      list.className = group.className;
      found.forEach(function (finding) {
        var item = findingItem(finding);
        var label = document.createElement("strong");
        label.textContent = group.label + " ";
        item.insertBefore(label, item.firstChild);
        list.appendChild(item);
      });
      box.appendChild(list);
    });
    if (!result.findings.length) { var none = document.createElement("p"); none.textContent = TEXT.none; box.appendChild(none); }
  }, function () { /* shown again on submit */ });
}
