// The demo banner of the local system: which moment the server's receipt clock reads (a set clock
// included) and which opening applies at that moment, as the local server reports it.
import { formatDutchMoment } from "./dutch-time.js";

const line = document.querySelector("[data-clock]");
if (line) {
  const nl = line.getAttribute("data-lang") !== "en";
  const moment = (iso, withTime) => formatDutchMoment(iso, nl ? "nl" : "en", withTime);

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
}
