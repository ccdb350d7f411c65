// The application form: gathers the fields into the JSON the schema describes, posts it once,
// and shows the receipt or the problems (error summary linked to each field).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) return;
  var lang = form.getAttribute("data-lang") || "nl";
  var summary = document.getElementById("error-summary");
  var confirmation = document.getElementById("confirmation");
  var submitButton = form.querySelector("button[type=submit]");
  var originalTitle = document.title;
  var idempotencyKey = null;
  var text = {
    nl: { error: "Fout: ", network: "Er is geen verbinding. Uw gegevens staan nog in het formulier; probeer het opnieuw.", busy: "Bezig met versturen…" },
    en: { error: "Error: ", network: "There is no connection. Your answers are still in the form; please try again.", busy: "Sending…" }
  }[lang];

  function setPath(target, path, value) {
    var keys = path.split(".");
    var node = target;
    for (var i = 0; i < keys.length - 1; i++) {
      node[keys[i]] = node[keys[i]] || {};
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  function collect() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name) return;
      var value = element.value;
      if (value === "") return;
      if (element.getAttribute("data-type") === "integer") value = parseInt(value, 10);
      setPath(data, element.name, value);
    });
    return data;
  }

  function fieldFor(jsonPath) {
    var name = jsonPath.replace(/^\$\.?/, "").replace(/\[(\d+)\]/g, ".$1");
    var element = form.querySelector('[name="' + name + '"]');
    return element;
  }

  function clearErrors() {
    summary.hidden = true;
    summary.querySelector("ul").innerHTML = "";
    Array.prototype.forEach.call(form.querySelectorAll(".field.has-error"), function (field) {
      field.classList.remove("has-error");
      var message = field.querySelector(".field-error");
      message.hidden = true;
      message.textContent = "";
      var input = field.querySelector("input,select,textarea");
      var hint = field.querySelector(".hint");
      if (hint) input.setAttribute("aria-describedby", hint.id); else input.removeAttribute("aria-describedby");
      input.removeAttribute("aria-invalid");
    });
    document.title = originalTitle;
  }

  function showErrors(findings, headline) {
    var list = summary.querySelector("ul");
    findings.forEach(function (finding) {
      var message = finding.message[lang] || finding.message.en;
      var element = fieldFor(finding.path);
      var item = document.createElement("li");
      if (element) {
        var link = document.createElement("a");
        link.href = "#" + element.id;
        link.textContent = message;
        link.addEventListener("click", function (event) { event.preventDefault(); element.focus(); });
        item.appendChild(link);
        var field = element.closest(".field");
        field.classList.add("has-error");
        var fieldMessage = field.querySelector(".field-error");
        fieldMessage.textContent = message;
        fieldMessage.hidden = false;
        element.setAttribute("aria-invalid", "true");
        var described = [fieldMessage.id];
        var hint = field.querySelector(".hint");
        if (hint) described.push(hint.id);
        element.setAttribute("aria-describedby", described.join(" "));
      } else {
        item.textContent = message;
      }
      list.appendChild(item);
    });
    if (!findings.length) {
      var only = document.createElement("li");
      only.textContent = headline;
      list.appendChild(only);
    }
    summary.hidden = false;
    document.title = text.error + originalTitle;
    summary.focus();
  }

  function showReceipt(receipt) {
    Array.prototype.forEach.call(confirmation.querySelectorAll("[data-receipt]"), function (element) {
      element.textContent = receipt[element.getAttribute("data-receipt")];
    });
    form.hidden = true;
    confirmation.hidden = false;
    confirmation.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitButton.disabled) return;  // a double click sends once
    clearErrors();
    idempotencyKey = idempotencyKey || (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    submitButton.disabled = true;
    submitButton.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify(collect())
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (result.status === 201 || result.status === 200) {
        showReceipt(result.body);
        return;
      }
      var error = result.body.error || { findings: [], message: { nl: "", en: "" } };
      if (result.status < 500) idempotencyKey = null;  // a corrected form is a new submission
      showErrors(error.findings || [], error.message[lang] || error.message.en);
    }).catch(function () {
      showErrors([], text.network);
    }).then(function () {
      submitButton.disabled = false;
      submitButton.removeAttribute("aria-busy");
    });
  });
})();
