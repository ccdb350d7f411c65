// The draft kept in this browser (localStorage), saved as the applicant types and restored on return.
import { TEXT, draftStatus, fill, form, on, state, steps, storageKey } from "./context.js";
import { collect, restore } from "./fields.js";
import { initRepeats } from "./rows.js";
import { updateTotals } from "./totals.js";

export function timeNow() {
  var now = new Date();
  return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
}
export function saveDraft() {
  if (state.submitted) return;
  try {
    localStorage.setItem(storageKey, JSON.stringify({ data: collect(), step: state.step, draftId: state.draftId,
      draftToken: state.draftToken, idempotencyKey: state.idempotencyKey, savedAt: timeNow() }));
    draftStatus.textContent = fill(TEXT.saved, { time: timeNow() });
  } catch (error) { /* private mode or full storage: the form still works, only the draft is not kept */ }
}
export function changed() {
  state.dirty = true;
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(saveDraft, 300);
  updateTotals();
}
export function loadDraft() {
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (error) { saved = null; }
  if (!saved) { initRepeats(form, null); return 0; }
  state.draftId = saved.draftId || null;
  state.draftToken = saved.draftToken || null;
  state.idempotencyKey = saved.idempotencyKey || null;
  restore(saved.data || {});
  draftStatus.textContent = fill(TEXT.restored, { time: saved.savedAt || "" });
  return Math.min(saved.step || 0, steps.length - 1);
}

// Listeners of this concern, attached once by main.js.
export function wireDrafts() {
  window.addEventListener("beforeunload", function (event) {
    if (state.dirty && !state.submitted) {
      saveDraft();
      event.preventDefault();
      event.returnValue = TEXT.leave;
      return TEXT.leave;
    }
  });
}

// Every change is kept as a draft, and so is the step the applicant is on.
on("changed", changed);
on("step-shown", function (detail) { if (!detail.quiet) saveDraft(); });
