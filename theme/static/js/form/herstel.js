// Herstel (II.2.2, III.2.2): starting the form from the application as it stands, RVO's request if it asked,
// and what the portal found missing.
import { dutchTime, herstel, herstelIntro, state, steps, storageKey } from "./context.js";
import { loadDraft } from "./drafts.js";
import { restore } from "./fields.js";
import { findingItem } from "./findings.js";

export function draftOf(value) {
  // The draft the original attachments were uploaded under: new uploads join it (one application, one draft).
  if (value && typeof value === "object") {
    if (typeof value.key === "string" && value.key.indexOf("attachments/") === 0) return value.key.split("/")[1];
    var keys = Object.keys(value);
    for (var i = 0; i < keys.length; i++) { var found = draftOf(value[keys[i]]); if (found) return found; }
  }
  return null;
}
export function showHerstelIntro() {
  herstelIntro.querySelector("[data-herstel=reference]").textContent = herstel.reference;
  herstelIntro.querySelector("[data-herstel=receivedAt]").textContent = dutchTime(herstel.receivedAtDutch);
  var request = herstel.herstel && herstel.herstel.request;
  var asked = herstelIntro.querySelector("[data-herstel=request]");
  asked.hidden = !request;
  if (request) {
    asked.querySelector("[data-herstel=until]").textContent = dutchTime(herstel.herstel.until);
    var items = asked.querySelector("[data-herstel=items]");
    items.innerHTML = "";
    request.items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;  // RVO's words, shown as text
      items.appendChild(item);
    });
  }
  var list = herstelIntro.querySelector("[data-herstel=findings]");
  list.innerHTML = "";
  herstel.findings.filter(function (f) { return f.severity === "incomplete"; }).forEach(function (finding) {
    list.appendChild(findingItem(finding));
  });
  herstelIntro.hidden = false;
}
export function startSupplement() {
  var saved = null;
  try { saved = localStorage.getItem(storageKey); } catch (error) { saved = null; }
  if (saved) return loadDraft();  // unsent work on this supplement comes first
  state.draftId = draftOf(herstel.application);
  state.draftToken = herstel.draftToken || null;  // given with the herstel code: new attachments join the same draft
  restore(herstel.application);
  return steps.length - 1;  // the check page: every answer, and what is still missing
}
