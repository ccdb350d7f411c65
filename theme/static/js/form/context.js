// The form's shared context: its elements, language and texts, what the modules share and change, and small helpers (JSON paths, money, times, POST).
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
    complete: "Volledig", incomplete: "Onvolledig: u kunt de aanvraag aanvullen", findingsTitle: "Aandachtspunten bij uw aanvraag", none: "Geen aandachtspunten: uw aanvraag is volledig.",
    missingTitle: "Dit maakt uw aanvraag onvolledig", missingLabel: "Onvolledig:", notesTitle: "Opmerkingen", noteLabel: "Opmerking:",
    missingIntro: "U kunt zo versturen, maar dan is uw aanvraag onvolledig. De Minister kan om een aanvulling vragen; het tijdstip waarop die binnenkomt geldt dan als tijdstip van ontvangst, en een onvolledige aanvraag kan ook worden afgewezen (II.2.2, III.2.2).",
    leave: "U hebt wijzigingen die nog niet zijn verstuurd."
  },
  en: {
    error: "Error: ", step: "Step {n} of {total}", saved: "Draft saved in this browser at {time}.",
    restored: "Your draft of {time} has been restored.", network: "The application was not sent: there is no connection. Your answers are still in the form. Please try again.",
    unavailable: "The application was not sent: the server is briefly unavailable. Your answers are still in the form. Please try again in a few seconds.",
    change: "Change", notPdf: "Choose a PDF file.", tooLarge: "This file is larger than {mb} MB.",
    uploading: "Uploading: {name}", uploaded: "Uploaded and checked: {name} ({size})", uploadFailed: "The upload failed: {name}. Please try again.",
    mismatch: "The file arrived differently from how it was sent. Please upload it again.", remove: "Remove", yes: "Yes", no: "No",
    complete: "Complete", incomplete: "Incomplete: you can supplement the application", findingsTitle: "Points to note about your application", none: "Nothing to note: your application is complete.",
    missingTitle: "This makes your application incomplete", missingLabel: "Incomplete:", notesTitle: "Notes", noteLabel: "Note:",
    missingIntro: "You can submit as it is, but then your application is incomplete. The Minister may ask for a supplement; the time it is received then becomes the time of receipt, and an incomplete application may also be refused (II.2.2, III.2.2).",
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
  step: 0, draftId: null, idempotencyKey: null,
  dirty: false, submitted: false, submitting: false,
  checkTimer: null, saveTimer: null, lastCheck: null,
  backToCheck: false,  // a "Change" link on the check page: save and continue returns there
  receiptToDownload: null
};
export const touched = {};

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
