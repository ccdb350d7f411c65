// The admin console (/beheer/): sign in with the programme's Cognito user pool (through POST
// /api/admin/session), then the admin routes with the access token. Everything shown is set as text
// (textContent), never as HTML: references, reasons and search terms come from people.
(function () {
  "use strict";
  var API = "/api/admin";
  var KEY = "imvo-console-session";
  var session = null;
  try { session = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (error) { session = null; }
  var challenge = null;  // {challenge, session, username} while Cognito asks for a code or a new password

  function $(id) { return document.getElementById(id); }
  function el(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }
  // A wide table scrolls sideways; its scrolling box must be reachable with the keyboard and named.
  function scrollable(table, label) {
    table.setAttribute("tabindex", "0");
    table.setAttribute("aria-label", label);
    return table;
  }
  function status(text) {
    var box = $("console-status");
    box.hidden = !text;
    box.textContent = text || "";
  }
  function messageOf(body, fallback) {
    return (body && body.error && body.error.message && body.error.message.nl) || fallback;
  }

  function call(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (session) headers.authorization = "Bearer " + session.accessToken;
    return fetch(API + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (json) {
          if (answer.status === 401 && path !== "/session") { signOut("Uw sessie is verlopen; meld u opnieuw aan."); }
          return { status: answer.status, body: json };
        });
      }, function () { return { status: 0, body: {} }; });
  }

  // --- signing in ---------------------------------------------------------------------------------
  function showSignedIn() {
    var signedIn = !!session && session.expiresAt > Date.now();
    $("sign-in").hidden = signedIn;
    $("console").hidden = !signedIn;
    if (signedIn) {
      $("signed-in-as").textContent = session.username;
      loadDays();
    }
  }
  function signOut(reason) {
    session = null;
    try { sessionStorage.removeItem(KEY); } catch (error) { /* nothing kept */ }
    status(reason || "U bent afgemeld.");
    showSignedIn();
    $("username").focus();
  }
  $("sign-in-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("sign-in-error");
    error.hidden = true;
    var username = $("username").value.trim();
    var request = challenge
      ? { username: challenge.username, challenge: challenge.challenge, session: challenge.session, answer: $("answer").value.trim() }
      : { username: username, password: $("password").value };
    call("POST", "/session", request).then(function (result) {
      if (result.status === 200 && result.body.accessToken) {
        session = { accessToken: result.body.accessToken, username: request.username,
                    expiresAt: Date.now() + result.body.expiresIn * 1000 };
        try { sessionStorage.setItem(KEY, JSON.stringify(session)); } catch (storageError) { /* this tab only */ }
        challenge = null;
        $("password").value = "";
        $("answer").value = "";
        $("field-answer").hidden = true;
        $("mfa-setup").hidden = true;
        status("");
        showSignedIn();
        $("days-title").focus();
        return;
      }
      if (result.status === 200 && result.body.challenge) {
        var asked = result.body.challenge;
        challenge = { username: challenge ? challenge.username : username, challenge: asked, session: result.body.session };
        var code = asked === "mfa" || asked === "mfa_setup";
        // MFA_SETUP: Cognito gave the key for the authenticator app; its first code completes the set-up.
        $("mfa-setup").hidden = asked !== "mfa_setup";
        if (asked === "mfa_setup") {
          $("mfa-secret").textContent = result.body.secret;
          $("mfa-uri").textContent = "otpauth://totp/IMVO-portaal:" + encodeURIComponent(challenge.username) +
            "?secret=" + result.body.secret + "&issuer=IMVO-portaal";
        }
        $("answer").value = "";
        $("answer-label").textContent = asked === "mfa" ? "Code uit uw authenticator-app"
          : asked === "mfa_setup" ? "De eerste code uit uw authenticator-app" : "Kies een nieuw wachtwoord";
        $("answer").type = code ? "text" : "password";
        $("field-answer").hidden = false;
        $("answer").focus();
        return;
      }
      challenge = null;
      $("field-answer").hidden = true;
      error.textContent = messageOf(result.body, "Aanmelden lukte niet. Probeer het opnieuw.");
      error.hidden = false;
    });
  });
  $("sign-out").addEventListener("click", function () { signOut(); });
  $("days-title").setAttribute("tabindex", "-1");

  // The portal's check, in its own words: never a decision (I.2, I.5).
  var CHECKS = [["parts_present", "aanwezig"], ["parts_missing", "ontbreekt iets"], ["rejection_expected", "afwijzing verwacht"]];

  // --- what came in -------------------------------------------------------------------------------
  function loadDays() {
    call("GET", "/days").then(function (result) {
      var box = $("days");
      box.textContent = "";
      if (result.status !== 200) { box.appendChild(el("p", messageOf(result.body, "De dagen konden niet worden geladen."))); return; }
      if (!result.body.days.length) { box.appendChild(el("p", "Er zijn nog geen aanvragen binnengekomen.")); return; }
      var table = el("table");
      table.appendChild(el("caption", "Aanvragen per openstelling en dag", { "class": "visually-hidden" }));
      var head = el("tr");
      ["Dag", "Openstelling", "Pijler 1 (controle portaal)", "Pijler 2 (controle portaal)", "Totaal", "Lijst", "Bundel"]
        .forEach(function (title) { head.appendChild(el("th", title, { scope: "col" })); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      result.body.days.forEach(function (day) {
        var row = el("tr");
        row.appendChild(el("th", day.day, { scope: "row" }));
        row.appendChild(el("td", day.opening));
        ["1", "2"].forEach(function (pillar) {
          var counts = day.pillars[pillar] || {};
          row.appendChild(el("td", CHECKS.map(function (check) { return (counts[check[0]] || 0) + " " + check[1]; }).join(", ")));
        });
        row.appendChild(el("td", day.applications));
        var list = el("button", "Lijst " + day.day, { type: "button", "class": "button-secondary" });
        list.addEventListener("click", function () { $("list-day").value = day.day; loadList(); });
        row.appendChild(el("td")).appendChild(list);
        var button = el("button", "Bundel " + day.day, { type: "button", "class": "button-secondary" });
        button.addEventListener("click", function () { startJob("bundles", { day: day.day }, "Bundel " + day.day); });
        row.appendChild(el("td")).appendChild(button);
        body.appendChild(row);
      });
      box.appendChild(scrollable(table, "Aanvragen per openstelling en dag"));
    });
  }

  // --- jobs: bundles and the allocation -----------------------------------------------------------
  function startJob(kind, body, title) {
    call("POST", "/" + kind, body).then(function (result) {
      if (result.status !== 202) { status(messageOf(result.body, "De taak kon niet worden gestart.")); return; }
      var list = $("jobs");
      var placeholder = list.querySelector(".hint");
      if (placeholder) placeholder.remove();
      var item = el("li");
      var heading = el("h3", title);
      var bar = el("progress", null, { max: "1", value: "0", "aria-label": "Voortgang van " + title });
      var text = el("p", "In de wachtrij…", { role: "status" });
      item.appendChild(heading); item.appendChild(bar); item.appendChild(text);
      list.insertBefore(item, list.firstChild);
      follow(result.body.id, bar, text, item);
    });
  }
  // What the lottery used (Artikel 4, II.3.2, III.3.2; issue 23): the commitment published before the opening,
  // the revealed seed, and per lottery day the receipt log's checkpoint of its end and the order drawn.
  function drawUsed(result) {
    var list = el("dl", null, { "class": "draw-used" });
    list.appendChild(el("dt", "Toezegging (SHA-256 van de seed, vooraf gepubliceerd)"));
    list.appendChild(el("dd", result.commitment || "Niet gepubliceerd voor deze openstelling"));
    list.appendChild(el("dt", "Onthulde seed"));
    list.appendChild(el("dd", result.seed));
    if (!result.lotteryDays.length) {
      list.appendChild(el("dt", "Loting"));
      list.appendChild(el("dd", "Er was geen loting nodig."));
    }
    result.lotteryDays.forEach(function (day) {
      list.appendChild(el("dt", "Loting op " + day.day + ": checkpoint van het eind van de dag (" + day.treeSize + " ontvangstbewijzen), wortel"));
      list.appendChild(el("dd", day.root));
      list.appendChild(el("dt", "Volgorde door loting op " + day.day));
      list.appendChild(el("dd", day.order.join(", ")));
    });
    return list;
  }
  function follow(id, bar, text, item) {
    call("GET", "/jobs/" + id).then(function (result) {
      if (result.status !== 200) { text.textContent = messageOf(result.body, "De status kon niet worden gelezen."); return; }
      var job = result.body;
      if (job.progress.total) { bar.max = job.progress.total; bar.value = job.progress.done; }
      text.textContent = job.progress.text.nl;
      if (job.state === "failed") { text.textContent = "Mislukt: " + job.reason.nl + (job.reason.incident ? " (kenmerk " + job.reason.incident + ")" : ""); return; }
      if (job.state !== "done") { setTimeout(function () { follow(id, bar, text, item); }, 1000); return; }
      text.textContent = "Klaar: " + job.progress.text.nl + ".";
      if (job.kind === "allocation") item.appendChild(drawUsed(job.result));
      var download = el("button", "Downloaden", { type: "button", "class": "button" });
      download.addEventListener("click", function () {
        call("POST", "/jobs/" + id + "/download").then(function (answer) {
          if (answer.status !== 200) { status(messageOf(answer.body, "Downloaden lukte niet.")); return; }
          var links = el("ul");
          Object.keys(answer.body.files).forEach(function (name) {
            links.appendChild(el("li")).appendChild(el("a", name, { href: answer.body.files[name], download: name }));
          });
          links.appendChild(el("li", "De links werken " + Math.round(answer.body.expiresInSeconds / 60) + " minuten.", { "class": "hint" }));
          item.appendChild(links);
          var first = links.querySelector("a");
          if (first) first.click();
        });
      });
      item.appendChild(download);
    });
  }
  $("range-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var from = $("range-from").value, to = $("range-to").value;
    startJob("bundles", { from: from, to: to }, "Bundel " + from + " t/m " + to);
  });
  $("allocation-form").addEventListener("submit", function (event) {
    event.preventDefault();
    startJob("allocation", { seed: $("seed").value.trim(), opening: $("opening").value.trim() }, "Verdeling " + $("opening").value.trim());
  });

  // --- one day's applications, with filters ----------------------------------------------------------
  function loadList() {
    var box = $("day-list");
    box.textContent = "";
    var query = "day=" + encodeURIComponent($("list-day").value);
    if ($("list-pillar").value) query += "&pillar=" + encodeURIComponent($("list-pillar").value);
    if ($("list-status").value) query += "&status=" + encodeURIComponent($("list-status").value);
    call("GET", "/applications?" + query).then(function (result) {
      if (result.status !== 200) { box.appendChild(el("p", messageOf(result.body, "De lijst kon niet worden geladen."))); return; }
      if (!result.body.applications.length) { box.appendChild(el("p", "Geen aanvragen op " + result.body.day + " met deze keuze.")); return; }
      var title = "Aanvragen van " + result.body.day;
      var table = el("table");
      table.appendChild(el("caption", title));
      var head = el("tr");
      ["Referentie", "Ontvangen (telt)", "Pijler", "Penvoerder", "Berekende subsidie", "Controle portaal", "Status"]
        .forEach(function (name) { head.appendChild(el("th", name, { scope: "col" })); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      result.body.applications.forEach(function (item) {
        var row = el("tr");
        var open = el("button", item.reference, { type: "button", "class": "button-link" });
        open.addEventListener("click", function () { openCase(item.reference); });
        row.appendChild(el("th", null, { scope: "row" })).appendChild(open);
        row.appendChild(el("td", item.effectiveReceivedAtDutch));
        row.appendChild(el("td", item.pillar));
        row.appendChild(el("td", item.penvoerder));
        row.appendChild(el("td", item.requestedAmount === null ? "–" : "€ " + item.requestedAmount));
        row.appendChild(el("td", item.portalCheck.nl));
        row.appendChild(el("td", item.standing.nl));
        body.appendChild(row);
      });
      box.appendChild(scrollable(table, title));
    });
  }
  $("list-form").addEventListener("submit", function (event) { event.preventDefault(); loadList(); });

  // --- one application's file, and what RVO records on it -----------------------------------------
  var EVENTS = { received: "ontvangen", supplemented: "aangevuld (herstel)", emailed: "e-mail verstuurd", email_failed: "e-mail niet verzonden",
                 supplement_requested: "herstelverzoek", completeness_recorded: "volledigheid vastgelegd", rejected: "afgewezen",
                 decided: "besluit vastgelegd", bundled: "in een bundel", downloaded: "bundel gedownload" };
  var current = null;  // the reference of the open file

  function facts(list, pairs) {
    list.textContent = "";
    pairs.forEach(function (pair) { list.appendChild(el("dt", pair[0])); list.appendChild(el("dd", pair[1])); });
  }
  function showTrail(reference, events) {
    var box = $("trail");
    box.textContent = "";
    var table = el("table");
    table.appendChild(el("caption", "Audit-spoor van " + reference));
    var head = el("tr");
    ["Moment (UTC)", "Gebeurtenis", "Door", "Gegevens"].forEach(function (title) { head.appendChild(el("th", title, { scope: "col" })); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    events.forEach(function (item) {
      var row = el("tr");
      row.appendChild(el("td", item.at));
      row.appendChild(el("td", EVENTS[item.event] || item.event));
      row.appendChild(el("td", item.by));
      var details = Object.keys(item).filter(function (k) { return ["subject", "event", "at", "by"].indexOf(k) < 0; })
        .map(function (k) { return k + ": " + (Array.isArray(item[k]) ? item[k].join(" / ") : item[k]); }).join("; ");
      row.appendChild(el("td", details));
      body.appendChild(row);
    });
    box.appendChild(scrollable(table, "Audit-spoor van " + reference));
  }
  function openCase(reference) {
    call("GET", "/applications/" + encodeURIComponent(reference)).then(function (result) {
      if (result.status !== 200) { status(messageOf(result.body, "Niet gevonden.")); return; }
      var file = result.body;
      current = file.reference;
      $("case").hidden = false;
      $("case-title").textContent = "Aanvraag " + file.reference;
      facts($("case-facts"), [
        ["Referentie", file.reference], ["Pijler", file.pillar], ["Openstelling", file.opening],
        ["Ontvangen (Nederlandse tijd)", file.receivedAtDutch], ["Tijdstip van ontvangst dat telt", file.effectiveReceivedAtDutch],
        ["Penvoerder", file.penvoerder], ["Berekende subsidie", file.requestedAmount === null ? "–" : "€ " + file.requestedAmount],
        ["Controle door het portaal", file.portalCheck.nl], ["Status", file.standing.nl]
      ]);
      var links = $("case-links");
      links.textContent = "";
      if (file.links.pdf) links.appendChild(el("a", "PDF van de aanvraag", { href: file.links.pdf }));
      Object.keys(file.links.attachments).forEach(function (key, index) {
        links.appendChild(document.createTextNode(" · "));
        links.appendChild(el("a", "Bijlage " + (index + 1), { href: file.links.attachments[key] }));
      });
      var findings = $("case-findings");
      findings.textContent = "";
      if (!file.findings.length) findings.appendChild(el("li", "Geen bevindingen."));
      file.findings.forEach(function (finding) {
        var kind = { reject: "afwijzing verwacht", incomplete: "ontbreekt", warning: "opmerking" }[finding.severity] || finding.severity;
        findings.appendChild(el("li", kind + " (" + finding.rule + ", " + finding.path + "): " + finding.message.nl));
      });
      var versions = $("case-versions");
      versions.textContent = "";
      var list = el("ol");
      file.versions.forEach(function (version) {
        list.appendChild(el("li", version.reference + ", ontvangen " + version.receivedAtDutch + ": " + version.portalCheck.nl));
      });
      versions.appendChild(list);
      var records = $("case-records");
      records.textContent = "";
      file.requests.forEach(function (request) {
        records.appendChild(el("li", "Herstelverzoek van " + request.requestedAt + " door " + request.by + ", termijn t/m " + request.term + ": " + request.items.join(" / ")));
      });
      file.completeness.forEach(function (check) {
        records.appendChild(el("li", "Volledigheid (" + check.version + "): " + check.words.nl + " op " + check.recordedAt + " door " + check.by + (check.note ? ": " + check.note : "")));
      });
      if (file.decision) {
        records.appendChild(el("li", "Besluit: " + file.decision.words.nl + (file.decision.section ? " (" + file.decision.section + ")" : "") +
          " op " + file.decision.decidedAt + " door " + file.decision.by + (file.decision.reason ? ": " + file.decision.reason : "")));
      }
      if (!records.children.length) records.appendChild(el("li", "Nog niets."));
      $("case-actions").hidden = !!file.decision;
      showTrail(file.reference, file.trail);
      $("case-title").focus();
    });
  }
  function recorded(result, done) {
    status(result.status === 201 ? done : messageOf(result.body, "Vastleggen lukte niet."));
    if (result.status === 201) { openCase(current); loadDays(); }
  }
  $("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    openCase($("find-reference").value.trim());
  });
  $("request-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var items = $("request-items").value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    call("POST", "/applications/" + encodeURIComponent(current) + "/supplement-requests", { items: items, term: $("request-term").value })
      .then(function (result) {
        recorded(result, "Het herstelverzoek voor " + current + " is vastgelegd; de aanvrager krijgt een e-mail.");
        if (result.status === 201) $("request-items").value = "";
      });
  });
  $("completeness-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = document.querySelector("#completeness-form input[name=outcome]:checked");
    call("POST", "/applications/" + encodeURIComponent(current) + "/completeness",
         { outcome: chosen ? chosen.value : "", note: $("completeness-note").value.trim() })
      .then(function (result) { recorded(result, "De volledigheid van " + current + " is vastgelegd."); });
  });
  // A decision is written once: it is shown in words, as text, and confirmed before it is recorded.
  $("decision-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var kind = $("decision-kind");
    var section = $("decision-section").value.trim(), reason = $("decision-reason").value.trim();
    $("decision-summary").textContent = "U legt vast dat over aanvraag " + current + " is besloten: " + kind.options[kind.selectedIndex].text +
      (section ? " (" + section + ")" : "") + (reason ? ", met als reden: “" + reason + "”" : "") + ". Dit kan niet worden gewijzigd.";
    $("decision-confirm").hidden = false;
    $("decision-yes").focus();
  });
  $("decision-no").addEventListener("click", function () { $("decision-confirm").hidden = true; $("decision-kind").focus(); });
  $("decision-yes").addEventListener("click", function () {
    call("POST", "/applications/" + encodeURIComponent(current) + "/decision",
         { decision: $("decision-kind").value, section: $("decision-section").value.trim(), reason: $("decision-reason").value.trim() })
      .then(function (result) {
        $("decision-confirm").hidden = true;
        recorded(result, "Het besluit over " + current + " is vastgelegd.");
        if (result.status === 201) $("decision-reason").value = "";
      });
  });

  showSignedIn();
})();
