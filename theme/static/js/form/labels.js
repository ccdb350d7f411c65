// Words for a field: its label, and where it sits (which organisation, which year), for summaries and the check page.
import { form } from "./context.js";

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
