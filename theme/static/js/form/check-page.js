// Check your answers: every answer with its question and a Change link, and what makes the application incomplete.
import { TEXT, emit, form, on, state, steps, visuallyHidden } from "./context.js";
import { check, findingItem, predictsRejection } from "./findings.js";
import { labelOf, rowContext } from "./labels.js";

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
        emit("reveal", { element: target, focus: false });
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
    // Set apart, in the portal's words: what predicts rejection, what is missing, then the notes.
    var groups = [
      { matches: predictsRejection, title: TEXT.rejectTitle, intro: TEXT.rejectIntro, label: TEXT.rejectLabel, className: "finding-reject" },
      { matches: function (f) { return f.severity === "incomplete" || (f.severity === "reject" && !predictsRejection(f)); },
        title: TEXT.missingTitle, intro: TEXT.missingIntro, label: TEXT.missingLabel, className: "finding-incomplete" },
      { matches: function (f) { return f.severity === "warning"; }, title: TEXT.notesTitle, intro: "", label: TEXT.noteLabel, className: "finding-warning" }
    ];
    var confirm = document.getElementById("confirm-rejection");
    confirm.hidden = !result.findings.some(predictsRejection);
    if (confirm.hidden) document.getElementById("f-confirmRejection").checked = false;
    groups.forEach(function (group) {
      var found = result.findings.filter(group.matches);
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

// The check page is built whenever it is shown.
on("step-shown", function (detail) {
  if (steps[detail.index].getAttribute("data-step") === "check") buildAnswers();
});
