// Collecting the answers from the page into the application's JSON, restoring them, and questions asked only where they apply.
import { form, getPath, pillar, setPath } from "./context.js";
import { clearRepeats, initRepeats, rowsOf } from "./rows.js";
import { updateTotals } from "./totals.js";
import { addListedUpload, showUploaded } from "./uploads.js";

export function updateAskIf() {
  Array.prototype.forEach.call(form.querySelectorAll("[data-ask-if]"), function (wrapper) {
    if (wrapper.closest("template")) return;
    var input = wrapper.querySelector("[name]");
    if (!input) return;
    var prefix = input.name.slice(0, input.name.lastIndexOf(".") + 1);
    var on = form.querySelector('[name="' + prefix + wrapper.getAttribute("data-ask-if") + '"]');
    var applies = !!on && (wrapper.getAttribute("data-ask-if-values") || "").split(" ").indexOf(on.value) >= 0;
    wrapper.hidden = !applies;
    if (!applies) {
      Array.prototype.forEach.call(wrapper.querySelectorAll("input[type=radio], input[type=checkbox]"), function (box) { box.checked = false; });
    }
  });
}
export function collect() {
  var data = { pillar: pillar };
  // Every row on screen is an object in the JSON, so findings keep pointing at the right row.
  Array.prototype.forEach.call(form.querySelectorAll(".repeat"), function (container) {
    var path = container.getAttribute("data-repeat");
    rowsOf(container).forEach(function (_, i) { if (getPath(data, path + "." + i) === undefined) setPath(data, path + "." + i, {}); });
    if (!rowsOf(container).length && getPath(data, path) === undefined) setPath(data, path, []);
  });
  Array.prototype.forEach.call(form.querySelectorAll("[name]"), function (element) {
    if (element.closest("template")) return;
    var type = element.getAttribute("data-type");
    var name = element.name;
    if (element.type === "checkbox" && type === "boolean-checkbox") { setPath(data, name, element.checked); return; }
    if (element.type === "checkbox") {
      var list = getPath(data, name) || [];
      if (element.checked) list.push(type === "integer" ? parseInt(element.value, 10) : element.value);
      setPath(data, name, list);
      return;
    }
    if (element.type === "radio") {
      if (element.checked) setPath(data, name, type === "boolean" ? element.value === "true" : type === "array-single" ? [element.value] : element.value);
      return;
    }
    var value = element.value;
    if (value === "") return;
    if (type === "integer") value = parseInt(value, 10);
    else if (type === "number") value = parseFloat(value);
    setPath(data, name, value);
  });
  Array.prototype.forEach.call(form.querySelectorAll(".choices[data-kind=multi]"), function (group) {
    var path = group.getAttribute("data-path");
    if (getPath(data, path) === undefined) setPath(data, path, []);
  });
  return data;
}
export function restore(data) {
  clearRepeats();
  initRepeats(form, data);
  Array.prototype.forEach.call(form.querySelectorAll("[name]"), function (element) {
    if (element.closest("template")) return;
    var value = getPath(data, element.name);
    if (element.type === "checkbox" && element.getAttribute("data-type") === "boolean-checkbox") element.checked = value === true;
    else if (element.type === "checkbox") element.checked = Array.isArray(value) && value.map(String).indexOf(element.value) >= 0;
    else if (element.type === "radio") element.checked = value !== undefined && String(Array.isArray(value) ? value[0] : value) === element.value;
    else element.value = value === undefined || value === null ? "" : value;
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-kind=attachment]"), function (box) {
    var value = getPath(data, box.getAttribute("data-path"));
    if (value && value.key) showUploaded(box, value.filename, null);
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-kind=attachment-list]"), function (box) {
    var values = getPath(data, box.getAttribute("data-path"));
    (Array.isArray(values) ? values : []).forEach(function (value) { addListedUpload(box, value); });
  });
  updateAskIf();
  updateTotals();
}
