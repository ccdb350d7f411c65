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
        status("");
        showSignedIn();
        $("days-title").focus();
        return;
      }
      if (result.status === 200 && result.body.challenge) {
        challenge = { username: username, challenge: result.body.challenge, session: result.body.session };
        $("answer-label").textContent = result.body.challenge === "mfa" ? "Code uit uw authenticator-app" : "Kies een nieuw wachtwoord";
        $("answer").type = result.body.challenge === "mfa" ? "text" : "password";
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
      ["Dag", "Openstelling", "Pijler 1 volledig", "Pijler 1 onvolledig", "Pijler 2 volledig", "Pijler 2 onvolledig", "Totaal", "Bundel"]
        .forEach(function (title) { head.appendChild(el("th", title, { scope: "col" })); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      result.body.days.forEach(function (day) {
        var row = el("tr");
        row.appendChild(el("th", day.day, { scope: "row" }));
        row.appendChild(el("td", day.opening));
        [["1", "complete"], ["1", "incomplete"], ["2", "complete"], ["2", "incomplete"]].forEach(function (cell) {
          row.appendChild(el("td", ((day.pillars[cell[0]] || {})[cell[1]]) || 0));
        });
        row.appendChild(el("td", day.applications));
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
  function follow(id, bar, text, item) {
    call("GET", "/jobs/" + id).then(function (result) {
      if (result.status !== 200) { text.textContent = messageOf(result.body, "De status kon niet worden gelezen."); return; }
      var job = result.body;
      if (job.progress.total) { bar.max = job.progress.total; bar.value = job.progress.done; }
      text.textContent = job.progress.text.nl;
      if (job.state === "failed") { text.textContent = "Mislukt: " + job.reason.nl + (job.reason.incident ? " (kenmerk " + job.reason.incident + ")" : ""); return; }
      if (job.state !== "done") { setTimeout(function () { follow(id, bar, text, item); }, 1000); return; }
      text.textContent = "Klaar: " + job.progress.text.nl + ".";
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

  // --- the audit trail ------------------------------------------------------------------------------
  var EVENTS = { received: "ontvangen", supplemented: "aangevuld (herstel)", emailed: "bevestiging gemaild", email_failed: "bevestiging niet verzonden", rejected: "afgewezen", bundled: "in een bundel", downloaded: "bundel gedownload" };
  $("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = $("find-reference").value.trim();
    var box = $("trail");
    box.textContent = "";
    call("GET", "/applications/" + encodeURIComponent(reference) + "/audit").then(function (result) {
      if (result.status !== 200) { box.appendChild(el("p", messageOf(result.body, "Niet gevonden."))); return; }
      var table = el("table");
      table.appendChild(el("caption", "Audit-spoor van " + result.body.reference));
      var head = el("tr");
      ["Moment (UTC)", "Gebeurtenis", "Door", "Gegevens"].forEach(function (title) { head.appendChild(el("th", title, { scope: "col" })); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      result.body.events.forEach(function (item) {
        var row = el("tr");
        row.appendChild(el("td", item.at));
        row.appendChild(el("td", EVENTS[item.event] || item.event));
        row.appendChild(el("td", item.by));
        var details = Object.keys(item).filter(function (k) { return ["subject", "event", "at", "by"].indexOf(k) < 0; })
          .map(function (k) { return k + ": " + item[k]; }).join("; ");
        row.appendChild(el("td", details));
        body.appendChild(row);
      });
      box.appendChild(scrollable(table, "Audit-spoor van " + result.body.reference));
    });
  });

  // --- a rejection, confirmed before it is recorded -------------------------------------------------
  $("reject-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = $("reject-reference").value.trim(), reason = $("reject-reason").value.trim();
    if (!reference || !reason) { status("Vul de referentie en de reden in."); return; }
    $("reject-summary").textContent = "U legt vast dat aanvraag " + reference + " is afgewezen, met als reden: “" + reason + "”. Dit kan niet worden gewijzigd.";
    $("reject-confirm").hidden = false;
    $("reject-yes").focus();
  });
  $("reject-no").addEventListener("click", function () { $("reject-confirm").hidden = true; $("reject-reference").focus(); });
  $("reject-yes").addEventListener("click", function () {
    var reference = $("reject-reference").value.trim();
    call("POST", "/applications/" + encodeURIComponent(reference) + "/rejection", { reason: $("reject-reason").value.trim() })
      .then(function (result) {
        $("reject-confirm").hidden = true;
        status(result.status === 201 ? "De afwijzing van " + reference + " is vastgelegd." : messageOf(result.body, "Vastleggen lukte niet."));
        if (result.status === 201) { $("reject-reason").value = ""; loadDays(); }
      });
  });

  showSignedIn();
})();
