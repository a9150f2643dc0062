// The edit conflict screen: the result of the choices, previewed as they are made. Each
// clash offers yours, theirs, both or your own text; the merged text the form carries
// (its clashes between marker lines, never shown) is put together here exactly as the
// server does on saving, and sent to the conflict preview, where places not decided yet
// show both versions side by side. Without JavaScript the Preview button does the same.
(function () {
  "use strict";

  var form = document.querySelector("form[data-conflict]");
  if (!form) return;
  var merged = form.querySelector("textarea[name=merged]");
  var output = document.getElementById("conflict-preview");
  var progress = form.querySelector(".conflict-progress");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var previewUrl = form.getAttribute("data-preview-url");
  var START = "<<<<<<< your version";
  var MID = "=======";
  var END = ">>>>>>> saved meanwhile";

  // The merged text as plain stretches and clashes {mine, theirs}, like the server reads it.
  function parts(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    var found = [];
    var plain = [];
    var index = 0;
    function find(wanted, from) {
      for (var i = from; i < lines.length; i++) {
        if (lines[i] === wanted) return i;
        if (lines[i] === START) return -1;
      }
      return -1;
    }
    while (index < lines.length) {
      if (lines[index] === START) {
        var middle = find(MID, index + 1);
        var end = middle === -1 ? -1 : find(END, middle + 1);
        if (end !== -1) {
          if (plain.length) found.push(plain.join("\n") + "\n");
          plain = [];
          found.push({
            mine: lines.slice(index + 1, middle).join("\n"),
            theirs: lines.slice(middle + 1, end).join("\n")
          });
          index = end + 1;
          continue;
        }
      }
      plain.push(lines[index]);
      index += 1;
    }
    if (plain.some(function (line) { return line !== ""; })) found.push(plain.join("\n"));
    return found;
  }

  function asLines(text) {
    return text ? text + "\n" : "";
  }

  function choiceOf(number) {
    var checked = form.querySelector("input[name='choice-" + number + "']:checked");
    return checked ? checked.value : "";
  }

  function result() {
    var number = 0;
    var undecided = 0;
    var text = parts(merged.value).map(function (part) {
      if (typeof part === "string") return part;
      number += 1;
      var choice = choiceOf(number);
      if (choice === "mine") return asLines(part.mine);
      if (choice === "theirs") return asLines(part.theirs);
      if (choice === "both") return asLines(part.mine) + asLines(part.theirs);
      if (choice === "hand") {
        var hand = document.getElementById("hand-" + number);
        return asLines(hand ? hand.value.replace(/\r\n?/g, "\n").replace(/\n+$/, "") : "");
      }
      undecided += 1;
      return START + "\n" + asLines(part.mine) + MID + "\n" + asLines(part.theirs) + END + "\n";
    }).join("");
    return { text: text, undecided: undecided, total: number };
  }

  var clashes = Array.prototype.slice.call(form.querySelectorAll("fieldset.clash"));
  function showHandFields() {
    clashes.forEach(function (clash) {
      clash.classList.add("is-scripted");
      clash.classList.toggle("by-hand", choiceOf(clash.getAttribute("data-clash")) === "hand");
    });
  }

  var latest = 0;
  var timer = null;
  function render() {
    var made = result();
    if (progress) {
      progress.textContent = made.undecided
        ? made.undecided + " of " + made.total + " places still to decide; they show both versions below."
        : "All decided: this is the page as it will be saved.";
    }
    if (!previewUrl || !window.fetch || !output) return;
    var ticket = ++latest;
    var data = new URLSearchParams();
    data.append("body", made.text);
    data.append("space", form.getAttribute("data-space") || "");
    var headers = { "Accept": "application/json" };
    if (tokenField) {
      data.append("csrf_token", tokenField.value);
      headers["X-CSRFToken"] = tokenField.value;
    }
    output.setAttribute("aria-busy", "true");
    fetch(previewUrl, { method: "POST", body: data, headers: headers, credentials: "same-origin" })
      .then(function (reply) {
        return reply.ok ? reply.json() : Promise.reject(new Error("preview " + reply.status));
      })
      .then(function (answer) {
        if (ticket !== latest) return;
        output.removeAttribute("aria-busy");
        // The server's own rendering pipeline made and sanitised this HTML.
        output.innerHTML = typeof answer.html === "string" ? answer.html : "";
      })
      .catch(function () {
        if (ticket !== latest) return;
        output.removeAttribute("aria-busy");
        if (progress) progress.textContent = "The preview is not available just now; your choices are kept.";
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(render, 250);
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") {
      showHandFields();
      render();
    }
  });
  form.addEventListener("input", function (event) {
    if (event.target && /^hand-/.test(event.target.id || "")) later();
  });
  showHandFields();
  render();
})();
