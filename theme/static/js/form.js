// The application form: steps built at site build time from the JSON Schema, rows added and removed
// here, the draft kept in this browser, uploads straight to storage, live checks against the
// regulation's rules, and one submission per Idempotency-Key.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) return;
  var HERSTEL_KEY = "imvo-herstel";

  var api = form.getAttribute("data-api");
  var lang = form.getAttribute("data-lang") || "nl";
  var pillar = parseInt(form.getAttribute("data-pillar"), 10);
  var storageKey = "imvo-draft-pillar-" + pillar + "-" + lang;
  // Herstel (II.2.2, III.2.2): the herstel page leaves the application as it stands, with the code, in
  // this tab's session storage (never in a URL); the form then completes that application.
  var herstel = null;
  try { herstel = JSON.parse(sessionStorage.getItem(HERSTEL_KEY) || "null"); } catch (error) { herstel = null; }
  if (herstel && herstel.pillar !== pillar) herstel = null;
  if (herstel) storageKey = "imvo-herstel-" + herstel.reference + "-" + lang;
  var herstelIntro = document.getElementById("herstel-intro");
  var summary = document.getElementById("error-summary");
  var confirmation = document.getElementById("confirmation");
  var draftStatus = document.getElementById("draft-status");
  var progress = document.getElementById("progress");
  var submitButton = document.getElementById("submit-button");
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var originalTitle = document.title;
  var MAX_BYTES = parseInt(form.getAttribute("data-upload-max-bytes"), 10);  // imvo.attachments
  var HOURLY_RATE_MAX = parseFloat(form.getAttribute("data-hourly-rate-max"));  // content/data/programme.json
  var TEXT = {
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
      leave: "U hebt wijzigingen die nog niet zijn verstuurd.", at: "om"
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
      leave: "You have changes that have not been submitted.", at: "at"
    }
  }[lang];
  var MONTHS = {
    nl: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
    en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
  }[lang];

  var state = { step: 0, draftId: null, idempotencyKey: null };
  var touched = {};
  var dirty = false;
  var submitted = false;
  var submitting = false;
  var checkTimer = null;
  var saveTimer = null;
  var lastCheck = null;
  var backToCheck = false;  // a "Change" link on the check page: save and continue returns there

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function euro(amount) {
    var value = Number(amount || 0);
    var text = value.toLocaleString(lang === "nl" ? "nl-NL" : "en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return lang === "nl" ? "€ " + text : "€" + text;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function idFor(path) {
    return "f-" + path.replace(/\./g, "-");
  }

  // --- JSON paths ------------------------------------------------------------------------------

  function setPath(target, path, value) {
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

  function getPath(source, path) {
    var keys = path.split(".");
    var node = source;
    for (var i = 0; i < keys.length; i++) {
      if (node === undefined || node === null) return undefined;
      node = node[/^\d+$/.test(keys[i]) ? parseInt(keys[i], 10) : keys[i]];
    }
    return node;
  }

  function jsonPathToName(jsonPath) {
    return jsonPath.replace(/^\$\.?/, "").replace(/\[(\d+)\]/g, ".$1");
  }

  // --- Rows of repeatable parts ----------------------------------------------------------------

  function rowsOf(container) {
    return Array.prototype.slice.call(container.querySelector(":scope > .rows").children);
  }

  function addRow(container, data) {
    var depth = container.getAttribute("data-depth");
    var template = container.querySelector(":scope > template");
    var index = rowsOf(container).length;
    if (index >= parseInt(container.getAttribute("data-max"), 10)) return null;
    var html = template.innerHTML
      .split("__i" + depth + "__").join(String(index))
      .split("__n" + depth + "__").join(String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    Array.prototype.forEach.call(row.querySelectorAll("[data-penvoerder-only]"), function (only) { only.remove(); });
    // A new budget row starts at its own project year; the applicant can still change it.
    var year = row.querySelector('input[name$=".budget.' + index + '.year"]');
    if (year && !data) year.value = String(Math.min(index + 1, parseInt(year.max, 10) || 3));
    container.querySelector(":scope > .rows").appendChild(row);
    initRepeats(row, data);
    wireUploads(row);
    return row;
  }

  function initRepeats(scope, data) {
    // The repeats of this scope only (the form's own, or one row's); deeper ones come with their rows.
    var owner = scope.matches && scope.matches(".repeat-row") ? scope : null;
    Array.prototype.forEach.call(scope.querySelectorAll(".repeat"), function (container) {
      if (container.closest(".repeat-row") !== owner || container.getAttribute("data-ready")) return;
      container.setAttribute("data-ready", "1");
      var path = container.getAttribute("data-repeat");
      var existing = data ? getPath(data, path) : undefined;
      var count = Array.isArray(existing) ? existing.length : parseInt(container.getAttribute("data-default"), 10) || 0;
      for (var i = 0; i < count; i++) addRow(container, data);
    });
  }

  function buildInstances() {
    // The penvoerder: the partner rows' template under its own name, with its extra answers required.
    Array.prototype.forEach.call(form.querySelectorAll("[data-instance-of]"), function (box) {
      var container = form.querySelector('[data-repeat="' + box.getAttribute("data-instance-of") + '"]');
      var prefix = box.getAttribute("data-instance-of") + ".__i0__";
      var name = box.getAttribute("data-instance");
      var html = container.querySelector(":scope > template").innerHTML
        .split(prefix).join(name)
        .split("f-" + prefix.replace(/\./g, "-")).join("f-" + name)
        .split("__n0__").join("");
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      row.querySelector(":scope > legend").remove();
      row.querySelector(":scope > .remove-row").remove();
      var required = (box.getAttribute("data-required") || "").split(" ");
      Array.prototype.forEach.call(row.querySelectorAll("[data-penvoerder-only]"), function (only) {
        while (only.firstChild) only.parentNode.insertBefore(only.firstChild, only);
        only.remove();
      });
      required.forEach(function (key) {
        var part = row.querySelector("#" + idFor(name + "." + key));
        var optional = part && part.querySelector(":scope > legend .optional, :scope > h3 .optional");
        if (optional) optional.remove();
        if (part && part.matches(".repeat")) part.setAttribute("data-default", part.getAttribute("data-min"));
      });
      while (row.firstChild) box.appendChild(row.firstChild);
    });
  }

  function clearRepeats() {
    Array.prototype.forEach.call(form.querySelectorAll(".repeat"), function (container) {
      container.removeAttribute("data-ready");
      container.querySelector(":scope > .rows").innerHTML = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-list-for]"), function (list) { list.innerHTML = ""; });
  }

  // --- Collecting and restoring the answers ----------------------------------------------------

  // --- Questions that apply only to some answers (x-ask-if in the schema) -------------------------

  function updateAskIf() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-ask-if]"), function (wrapper) {
      if (wrapper.closest("template")) return;
      var input = wrapper.querySelector("[name]");
      if (!input) return;
      var prefix = input.name.slice(0, input.name.lastIndexOf(".") + 1);
      var on = form.querySelector('[name="' + prefix + wrapper.getAttribute("data-ask-if") + '"]');
      var applies = !!on && (wrapper.getAttribute("data-ask-if-values") || "").split(" ").indexOf(on.value) >= 0;
      wrapper.hidden = !applies;
      if (!applies) {
        Array.prototype.forEach.call(wrapper.querySelectorAll("input[type=radio], input[type=checkbox]"), function (box) { box.checked = false; });
      }
    });
  }

  function collect() {
    var data = { pillar: pillar };
    // Every row on screen is an object in the JSON, so findings keep pointing at the right row.
    Array.prototype.forEach.call(form.querySelectorAll(".repeat"), function (container) {
      var path = container.getAttribute("data-repeat");
      rowsOf(container).forEach(function (_, i) { if (getPath(data, path + "." + i) === undefined) setPath(data, path + "." + i, {}); });
      if (!rowsOf(container).length && getPath(data, path) === undefined) setPath(data, path, []);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[name]"), function (element) {
      if (element.closest("template")) return;
      var type = element.getAttribute("data-type");
      var name = element.name;
      if (element.type === "checkbox" && type === "boolean-checkbox") { setPath(data, name, element.checked); return; }
      if (element.type === "checkbox") {
        var list = getPath(data, name) || [];
        if (element.checked) list.push(type === "integer" ? parseInt(element.value, 10) : element.value);
        setPath(data, name, list);
        return;
      }
      if (element.type === "radio") {
        if (element.checked) setPath(data, name, type === "boolean" ? element.value === "true" : type === "array-single" ? [element.value] : element.value);
        return;
      }
      var value = element.value;
      if (value === "") return;
      if (type === "integer") value = parseInt(value, 10);
      else if (type === "number") value = parseFloat(value);
      setPath(data, name, value);
    });
    Array.prototype.forEach.call(form.querySelectorAll(".choices[data-kind=multi]"), function (group) {
      var path = group.getAttribute("data-path");
      if (getPath(data, path) === undefined) setPath(data, path, []);
    });
    return data;
  }

  function restore(data) {
    clearRepeats();
    initRepeats(form, data);
    Array.prototype.forEach.call(form.querySelectorAll("[name]"), function (element) {
      if (element.closest("template")) return;
      var value = getPath(data, element.name);
      if (element.type === "checkbox" && element.getAttribute("data-type") === "boolean-checkbox") element.checked = value === true;
      else if (element.type === "checkbox") element.checked = Array.isArray(value) && value.map(String).indexOf(element.value) >= 0;
      else if (element.type === "radio") element.checked = value !== undefined && String(Array.isArray(value) ? value[0] : value) === element.value;
      else element.value = value === undefined || value === null ? "" : value;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-kind=attachment]"), function (box) {
      var value = getPath(data, box.getAttribute("data-path"));
      if (value && value.key) showUploaded(box, value.filename, null);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-kind=attachment-list]"), function (box) {
      var values = getPath(data, box.getAttribute("data-path"));
      (Array.isArray(values) ? values : []).forEach(function (value) { addListedUpload(box, value); });
    });
    updateAskIf();
    updateTotals();
  }

  // --- Draft in this browser -------------------------------------------------------------------

  function timeNow() {
    var now = new Date();
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  function saveDraft() {
    if (submitted) return;
    try {
      localStorage.setItem(storageKey, JSON.stringify({ data: collect(), step: state.step, draftId: state.draftId,
        idempotencyKey: state.idempotencyKey, savedAt: timeNow() }));
      draftStatus.textContent = fill(TEXT.saved, { time: timeNow() });
    } catch (error) { /* private mode or full storage: the form still works, only the draft is not kept */ }
  }

  function changed() {
    dirty = true;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 300);
    updateTotals();
  }

  function loadDraft() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (error) { saved = null; }
    if (!saved) { initRepeats(form, null); return 0; }
    state.draftId = saved.draftId || null;
    state.idempotencyKey = saved.idempotencyKey || null;
    restore(saved.data || {});
    draftStatus.textContent = fill(TEXT.restored, { time: saved.savedAt || "" });
    return Math.min(saved.step || 0, steps.length - 1);
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitted) {
      saveDraft();
      event.preventDefault();
      event.returnValue = TEXT.leave;
      return TEXT.leave;
    }
  });

  // --- Budget totals (I.4): what the form can add up itself --------------------------------------

  function rowTotal(prefix) {
    function num(name) { var el = form.querySelector('[name="' + prefix + "." + name + '"]'); return el && el.value ? parseFloat(el.value) || 0 : 0; }
    var rate = Math.min(num("hourlyRate"), HOURLY_RATE_MAX);
    var total = num("hours") * rate + num("thirdPartyCosts") + num("travelCosts") + num("subsistenceCosts");
    Array.prototype.forEach.call(form.querySelectorAll('[name^="' + prefix + '.otherCosts."][name$=".amount"]'), function (el) {
      var type = form.querySelector('[name="' + el.name.replace(/amount$/, "costType") + '"]');
      if (!type || type.value === "other-eligible") total += parseFloat(el.value) || 0;
    });
    return total;
  }

  function updateTotals() {
    var all = 0;
    Array.prototype.forEach.call(form.querySelectorAll("output[data-total-for]"), function (output) {
      var total = rowTotal(output.getAttribute("data-total-for"));
      output.textContent = euro(total);
      all += total;
    });
    Array.prototype.forEach.call(form.querySelectorAll("output[data-budget-total]"), function (output) { output.textContent = euro(all); });
  }

  // --- Uploads: presigned POST straight to storage, then checked by the server -------------------

  function postJson(path, body, headers) {
    return fetch(api + path, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, body: json }; },
        function () { return { status: response.status, body: {} }; });
    });
  }

  function sizeText(bytes) {
    return bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " kB" : (bytes / 1024 / 1024).toFixed(1).replace(".", lang === "nl" ? "," : ".") + " MB";
  }

  function sha256Hex(file) {
    if (!(window.crypto && crypto.subtle && file.arrayBuffer)) return Promise.resolve(null);
    return file.arrayBuffer().then(function (buffer) { return crypto.subtle.digest("SHA-256", buffer); }).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }

  function uploadFile(box, file) {
    var status = box.querySelector(".upload-status");
    var bar = box.querySelector(".upload-progress");
    var error = box.querySelector(".field-error");
    error.textContent = "";
    if (file.type !== "application/pdf" && !/\.pdf$/i.test(file.name)) { error.textContent = TEXT.notPdf; return Promise.reject(); }
    if (file.size > MAX_BYTES) { error.textContent = fill(TEXT.tooLarge, { mb: MAX_BYTES / 1024 / 1024 }); return Promise.reject(); }
    status.textContent = fill(TEXT.uploading, { name: file.name });
    bar.hidden = false;
    bar.value = 0;
    var digest = null;
    // S3 refuses a body whose SHA-256 differs from the one bound into the presigned POST.
    return sha256Hex(file).then(function (hex) {
      digest = hex;
      return postJson("/uploads", { draftId: state.draftId, filename: file.name, contentType: "application/pdf", size: file.size, sha256: hex });
    }).then(function (result) {
      if (result.status !== 201) throw new Error("presign");
      state.draftId = result.body.draftId;
      var upload = result.body;
      return new Promise(function (resolve, reject) {
        var data = new FormData();
        Object.keys(upload.fields).forEach(function (key) { data.append(key, upload.fields[key]); });
        data.append("file", file);
        var request = new XMLHttpRequest();
        request.open("POST", upload.url);
        request.upload.addEventListener("progress", function (event) { if (event.lengthComputable) bar.value = Math.round(100 * event.loaded / event.total); });
        request.onload = function () { request.status < 300 ? resolve(upload) : reject(new Error("upload")); };
        request.onerror = function () { reject(new Error("upload")); };
        request.send(data);
      });
    }).then(function (upload) {
      return Promise.all([postJson("/uploads/verify", { key: upload.key }), digest]).then(function (results) {
        var verified = results[0];
        if (verified.status !== 200) {
          var finding = verified.body.error && verified.body.error.findings[0];
          throw new Error(finding ? finding.message[lang] : "verify");
        }
        if (results[1] && results[1] !== verified.body.sha256) throw new Error(TEXT.mismatch);
        bar.value = 100;
        return { key: upload.key, sha256: verified.body.sha256, filename: file.name, size: verified.body.size };
      });
    }).catch(function (problem) {
      bar.hidden = true;
      status.textContent = "";
      error.textContent = problem && problem.message && problem.message.length > 12 ? problem.message : fill(TEXT.uploadFailed, { name: file.name });
      throw problem;
    });
  }

  function showUploaded(box, filename, size) {
    box.querySelector(".upload-status").textContent = fill(TEXT.uploaded, { name: filename, size: size ? sizeText(size) : "PDF" });
  }

  function addListedUpload(box, value) {
    var list = box.querySelector("[data-list-for]");
    var path = box.getAttribute("data-path");
    var index = list.children.length;
    var item = document.createElement("li");
    ["key", "sha256", "filename"].forEach(function (part) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = path + "." + index + "." + part;
      input.value = value[part];
      item.appendChild(input);
    });
    var label = document.createElement("span");
    label.textContent = value.filename + " ";
    item.appendChild(label);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button-secondary remove-upload";
    remove.textContent = TEXT.remove;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + value.filename;
    remove.appendChild(hidden);
    item.appendChild(remove);
    list.appendChild(item);
  }

  function wireUploads(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll("input[type=file]"), function (input) {
      if (input.getAttribute("data-wired")) return;
      input.setAttribute("data-wired", "1");
      input.addEventListener("change", function () {
        var box = input.closest("[data-kind]");
        var files = Array.prototype.slice.call(input.files);
        var chain = Promise.resolve();
        files.forEach(function (file) {
          chain = chain.then(function () { return uploadFile(box, file); }).then(function (uploaded) {
            if (box.getAttribute("data-kind") === "attachment") {
              ["key", "sha256", "filename"].forEach(function (part) { box.querySelector("[data-part=" + part + "]").value = uploaded[part]; });
            } else {
              addListedUpload(box, uploaded);
            }
            showUploaded(box, uploaded.filename, uploaded.size);
            touched[box.getAttribute("data-path")] = true;
            changed();
            scheduleCheck();
          }, function () { /* the message is shown at the field */ });
        });
        chain.then(function () { input.value = ""; });
      });
    });
  }

  // --- Findings: beside each field and in the error summary --------------------------------------

  function targetFor(jsonPath) {
    var name = jsonPathToName(jsonPath);
    var element = document.getElementById(idFor(name));
    while (!element && name.indexOf(".") > 0) {
      name = name.slice(0, name.lastIndexOf("."));
      element = document.getElementById(idFor(name));
    }
    return element;
  }

  function focusTarget(element) {
    if (element.matches("fieldset, .attachment, .attachment-list, .repeat")) {
      var first = element.querySelector("input:not([type=hidden]), select, textarea, button");
      return first || element;
    }
    return element;
  }

  function messageHolder(element) {
    var id = element.id;
    return document.getElementById(id + "-error") || (element.closest(".field, fieldset") || element).querySelector(".field-error");
  }

  function clearFieldMessages() {
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) { el.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
  }

  function isTouched(jsonPath) {
    var name = jsonPathToName(jsonPath);
    return Object.keys(touched).some(function (path) { return name === path || name.indexOf(path + ".") === 0 || path.indexOf(name + ".") === 0; });
  }

  function showFieldMessages(findings, all) {
    clearFieldMessages();
    findings.forEach(function (finding) {
      if (!all && !isTouched(finding.path)) return;
      var element = targetFor(finding.path);
      if (!element) return;
      var holder = messageHolder(element);
      if (holder && holder.textContent.indexOf(finding.message[lang]) < 0) {
        holder.textContent = (holder.textContent ? holder.textContent + " " : "") + finding.message[lang];
      }
      var box = element.closest(".field, fieldset") || element;
      if (finding.severity !== "warning") {
        box.classList.add("has-error");
        focusTarget(element).setAttribute("aria-invalid", "true");
      }
    });
  }

  function findingItem(finding) {
    // One finding as a list item: where it is (which partner, which year) and a link to the field.
    var element = targetFor(finding.path);
    var item = document.createElement("li");
    if (!element) { item.textContent = finding.message[lang]; return item; }
    var target = focusTarget(element);
    var context = rowContext(target);
    var link = document.createElement("a");
    link.href = "#" + target.id;
    link.textContent = (context ? context + ": " : "") + finding.message[lang];
    link.addEventListener("click", function (event) {
      event.preventDefault();
      goToStepOf(element, false);
      target.focus();
    });
    item.appendChild(link);
    return item;
  }

  function inPageOrder(findings) {
    // The summary lists the problems in the order of the fields on the page, not in the server's order.
    var positioned = findings.map(function (finding, index) { return { finding: finding, element: targetFor(finding.path), index: index }; });
    positioned.sort(function (a, b) {
      if (!a.element || !b.element) return (a.element ? -1 : b.element ? 1 : a.index - b.index);
      if (a.element === b.element) return a.index - b.index;
      return a.element.compareDocumentPosition(b.element) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    return positioned.map(function (item) { return item.finding; });
  }

  function showSummary(findings, headline) {
    var list = summary.querySelector("ul");
    list.innerHTML = "";
    inPageOrder(findings).forEach(function (finding) { list.appendChild(findingItem(finding)); });
    if (!findings.length && headline) {
      var only = document.createElement("li");
      only.textContent = headline;
      list.appendChild(only);
    }
    summary.hidden = false;
    document.title = TEXT.error + originalTitle;
    summary.focus();
  }

  function hideSummary() {
    summary.hidden = true;
    summary.querySelector("ul").innerHTML = "";
    document.title = originalTitle;
  }

  function stepOf(jsonPath) {
    var top = jsonPathToName(jsonPath).split(".")[0];
    for (var i = 0; i < steps.length; i++) {
      var properties = (steps[i].getAttribute("data-properties") || "").split(" ");
      if (properties.indexOf(top) >= 0) return i;
    }
    return -1;
  }

  function check() {
    return postJson("/applications/check", collect()).then(function (result) {
      if (result.status !== 200) throw new Error("check");
      lastCheck = result.body;
      showCalculation(result.body.calculation);
      return result.body;
    });
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(function () {
      check().then(function (result) { showFieldMessages(result.findings, false); }, function () { /* live checks are a help, not a gate */ });
    }, 500);
  }

  function showCalculation(calculation) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-calculation]"), function (element) {
      var key = element.getAttribute("data-calculation");
      if (!calculation) { if (element.tagName !== "UL") element.textContent = "–"; return; }
      if (key === "ceilings") {
        element.innerHTML = "";
        Object.keys(calculation.ceilings).forEach(function (ceiling) {
          var item = document.createElement("li");
          item.textContent = ceilingName(ceiling) + ": " + euro(calculation.ceilings[ceiling]);
          element.appendChild(item);
        });
      } else {
        element.textContent = euro(calculation[key]);
      }
    });
  }

  function ceilingName(ceiling) {
    var names = {
      "pillar1-companies": lang === "nl" ? "Plafond eerste pijler, ondernemingen" : "Pillar 1 ceiling, companies",
      "pillar1-cso": lang === "nl" ? "Plafond eerste pijler, maatschappelijke organisaties" : "Pillar 1 ceiling, civil-society organisations",
      "pillar2": lang === "nl" ? "Plafond tweede pijler" : "Pillar 2 ceiling"
    };
    return names[ceiling] || ceiling;
  }

  // --- Steps -------------------------------------------------------------------------------------

  function showStep(index, focus, quiet) {
    state.step = index;
    steps.forEach(function (section, i) { section.hidden = i !== index; });
    Array.prototype.forEach.call(form.querySelectorAll("[data-step-link]"), function (item, i) {
      var link = item.querySelector("a");
      if (i === index) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
    });
    progress.textContent = fill(TEXT.step, { n: index + 1, total: steps.length });
    if (steps[index].getAttribute("data-step") === "check") buildAnswers();
    if (focus !== false) steps[index].focus();
    if (!quiet) saveDraft();
  }

  function goToStepOf(element, focus) {
    var section = element.closest("section.step");
    var index = steps.indexOf(section);
    if (index >= 0 && index !== state.step) showStep(index, focus);
  }

  function markStepTouched(section) {
    (section.getAttribute("data-properties") || "").split(" ").forEach(function (key) { if (key) touched[key] = true; });
  }

  function next() {
    var section = steps[state.step];
    markStepTouched(section);
    check().then(function (result) {
      var blocking = result.findings.filter(function (f) { return f.severity === "reject" && stepOf(f.path) === state.step; });
      showFieldMessages(result.findings, false);
      if (blocking.length) { showSummary(blocking); return; }
      hideSummary();
      var target = backToCheck ? steps.length - 1 : state.step + 1;
      backToCheck = false;
      showStep(target);
    }, function () {
      showSummary([], TEXT.unavailable);
    });
  }

  // --- Check your answers --------------------------------------------------------------------------

  function labelOf(element) {
    var group = element.closest("fieldset.choices");
    if (group) return group.querySelector("legend").textContent.trim();
    var label = form.querySelector('label[for="' + element.id + '"]');
    return label ? label.textContent.trim() : element.name;
  }

  function organisationName(box) {
    // An organisation is called by its name once it is filled in ("Wolwerk B.V."), not by its number.
    var field = box.querySelector(':scope > .field > input[name$=".name"]');
    return field && field.value.trim() ? field.value.trim() : "";
  }

  function rowContext(element) {
    var parts = [];
    var row = element.closest(".repeat-row");
    while (row) {
      parts.unshift(organisationName(row) || row.querySelector("legend").textContent.trim());
      row = row.parentElement.closest(".repeat-row");
    }
    var group = element.closest("fieldset.group");
    if (group && !(group.closest(".repeat-row") && group.contains(group.closest(".repeat-row")))) {
      var legend = group.querySelector("legend");
      var named = organisationName(group);
      var text = legend ? legend.textContent.trim() + (named ? " (" + named + ")" : "") : "";
      if (text && parts.indexOf(text) < 0) parts.push(text);
    }
    return parts.join(" › ");
  }

  function answerText(element) {
    if (element.tagName === "SELECT") return element.options[element.selectedIndex] ? element.options[element.selectedIndex].text : "";
    if (element.type === "radio" || element.type === "checkbox") return form.querySelector('label[for="' + element.id + '"]').textContent.trim();
    return element.value;
  }

  function buildAnswers() {
    var answers = document.getElementById("answers");
    answers.innerHTML = "";
    var seen = {};
    steps.forEach(function (section) {
      if (section.getAttribute("data-step") === "check") return;
      Array.prototype.forEach.call(section.querySelectorAll("input, select, textarea"), function (element) {
        if (element.closest("template") || element.type === "file") return;
        var value;
        var key = element.name;
        if (element.type === "hidden") {
          if (element.getAttribute("data-part") !== "filename" && !/\.filename$/.test(key)) return;
          value = element.value;
        } else if (element.type === "radio" || element.type === "checkbox") {
          if (!element.checked) return;
          value = answerText(element);
          if (seen[key]) { seen[key].textContent += ", " + value; return; }
        } else {
          value = answerText(element);
        }
        if (!value || element.getAttribute("data-type") === "integer" && element.type === "hidden") return;
        var dt = document.createElement("dt");
        var context = rowContext(element);
        dt.textContent = (context ? context + " › " : "") + (element.type === "hidden" ? labelOf(element.closest("[data-kind]").querySelector("input[type=file]")) : labelOf(element));
        var dd = document.createElement("dd");
        var text = document.createElement("span");
        text.textContent = value;
        dd.appendChild(text);
        var change = document.createElement("a");
        var target = element.type === "hidden" ? element.closest("[data-kind]").querySelector("input[type=file]") : element;
        change.href = "#" + target.id;
        change.className = "change-link";
        change.textContent = TEXT.change;
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + dt.textContent;
        change.appendChild(hidden);
        change.addEventListener("click", function (event) {
          event.preventDefault();
          backToCheck = true;
          goToStepOf(target, false);
          target.focus();
        });
        dd.appendChild(document.createTextNode(" "));
        dd.appendChild(change);
        answers.appendChild(dt);
        answers.appendChild(dd);
        if (element.type === "radio" || element.type === "checkbox") seen[key] = text;
      });
    });
    check().then(function (result) {
      var box = document.getElementById("findings-summary");
      box.innerHTML = "";
      // What makes the application incomplete (or stops it) first and set apart, then the notes.
      var groups = [
        { severities: ["reject", "incomplete"], title: TEXT.missingTitle, intro: TEXT.missingIntro, label: TEXT.missingLabel, className: "finding-incomplete" },
        { severities: ["warning"], title: TEXT.notesTitle, intro: "", label: TEXT.noteLabel, className: "finding-warning" }
      ];
      groups.forEach(function (group) {
        var found = result.findings.filter(function (f) { return group.severities.indexOf(f.severity) >= 0; });
        if (!found.length) return;
        var title = document.createElement("h3");
        title.textContent = group.title;
        box.appendChild(title);
        if (group.intro) { var intro = document.createElement("p"); intro.textContent = group.intro; box.appendChild(intro); }
        var list = document.createElement("ul");
        list.className = group.className;
        found.forEach(function (finding) {
          var item = findingItem(finding);
          var label = document.createElement("strong");
          label.textContent = group.label + " ";
          item.insertBefore(label, item.firstChild);
          list.appendChild(item);
        });
        box.appendChild(list);
      });
      if (!result.findings.length) { var none = document.createElement("p"); none.textContent = TEXT.none; box.appendChild(none); }
    }, function () { /* shown again on submit */ });
  }

  // --- Submitting --------------------------------------------------------------------------------

  function dutchTime(iso) {
    var match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})\.\d{3}([+-]\d{2}):\d{2}$/.exec(iso || "");
    if (!match) return iso;
    var zone = match[5] === "+02" ? "CEST" : "CET";
    return parseInt(match[3], 10) + " " + MONTHS[parseInt(match[2], 10) - 1] + " " + match[1] + " " + TEXT.at + " " + match[4] + " (" + zone + ")";
  }

  // The receipt PDF is fetched with the code in a POST body (never in a URL), then saved from memory.
  var receiptToDownload = null;
  confirmation.querySelector("[data-receipt-link]").addEventListener("click", function (event) {
    event.preventDefault();
    if (!receiptToDownload) return;
    var reference = receiptToDownload.reference;
    fetch(api + "/applications/" + encodeURIComponent(reference) + "/receipt", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: receiptToDownload.supplementToken || "" })
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

  function showReceipt(receipt) {
    var values = {
      reference: receipt.reference,
      receivedAtText: dutchTime(receipt.receivedAtDutch),
      statusText: receipt.status === "incomplete" ? TEXT.incomplete : TEXT.complete,
      supplementToken: receipt.supplementToken || ""
    };
    values.supplementReference = receipt.supplementReference || "";
    values.effectiveText = values.receivedAtText;
    Array.prototype.forEach.call(confirmation.querySelectorAll("[data-receipt]"), function (element) {
      element.textContent = values[element.getAttribute("data-receipt")];
    });
    receiptToDownload = receipt;
    confirmation.querySelector("[data-if-incomplete]").hidden = receipt.status !== "incomplete";
    confirmation.querySelector("[data-if-supplement]").hidden = !receipt.supplementReference;
    form.hidden = true;
    draftStatus.textContent = "";
    hideSummary();
    confirmation.hidden = false;
    confirmation.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitting || submitted) return;  // a double click sends once
    submitting = true;
    submitButton.disabled = true;
    submitButton.setAttribute("aria-busy", "true");
    state.idempotencyKey = state.idempotencyKey || newKey();
    saveDraft();
    var path = herstel ? "/applications/" + encodeURIComponent(herstel.reference) + "/supplements" : "/applications";
    var body = herstel ? { token: herstel.token, application: collect() } : collect();
    postJson(path, body, { "Idempotency-Key": state.idempotencyKey }).then(function (result) {
      if (result.status === 201) {
        submitted = true;
        dirty = false;
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
      submitting = false;
      if (!submitted) {
        submitButton.disabled = false;
        submitButton.removeAttribute("aria-busy");
        saveDraft();
      }
    });
  });

  // --- Wiring ------------------------------------------------------------------------------------

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.getAttribute("data-go") === "next") { next(); return; }
    if (button.getAttribute("data-go") === "previous") { backToCheck = false; hideSummary(); showStep(Math.max(0, state.step - 1)); return; }
    if (button.classList.contains("add-row")) {
      var container = button.closest(".repeat");
      var row = addRow(container, null);
      if (row) { updateAskIf(); changed(); var first = row.querySelector("input:not([type=hidden]), select, textarea"); if (first) first.focus(); }
      return;
    }
    if (button.classList.contains("remove-row")) {
      var removed = button.closest(".repeat-row");
      var repeat = removed.closest(".repeat");
      var index = rowsOf(repeat).indexOf(removed);
      var data = collect();
      getPath(data, repeat.getAttribute("data-repeat")).splice(index, 1);
      restore(data);
      changed();
      var again = form.querySelector('[data-repeat="' + repeat.getAttribute("data-repeat") + '"] .add-row');
      if (again) again.focus();
      return;
    }
    if (button.classList.contains("remove-upload")) {
      var item = button.closest("li");
      var box = item.closest("[data-kind]");
      var list = collect();
      var path = box.getAttribute("data-path");
      getPath(list, path).splice(Array.prototype.indexOf.call(item.parentElement.children, item), 1);
      restore(list);
      changed();
      box.querySelector("input[type=file]").focus();
    }
  });

  form.addEventListener("input", function (event) {
    if (event.target.name) touched[event.target.name] = true;
    changed();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name) touched[event.target.name] = true;
    updateAskIf();
    changed();
    scheduleCheck();
  });
  form.addEventListener("focusout", function (event) {
    if (event.target.name && touched[event.target.name]) scheduleCheck();
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-step-link] a"), function (link, i) {
    link.addEventListener("click", function (event) { event.preventDefault(); backToCheck = false; hideSummary(); showStep(i); });
  });

  // --- Herstel: start from the application as it stands ------------------------------------------

  function draftOf(value) {
    // The draft the original attachments were uploaded under: new uploads join it (one application, one draft).
    if (value && typeof value === "object") {
      if (typeof value.key === "string" && value.key.indexOf("attachments/") === 0) return value.key.split("/")[1];
      var keys = Object.keys(value);
      for (var i = 0; i < keys.length; i++) { var found = draftOf(value[keys[i]]); if (found) return found; }
    }
    return null;
  }

  function showHerstelIntro() {
    herstelIntro.querySelector("[data-herstel=reference]").textContent = herstel.reference;
    herstelIntro.querySelector("[data-herstel=receivedAt]").textContent = dutchTime(herstel.receivedAtDutch);
    var list = herstelIntro.querySelector("ul");
    list.innerHTML = "";
    herstel.findings.filter(function (f) { return f.severity === "incomplete"; }).forEach(function (finding) {
      list.appendChild(findingItem(finding));
    });
    herstelIntro.hidden = false;
  }

  function startSupplement() {
    var saved = null;
    try { saved = localStorage.getItem(storageKey); } catch (error) { saved = null; }
    if (saved) return loadDraft();  // unsent work on this supplement comes first
    state.draftId = draftOf(herstel.application);
    restore(herstel.application);
    return steps.length - 1;  // the check page: every answer, and what is still missing
  }

  form.hidden = false;
  buildInstances();
  var startStep = herstel ? startSupplement() : loadDraft();
  updateAskIf();
  if (herstel) showHerstelIntro();
  wireUploads(form);
  updateTotals();
  showStep(startStep, false, true);
})();
