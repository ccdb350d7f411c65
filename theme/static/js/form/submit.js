// Submitting with one Idempotency-Key (an application or a supplement), and the receipt that follows.
import { HERSTEL_KEY, TEXT, api, confirmation, draftStatus, dutchTime, form, herstel, lang, newKey, postJson, state, steps, storageKey, submitButton } from "./context.js";
import { saveDraft } from "./drafts.js";
import { collect } from "./fields.js";
import { hideSummary, predictsRejection, showFieldMessages, showSummary } from "./findings.js";
import { markStepTouched } from "./steps.js";

export function showReceipt(receipt) {
  var values = {
    reference: receipt.reference,
    receivedAtText: dutchTime(receipt.receivedAtDutch),
    statusText: receipt.portalCheck[lang],
    supplementToken: receipt.supplementToken || ""
  };
  values.supplementReference = receipt.supplementReference || "";
  values.effectiveText = values.receivedAtText;
  Array.prototype.forEach.call(confirmation.querySelectorAll("[data-receipt]"), function (element) {
    element.textContent = values[element.getAttribute("data-receipt")];
  });
  state.receiptToDownload = receipt;
  confirmation.querySelector("[data-if-parts-missing]").hidden = receipt.status !== "parts_missing";
  confirmation.querySelector("[data-if-rejection-expected]").hidden = receipt.status !== "rejection_expected";
  confirmation.querySelector("[data-if-supplement]").hidden = !receipt.supplementReference;
  form.hidden = true;
  draftStatus.textContent = "";
  hideSummary();
  confirmation.hidden = false;
  confirmation.focus();
}

// Listeners of this concern, attached once by main.js.
export function wireSubmit() {
  // The receipt PDF is fetched with the code in a POST body (never in a URL), then saved from memory.
  state.receiptToDownload = null;
  confirmation.querySelector("[data-receipt-link]").addEventListener("click", function (event) {
    event.preventDefault();
    if (!state.receiptToDownload) return;
    var reference = state.receiptToDownload.reference;
    fetch(api + "/applications/" + encodeURIComponent(reference) + "/receipt", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: state.receiptToDownload.supplementToken || "" })
    }).then(function (response) {
      if (!response.ok) throw new Error("receipt");
      return response.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "ontvangstbewijs-" + reference + ".pdf";
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }).catch(function () { showSummary([], TEXT.unavailable); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (state.submitting || state.submitted) return;  // a double click sends once
    var confirmBox = document.getElementById("f-confirmRejection");
    var expected = state.lastCheck && state.lastCheck.findings.some(predictsRejection);
    if (expected && !confirmBox.checked) {
      // Sending what the portal expects to be rejected is the applicant's deliberate choice (I.5: RVO decides).
      var problem = { path: "$.confirmRejection", rule: "I.5", severity: "reject", message: { nl: TEXT.confirmRejection, en: TEXT.confirmRejection } };
      showFieldMessages([problem], true);
      showSummary([problem]);
      return;
    }
    state.submitting = true;
    submitButton.disabled = true;
    submitButton.setAttribute("aria-busy", "true");
    state.idempotencyKey = state.idempotencyKey || newKey();
    saveDraft();
    var path = herstel ? "/applications/" + encodeURIComponent(herstel.reference) + "/supplements" : "/applications";
    var body = herstel ? { token: herstel.token, application: collect() } : collect();
    postJson(path, body, { "Idempotency-Key": state.idempotencyKey }).then(function (result) {
      if (result.status === 201) {
        state.submitted = true;
        state.dirty = false;
        try { localStorage.removeItem(storageKey); } catch (error) { /* nothing kept */ }
        if (herstel) {
          try { sessionStorage.removeItem(HERSTEL_KEY); } catch (error) { /* nothing kept */ }
          result.body.supplementToken = herstel.token;  // the same code serves the receipt and a next supplement
        }
        showReceipt(result.body);
        return;
      }
      var error = result.body.error || { findings: [], message: { nl: TEXT.unavailable, en: TEXT.unavailable } };
      if (result.status >= 500) { showSummary([], TEXT.unavailable); return; }
      state.idempotencyKey = null;  // the corrected application is a new submission
      steps.forEach(markStepTouched);
      showFieldMessages(error.findings || [], true);
      showSummary(error.findings || [], error.message[lang]);
    }, function () {
      showSummary([], TEXT.network);
    }).then(function () {
      state.submitting = false;
      if (!state.submitted) {
        submitButton.disabled = false;
        submitButton.removeAttribute("aria-busy");
        saveDraft();
      }
    });
  });
}
