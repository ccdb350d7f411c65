// The demo banner of the local system: which moment the server's receipt clock reads (a set clock
// included) and which opening applies at that moment, as the local server reports it.
(function () {
  "use strict";
  var line = document.querySelector("[data-clock]");
  if (!line || !window.fetch) return;
  var nl = line.getAttribute("data-lang") !== "en";
  var MONTHS = nl ? ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]
    : ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

  function moment(iso, withTime) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{3})?([+-]\d{2}):\d{2}$/.exec(iso || "");
    if (!m) return iso;
    var day = parseInt(m[3], 10) + " " + MONTHS[parseInt(m[2], 10) - 1] + " " + m[1];
    return withTime ? day + (nl ? " om " : " at ") + m[4] + (m[5] || "") + " (" + (m[6] === "+02" ? "CEST" : "CET") + ")" : day;
  }

  fetch(line.getAttribute("data-clock"), { cache: "no-store" }).then(function (response) {
    if (!response.ok) throw new Error("clock");
    return response.json();
  }).then(function (clock) {
    var when = moment(clock.now, true);
    var text = nl
      ? (clock.set ? "Klok: de server is ingesteld op een andere tijd en rekent nu met " : "Klok: de server rekent met de echte tijd, nu ") + when + ". "
      : (clock.set ? "Clock: the server is set to another time and now reads " : "Clock: the server uses the real time, now ") + when + ". ";
    if (clock.opening) {
      var label = clock.opening.label[nl ? "nl" : "en"];
      text += nl ? "Op dat moment geldt de " + label + " (" + moment(clock.opening.opens) + " tot en met " + moment(clock.opening.closes, true) + ")."
        : "At that moment the " + label + " applies (" + moment(clock.opening.opens) + " up to and including " + moment(clock.opening.closes, true) + ").";
    } else {
      text += nl ? "Op dat moment is er geen openstelling: aanvragen worden geweigerd." : "At that moment no opening applies: applications are refused.";
    }
    line.textContent = text;
    line.hidden = false;
  }).catch(function () { /* the static banner still says this is a demo */ });
})();
