// Budget totals (I.4): what the form can add up itself while the applicant types.
import { HOURLY_RATE_MAX, euro, form } from "./context.js";

export function rowTotal(prefix) {
  function num(name) { var el = form.querySelector('[name="' + prefix + "." + name + '"]'); return el && el.value ? parseFloat(el.value) || 0 : 0; }
  var rate = Math.min(num("hourlyRate"), HOURLY_RATE_MAX);
  var total = num("hours") * rate + num("thirdPartyCosts") + num("travelCosts") + num("subsistenceCosts");
  Array.prototype.forEach.call(form.querySelectorAll('[name^="' + prefix + '.otherCosts."][name$=".amount"]'), function (el) {
    var type = form.querySelector('[name="' + el.name.replace(/amount$/, "costType") + '"]');
    if (!type || type.value === "other-eligible") total += parseFloat(el.value) || 0;
  });
  return total;
}
export function updateTotals() {
  var all = 0;
  Array.prototype.forEach.call(form.querySelectorAll("output[data-total-for]"), function (output) {
    var total = rowTotal(output.getAttribute("data-total-for"));
    output.textContent = euro(total);
    all += total;
  });
  Array.prototype.forEach.call(form.querySelectorAll("output[data-budget-total]"), function (output) { output.textContent = euro(all); });
}
