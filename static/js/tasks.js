// Action items on a page: marks open items past their due date, and lets people who may
// edit the page tick a box in place. Each tick is saved by the server as a new revision of
// the revision shown (data-base), through the same conflict-safe path as an edit; the box
// shows "saved" only once the server says so, and goes back if the save is refused.
(function () {
  "use strict";
  var body = document.querySelector(".markdown-body");
  if (!body) return;

  function isoToday() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  var today = isoToday();
  body.querySelectorAll("li.task-list-item").forEach(function (item) {
    var box = item.querySelector(":scope > input.task-list-item-checkbox");
    var due = item.querySelector(":scope > span.due:not(.impossible)");
    if (box && due && !box.checked && due.textContent < today) {
      item.classList.add("overdue");
      due.title = "Overdue";
    }
  });

  var url = body.getAttribute("data-tasks-url");
  var token = document.querySelector("input[name=csrf_token]");
  var status = document.querySelector(".task-status");
  if (!url || !token) return;
  var base = body.getAttribute("data-base");

  function say(text) {
    if (!status) return;
    status.hidden = false; // hidden until there is something to say
    status.textContent = text;
  }

  body.querySelectorAll("input.task-list-item-checkbox").forEach(function (box, position) {
    box.disabled = false;
    box.title = "Tick or clear: saved as a new revision";
    box.addEventListener("change", function () {
      var data = new FormData();
      data.append("csrf_token", token.value);
      data.append("base", base);
      data.append("done", box.checked ? "1" : "0");
      box.disabled = true;
      say("Saving…");
      fetch(url + position, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            return { ok: response.ok, answer: answer };
          });
        })
        .then(function (result) {
          if (!result.ok) throw new Error(result.answer.message || "The box could not be saved.");
          if (result.answer.saved) base = String(result.answer.revision);
          say(result.answer.saved ? "Saved as revision " + result.answer.revision + "." : "Nothing to save.");
          var item = box.closest("li");
          if (item && box.checked) item.classList.remove("overdue");
        })
        .catch(function (error) {
          box.checked = !box.checked;
          say(error.message && error.message.indexOf("JSON") < 0 ? error.message : "The box could not be saved; reload the page.");
        })
        .finally(function () {
          box.disabled = false;
        });
    });
  });
})();
