// Repeatable parts: rows added and removed, and the organisation instances built from the partner rows' template.
import { form, getPath, idFor } from "./context.js";
import { wireUploads } from "./uploads.js";

export function rowsOf(container) {
  return Array.prototype.slice.call(container.querySelector(":scope > .rows").children);
}
export function addRow(container, data) {
  var depth = container.getAttribute("data-depth");
  var template = container.querySelector(":scope > template");
  var index = rowsOf(container).length;
  if (index >= parseInt(container.getAttribute("data-max"), 10)) return null;
  var html = template.innerHTML
    .split("__i" + depth + "__").join(String(index))
    .split("__n" + depth + "__").join(String(index + 1));
  var holder = document.createElement("div");
  holder.innerHTML = html;
  var row = holder.firstElementChild;
  Array.prototype.forEach.call(row.querySelectorAll("[data-penvoerder-only]"), function (only) { only.remove(); });
  // A new budget row starts at its own project year; the applicant can still change it.
  var year = row.querySelector('input[name$=".budget.' + index + '.year"]');
  if (year && !data) year.value = String(Math.min(index + 1, parseInt(year.max, 10) || 3));
  container.querySelector(":scope > .rows").appendChild(row);
  initRepeats(row, data);
  wireUploads(row);
  return row;
}
export function initRepeats(scope, data) {
  // The repeats of this scope only (the form's own, or one row's); deeper ones come with their rows.
  var owner = scope.matches && scope.matches(".repeat-row") ? scope : null;
  Array.prototype.forEach.call(scope.querySelectorAll(".repeat"), function (container) {
    if (container.closest(".repeat-row") !== owner || container.getAttribute("data-ready")) return;
    container.setAttribute("data-ready", "1");
    var path = container.getAttribute("data-repeat");
    var existing = data ? getPath(data, path) : undefined;
    var count = Array.isArray(existing) ? existing.length : parseInt(container.getAttribute("data-default"), 10) || 0;
    for (var i = 0; i < count; i++) addRow(container, data);
  });
}
export function buildInstances() {
  // The penvoerder: the partner rows' template under its own name, with its extra answers required.
  Array.prototype.forEach.call(form.querySelectorAll("[data-instance-of]"), function (box) {
    var container = form.querySelector('[data-repeat="' + box.getAttribute("data-instance-of") + '"]');
    var prefix = box.getAttribute("data-instance-of") + ".__i0__";
    var name = box.getAttribute("data-instance");
    var html = container.querySelector(":scope > template").innerHTML
      .split(prefix).join(name)
      .split("f-" + prefix.replace(/\./g, "-")).join("f-" + name)
      .split("__n0__").join("");
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    row.querySelector(":scope > legend").remove();
    row.querySelector(":scope > .remove-row").remove();
    var required = (box.getAttribute("data-required") || "").split(" ");
    Array.prototype.forEach.call(row.querySelectorAll("[data-penvoerder-only]"), function (only) {
      while (only.firstChild) only.parentNode.insertBefore(only.firstChild, only);
      only.remove();
    });
    required.forEach(function (key) {
      var part = row.querySelector("#" + idFor(name + "." + key));
      var optional = part && part.querySelector(":scope > legend .optional, :scope > h3 .optional");
      if (optional) optional.remove();
      if (part && part.matches(".repeat")) part.setAttribute("data-default", part.getAttribute("data-min"));
    });
    while (row.firstChild) box.appendChild(row.firstChild);
  });
}
export function clearRepeats() {
  Array.prototype.forEach.call(form.querySelectorAll(".repeat"), function (container) {
    container.removeAttribute("data-ready");
    container.querySelector(":scope > .rows").innerHTML = "";
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-list-for]"), function (list) { list.innerHTML = ""; });
}
