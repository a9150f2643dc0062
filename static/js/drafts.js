// Drafts on the editing screen: what is typed is saved on the server as the writer's
// private draft every few seconds while it changes, and when the page is hidden or left, so
// a crashed browser or a closed laptop loses nothing. Beside the Save button it says "Saved
// as draft at 10:42" only once the server confirmed that save, and says so plainly when a
// save failed (the text stays in the editor). It also keeps the "someone else is editing"
// notice current. Without JavaScript no draft is saved and the editor works as before.
//
// Relies on: form[data-editor] (its fields, the hidden csrf_token input and
// button[name=action][value=save]) and div#editor-drafts with data-save-url (POST: the
// form, answered with JSON) and data-editing-url (GET: who else is editing, JSON) holding
// #editing-notice and #editing-names.
(function () {
  "use strict";

  var form = document.querySelector("form[data-editor]");
  var drafts = document.getElementById("editor-drafts");
  if (!form || !drafts || !window.fetch || !window.URLSearchParams) return;
  var saveUrl = drafts.getAttribute("data-save-url");
  var editingUrl = drafts.getAttribute("data-editing-url");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var notice = document.getElementById("editing-notice");
  var names = document.getElementById("editing-names");

  var CHECK_EVERY_MS = 3000; // how often changed text is saved
  var KEEP_ALIVE_MS = 120000; // an open draft is saved again this often (others see it live)
  var ASK_EVERY_MS = 30000; // how often "who else is editing" is asked
  var RETRY_AFTER_MS = 10000; // after a failed save
  var KEEPALIVE_LIMIT = 60000; // browsers refuse larger requests sent as the page goes

  // Names this open editor, so that a late answer never undoes a newer save of it.
  var editorKey = Array.prototype.map.call(
    window.crypto.getRandomValues(new Uint8Array(12)),
    function (byte) { return ("0" + byte.toString(16)).slice(-2); }
  ).join("");
  var sequence = 0;

  // What the form holds, as sent (the token and the buttons aside).
  function snapshot() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || typeof value !== "string") return;
      data.append(name, value);
    });
    return data.toString();
  }

  var confirmed = snapshot(); // what the server holds: the page as opened, or the draft
  var inFlight = null; // the promise of the save under way
  var keptDraft = drafts.querySelector(".draft-resumed") !== null;
  var confirmedAt = Date.now();
  var refused = null; // a form the server refused: not sent again until it changes
  var retryAt = 0;
  var submitting = false;

  // ---------------------------------------------------------------- the status line

  var status = document.createElement("span");
  status.className = "draft-status";
  status.setAttribute("aria-live", "polite"); // read out when it changes
  var saveButton = form.querySelector("button[name=action][value=save]");
  var actions = saveButton ? saveButton.parentNode : form;
  actions.appendChild(status);

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function showEditing(sentence) {
    if (!notice || !names || typeof sentence !== "string") return;
    names.textContent = sentence;
    notice.hidden = sentence === "";
  }

  // ---------------------------------------------------------------- saving

  function request(fields, keepalive) {
    var data = new URLSearchParams(fields);
    sequence += 1;
    data.append("editor", editorKey);
    data.append("sequence", String(sequence));
    var headers = { "Accept": "application/json" };
    if (tokenField) {
      data.append("csrf_token", tokenField.value);
      headers["X-CSRFToken"] = tokenField.value;
    }
    return { data: data, headers: headers, keepalive: keepalive && data.toString().length < KEEPALIVE_LIMIT };
  }

  function save(keepalive) {
    var sending = snapshot();
    var sent = request(sending, keepalive);
    var mine = sequence;
    inFlight = fetch(saveUrl, {
      method: "POST",
      body: sent.data,
      headers: sent.headers,
      credentials: "same-origin",
      keepalive: sent.keepalive
    }).then(function (reply) {
      var type = reply.headers.get("Content-Type") || "";
      var json = type.indexOf("application/json") !== -1 ? reply.json() : Promise.resolve(null);
      return json.then(function (answer) { return { reply: reply, answer: answer }; });
    }).then(function (result) {
      var answer = result.answer;
      if (mine !== sequence) return; // a newer save went out meanwhile: its answer counts
      if (result.reply.ok && answer) {
        confirmed = sending;
        confirmedAt = Date.now();
        refused = null;
        keptDraft = Boolean(answer.saved);
        if (answer.saved) {
          say("Saved as draft at " + answer.saved_at_text, false);
          status.title = answer.saved_at;
        } else {
          say("", false); // the form is the page as saved: there is no draft to keep
        }
        showEditing(answer.editing);
      } else if (result.reply.status === 400 && answer && answer.error) {
        refused = sending;
        say("Not saved as a draft: " + answer.error + " Your text is still here.", true);
      } else if (result.reply.status === 400) {
        refused = sending;
        say("Not saved as a draft: the form expired. Your text is still here: copy it, then reload the page.", true);
      } else {
        throw new Error("the draft was answered " + result.reply.status);
      }
    }).catch(function () {
      if (mine !== sequence) return;
      retryAt = Date.now() + RETRY_AFTER_MS;
      say("Could not save a draft (no answer from the wiki). Your text is still here; trying again.", true);
    }).then(function () {
      inFlight = null;
    });
    return inFlight;
  }

  function changed() {
    var now = snapshot();
    return now !== confirmed && now !== refused;
  }

  function check() {
    if (submitting || inFlight || Date.now() < retryAt) return;
    if (changed()) {
      save(false);
    } else if (keptDraft && document.visibilityState === "visible" &&
               Date.now() - confirmedAt > KEEP_ALIVE_MS) {
      save(false); // still editing: the draft stays live for the others
    }
  }

  setInterval(check, CHECK_EVERY_MS);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (!submitting && !inFlight && changed()) save(true);
    } else {
      ask();
    }
  });

  // The page is going away (closed, reloaded, another address): a beacon is all that can
  // still leave. It carries the form and the token like any save; nothing reads its answer.
  window.addEventListener("pagehide", function () {
    if (submitting || !changed() || !navigator.sendBeacon) return;
    navigator.sendBeacon(saveUrl, request(snapshot(), false).data);
  });

  // Saving or previewing is not leaving; a draft save under way finishes first, so that
  // it cannot arrive after the page's own save and bring the draft back.
  var released = false;
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented || released) return;
    submitting = true;
    if (!inFlight) return;
    event.preventDefault();
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    var go = function () {
      if (released) return;
      released = true;
      if (typeof form.requestSubmit === "function") {
        if (submitter) form.requestSubmit(submitter);
        else form.requestSubmit();
      } else {
        form.submit();
      }
    };
    setTimeout(go, 3000);
    inFlight.then(go);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { // back from the browser's cache: editable again
      submitting = false;
      released = false;
    }
  });

  // ---------------------------------------------------------------- who else is editing

  function ask() {
    if (!editingUrl || document.visibilityState !== "visible") return;
    fetch(editingUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (answer) { if (answer) showEditing(answer.editing); })
      .catch(function () { /* asked again in a while */ });
  }

  setInterval(ask, ASK_EVERY_MS);
})();
