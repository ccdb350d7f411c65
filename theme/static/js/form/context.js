// The form's shared context: its elements, language and texts, the state the modules share and the channel they
// tell each other what happened on, and small helpers (JSON paths, money, times, POST).
import { formatDutchMoment } from "../dutch-time.js";

export const form = document.getElementById("application-form");
export const HERSTEL_KEY = "imvo-herstel";

export const api = form.getAttribute("data-api");
export const lang = form.getAttribute("data-lang") || "nl";
export const pillar = parseInt(form.getAttribute("data-pillar"), 10);
export const herstelIntro = document.getElementById("herstel-intro");
export const summary = document.getElementById("error-summary");
export const confirmation = document.getElementById("confirmation");
export const draftStatus = document.getElementById("draft-status");
export const progress = document.getElementById("progress");
export const submitButton = document.getElementById("submit-button");
export const steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
export const originalTitle = document.title;
export const MAX_BYTES = parseInt(form.getAttribute("data-upload-max-bytes"), 10);  // imvo.attachments
export const HOURLY_RATE_MAX = parseFloat(form.getAttribute("data-hourly-rate-max"));  // content/data/programme.json
export const TEXT = {
  nl: {
    error: "Fout: ", step: "Stap {n} van {total}", saved: "Concept bewaard in deze browser om {time}.",
    restored: "Uw concept van {time} is teruggezet.", network: "De aanvraag is niet verstuurd: er is geen verbinding. Uw antwoorden staan nog in het formulier. Probeer het opnieuw.",
    unavailable: "De aanvraag is niet verstuurd: de server is even niet bereikbaar. Uw antwoorden staan nog in het formulier. Probeer het over enkele seconden opnieuw.",
    change: "Wijzig", notPdf: "Kies een PDF-bestand.", tooLarge: "Dit bestand is groter dan {mb} MB.",
    uploading: "Bezig met uploaden: {name}", uploaded: "Geüpload en gecontroleerd: {name} ({size})", uploadFailed: "Uploaden is niet gelukt: {name}. Probeer het opnieuw.",
    mismatch: "Het bestand kwam anders aan dan het verstuurd is. Upload het opnieuw.", remove: "Verwijder", yes: "Ja", no: "Nee",
    findingsTitle: "Aandachtspunten bij uw aanvraag", none: "Het portaal vond alle gevraagde onderdelen en geen aandachtspunten. RVO beoordeelt of uw aanvraag volledig is.",
    rejectTitle: "Dit leidt naar verwachting tot afwijzing (controle portaal)", rejectLabel: "Afwijzing verwacht:",
    rejectIntro: "Volgens de controle van dit portaal voldoet uw aanvraag zo niet aan de beleidsregels. U kunt haar toch versturen: zij wordt ontvangen en krijgt een tijdstip van ontvangst. RVO beslist; tegen dat besluit kunt u bezwaar maken.",
    confirmRejection: "Bevestig dat u de aanvraag toch wilt versturen, al leidt zij volgens de controle van het portaal naar verwachting tot afwijzing.",
    missingTitle: "Dit ontbreekt (controle portaal)", missingLabel: "Ontbreekt:", notesTitle: "Opmerkingen", noteLabel: "Opmerking:",
    missingIntro: "U kunt zo versturen, maar dan ontbreken er volgens de controle van het portaal onderdelen. RVO kan om een aanvulling vragen; het tijdstip waarop die binnenkomt geldt dan als tijdstip van ontvangst, en een onvolledige aanvraag kan ook worden afgewezen (II.2.2, III.2.2).",
    leave: "U hebt wijzigingen die nog niet zijn verstuurd."
  },
  en: {
    error: "Error: ", step: "Step {n} of {total}", saved: "Draft saved in this browser at {time}.",
    restored: "Your draft of {time} has been restored.", network: "The application was not sent: there is no connection. Your answers are still in the form. Please try again.",
    unavailable: "The application was not sent: the server is briefly unavailable. Your answers are still in the form. Please try again in a few seconds.",
    change: "Change", notPdf: "Choose a PDF file.", tooLarge: "This file is larger than {mb} MB.",
    uploading: "Uploading: {name}", uploaded: "Uploaded and checked: {name} ({size})", uploadFailed: "The upload failed: {name}. Please try again.",
    mismatch: "The file arrived differently from how it was sent. Please upload it again.", remove: "Remove", yes: "Yes", no: "No",
    findingsTitle: "Points to note about your application", none: "The portal found every requested part and nothing to note. RVO assesses whether your application is complete.",
    rejectTitle: "This is expected to lead to rejection (portal check)", rejectLabel: "Rejection expected:",
    rejectIntro: "According to this portal's check, your application as it is does not meet the policy rules. You can send it all the same: it is received and gets a time of receipt. RVO decides; you can object to that decision.",
    confirmRejection: "Confirm that you want to send the application although, according to the portal's check, it is expected to be rejected.",
    missingTitle: "This is missing (portal check)", missingLabel: "Missing:", notesTitle: "Notes", noteLabel: "Note:",
    missingIntro: "You can submit as it is, but then parts are missing according to the portal's check. RVO may ask for a supplement; the time it is received then becomes the time of receipt, and an incomplete application may also be refused (II.2.2, III.2.2).",
    leave: "You have changes that have not been submitted."
  }
}[lang];

