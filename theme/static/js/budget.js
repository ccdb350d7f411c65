// The public budget meter: /budget.json (published after every Dutch day of an opening) as a bar per
// ceiling with its figures in text. Built with DOM methods only: the file's text never becomes HTML.
(function () {
  "use strict";
  var section = document.getElementById("budgetmeter");
  if (!section || !window.fetch) return;
  var lang = section.getAttribute("data-lang") === "en" ? "en" : "nl";
  var T = {
    nl: { asked: "aangevraagd", of: "van", remaining: "nog niet aangevraagd", applications: "aanvragen", passed: "Vanaf", passedRest: "vragen de aanvragen samen meer dan dit plafond. Latere aanvragen worden aangehouden, niet afgewezen (II.3.1). Dreigt het plafond op een dag te worden overschreden, dan bepaalt loting de volgorde van de aanvragen van die dag (artikel 4 van het Besluit); RVO maakt bekend of en wanneer geloot is.", computed: "Berekend op", opening: "Openstelling" },
    en: { asked: "applied for", of: "of", remaining: "not yet applied for", applications: "applications", passed: "From", passedRest: "on, the applications together ask for more than this ceiling. Later applications are held, not rejected (II.3.1). If the ceiling threatens to be exceeded on one day, a lottery decides the order of that day's applications (Article 4 of the Decision); RVO announces whether and when a draw was held.", computed: "Computed on", opening: "Opening" }
  }[lang];
  var locale = lang === "nl" ? "nl-NL" : "en-GB";

  function euro(text) {
    return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(Number(text));
  }
  function day(iso) {
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Amsterdam" }).format(new Date(iso + "T12:00:00Z"));
  }
  function moment(iso) {
    return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Amsterdam" }).format(new Date(iso));
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  fetch(section.getAttribute("data-budget"), { cache: "no-cache" }).then(function (answer) {
    if (!answer.ok) throw new Error(String(answer.status));
    return answer.json();
  }).then(function (budget) {
    var figures = section.querySelector(".budget-figures");
    var list = el("ul", "budget-list");
    budget.ceilings.forEach(function (ceiling) {
      var asked = Number(ceiling.asked), total = Number(ceiling.ceiling);
      var share = total > 0 ? Math.min(100, Math.round(asked / total * 100)) : 0;
      var item = el("li", "budget-ceiling" + (ceiling.passed ? " is-passed" : ""));
      var title = el("h3", null, ceiling.title[lang]);
      var id = "meter-" + ceiling.id;
      var label = el("p", null, euro(ceiling.asked) + " " + T.asked + " " + T.of + " " + euro(ceiling.ceiling) + " (" + share + "%, " +
        ceiling.applications + " " + T.applications + "); " + euro(ceiling.remaining) + " " + T.remaining + ".");
      label.id = id + "-text";
      var meter = el("meter");
      meter.min = 0; meter.max = total; meter.value = Math.min(asked, total); meter.high = total * 0.9; meter.optimum = 0;
      meter.setAttribute("aria-labelledby", id + "-text");
      meter.textContent = share + "%";
      item.appendChild(title); item.appendChild(meter); item.appendChild(label);
      if (ceiling.passed) {
        item.appendChild(el("p", "budget-passed", T.passed + " " + day(ceiling.passedOn) + " " + T.passedRest));
      }
      list.appendChild(item);
    });
    figures.textContent = "";
    figures.appendChild(list);
    figures.appendChild(el("p", "hint", T.opening + " " + budget.opening + " · " + T.computed + " " + moment(budget.computedAt) + "."));
  }).catch(function () { /* nothing published yet: the section's own text stands */ });
})();
