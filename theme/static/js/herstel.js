// The herstel page (II.2.2, III.2.2): reference and code in, the application as it stands out (read
// with the code in a POST body, never a URL), handed to the pillar's form in this tab's session storage.
(function () {
  "use strict";
  var lookup = document.getElementById("herstel-lookup");
  if (!lookup) return;
  var lang = lookup.getAttribute("data-lang") || "nl";
  var summary = document.getElementById("error-summary");
  var closed = document.getElementById("herstel-closed");
  var TEXT = {
    nl: { reference: "Vul de referentie in.", code: "Vul de code voor aanvullen in.", unavailable: "De aanvraag kon niet worden geopend: de server is even niet bereikbaar. Probeer het over enkele seconden opnieuw.", problem: "Er is een probleem" },
    en: { reference: "Enter the reference.", code: "Enter the code for supplements.", unavailable: "The application could not be opened: the server is briefly unavailable. Please try again in a few seconds.", problem: "There is a problem" }
  }[lang];
  var fields = { reference: document.getElementById("herstel-reference"), code: document.getElementById("herstel-code") };

  function showProblems(problems) {
    var list = summary.querySelector("ul");
    list.innerHTML = "";
    Object.keys(fields).forEach(function (name) {
      document.getElementById("herstel-" + name + "-error").textContent = "";
      fields[name].removeAttribute("aria-invalid");
      fields[name].closest(".field").classList.remove("has-error");
    });
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      if (problem.field) {
        var link = document.createElement("a");
        link.href = "#" + fields[problem.field].id;
        link.textContent = problem.text;
        link.addEventListener("click", function (event) { event.preventDefault(); fields[problem.field].focus(); });
        item.appendChild(link);
        document.getElementById("herstel-" + problem.field + "-error").textContent = problem.text;
        fields[problem.field].setAttribute("aria-invalid", "true");
        fields[problem.field].closest(".field").classList.add("has-error");
      } else {
        item.textContent = problem.text;
      }
      list.appendChild(item);
    });
    summary.hidden = problems.length === 0;
    if (problems.length) { document.title = TEXT.problem + ": " + document.title.replace(/^.*?: /, ""); summary.focus(); }
  }

  lookup.addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = fields.reference.value.trim().toUpperCase();
    var code = fields.code.value.trim();
    var problems = [];
    if (!reference) problems.push({ field: "reference", text: TEXT.reference });
    if (!code) problems.push({ field: "code", text: TEXT.code });
    showProblems(problems);
    if (problems.length) return;
    fetch(lookup.getAttribute("data-api") + "/applications/" + encodeURIComponent(reference) + "/current", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: code })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (result.status === 200) {
        if (!result.body.herstel.open) {
          // II.2.2, III.2.2: the route opens when RVO asked (until its term) or for what the portal found missing
          // (until the opening closes); the answer says why it is closed now and what to do.
          closed.querySelector("[data-herstel-reason]").textContent = result.body.herstel.reason[lang];
          closed.querySelector("[data-herstel-check]").textContent = result.body.portalCheck[lang];
          closed.hidden = false;
          closed.focus();
          return;
        }
        sessionStorage.setItem("imvo-herstel", JSON.stringify(Object.assign({ token: code }, result.body)));
        window.location.assign(lookup.getAttribute("data-form-" + result.body.pillar));
        return;
      }
      var error = result.body.error || {};
      // One answer for an unknown reference and a wrong code (the API never says which references exist): the
      // message asks to check both; the summary leads to the code, the one more often mistyped.
      var field = result.status === 403 ? "code" : null;
      showProblems([{ field: field, text: (error.message && error.message[lang]) || TEXT.unavailable }]);
    }).catch(function () { showProblems([{ field: null, text: TEXT.unavailable }]); });
  });
  lookup.hidden = false;
})();