// Herstel (II.2.2, III.2.2): the herstel page leaves the application as it stands, with the code, in this
// tab's session storage (never in a URL); the form then completes that application.
function readHerstel() {
  try {
    var found = JSON.parse(sessionStorage.getItem(HERSTEL_KEY) || "null");
    return found && found.pillar === pillar ? found : null;
  } catch (error) { return null; }
}
export const herstel = readHerstel();
export const storageKey = herstel ? "imvo-herstel-" + herstel.reference + "-" + lang : "imvo-draft-pillar-" + pillar + "-" + lang;

// What the modules share and change: where the applicant is, and what has happened so far.
export const state = {
  step: 0, draftId: null, draftToken: null, idempotencyKey: null,
  dirty: false, submitted: false, submitting: false,
  checkTimer: null, saveTimer: null, lastCheck: null,
  backToCheck: false,  // a "Change" link on the check page: save and continue returns there
  warnedStep: null,  // the step whose missing answers were just shown: "continue" then goes on
  receiptToDownload: null
};
export const touched = {};

// The one channel between the modules: a module says what happened (emit) and the module that owns the
// consequence reacts (on), so no module calls back into a module that imports it.
const listeners = {};
export function on(name, listener) {
  (listeners[name] = listeners[name] || []).push(listener);
}
export function emit(name, detail) {
  (listeners[name] || []).forEach(function (listener) { listener(detail || {}); });
}

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
}
export function euro(amount) {
  var value = Number(amount || 0);
  var text = value.toLocaleString(lang === "nl" ? "nl-NL" : "en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return lang === "nl" ? "€ " + text : "€" + text;
}
export function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}
export function idFor(path) {
  return "f-" + path.replace(/\./g, "-");
}
export function setPath(target, path, value) {
  var keys = path.split(".");
  var node = target;
  for (var i = 0; i < keys.length - 1; i++) {
    var key = /^\d+$/.test(keys[i]) ? parseInt(keys[i], 10) : keys[i];
    if (node[key] === undefined || node[key] === null) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  }
  var last = /^\d+$/.test(keys[keys.length - 1]) ? parseInt(keys[keys.length - 1], 10) : keys[keys.length - 1];
  node[last] = value;
}
export function getPath(source, path) {
  var keys = path.split(".");
  var node = source;
  for (var i = 0; i < keys.length; i++) {
    if (node === undefined || node === null) return undefined;
    node = node[/^\d+$/.test(keys[i]) ? parseInt(keys[i], 10) : keys[i]];
  }
  return node;
}
export function jsonPathToName(jsonPath) {
  return jsonPath.replace(/^\$\.?/, "").replace(/\[(\d+)\]/g, ".$1");
}
export function postJson(path, body, headers) {
  return fetch(api + path, {
    method: "POST",
    headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
    body: JSON.stringify(body)
  }).then(function (response) {
    return response.json().then(function (json) { return { status: response.status, body: json }; },
      function () { return { status: response.status, body: {} }; });
  });
}
export function sizeText(bytes) {
  return bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " kB" : (bytes / 1024 / 1024).toFixed(1).replace(".", lang === "nl" ? "," : ".") + " MB";
}
export function dutchTime(iso) {
  return formatDutchMoment(iso, lang);
}

// Words only a screen reader needs, e.g. which answer a "Change" link or a "Remove" button is for.
export function visuallyHidden(text) {
  var span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = " " + text;
  return span;
}
