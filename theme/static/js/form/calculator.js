// The subsidy calculator on the check page: the server's calculation of the application as it stands, in euros.
import { euro, lang } from "./context.js";

export function showCalculation(calculation) {
  Array.prototype.forEach.call(document.querySelectorAll("[data-calculation]"), function (element) {
    var key = element.getAttribute("data-calculation");
    if (!calculation) { if (element.tagName !== "UL") element.textContent = "–"; return; }
    if (key === "ceilings") {
      element.innerHTML = "";
      Object.keys(calculation.ceilings).forEach(function (ceiling) {
        var item = document.createElement("li");
        item.textContent = ceilingName(ceiling) + ": " + euro(calculation.ceilings[ceiling]);
        element.appendChild(item);
      });
    } else {
      element.textContent = euro(calculation[key]);
    }
  });
}
export function ceilingName(ceiling) {
  var names = {
    "pillar1-companies": lang === "nl" ? "Plafond eerste pijler, ondernemingen" : "Pillar 1 ceiling, companies",
    "pillar1-cso": lang === "nl" ? "Plafond eerste pijler, maatschappelijke organisaties" : "Pillar 1 ceiling, civil-society organisations",
    "pillar2": lang === "nl" ? "Plafond tweede pijler" : "Pillar 2 ceiling"
  };
  return names[ceiling] || ceiling;
}
