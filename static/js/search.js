// Title suggestions for the header search box: an ARIA 1.2 combobox with a listbox
// (ul#site-search-titles, options li[role=option]) filled from /-/search/titles; styled by
// static/css/autocomplete.css, which base.html links on every page.
// Enter on a highlighted suggestion opens that page; Enter otherwise runs the full-text
// search as the plain form does. Without JavaScript the box is a plain search form.
// Every search form: a query whose address would be longer than the server accepts (its
// request line holds at most 8190 characters; 1,000 characters of most non-Latin scripts
// percent-encode to 9,000) is held back here with a message, rather than sent to be refused.
(function () {
  "use strict";
  var MAX_ADDRESS = 8000; // request target, within the server's 8190 less method and version

  function addressLength(form) {
    var length = new URL(form.action, window.location.href).pathname.length + 1;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.type === "submit") return;
      length += encodeURIComponent(field.name).length + encodeURIComponent(field.value).length + 2;
    });
    return length;
  }

  function message(form) {
    var box = form.querySelector(".search-too-long");
    if (!box) {
      box = document.createElement("p");
      box.className = "search-too-long field-error";
      box.setAttribute("role", "alert");
      form.appendChild(box);
    }
    return box;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[role=search]"), function (form) {
    form.addEventListener("submit", function (event) {
      var box = form.querySelector(".search-too-long");
      if (addressLength(form) <= MAX_ADDRESS) {
        if (box) box.remove();
        return;
      }
      event.preventDefault();
      message(form).textContent =
        "This search is too long to send. Please shorten it (fewer words, or a few " +
        "distinctive ones) and search again.";
    });
  });
})();

(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  if (!input || !input.form || !window.fetch) return;
  var form = input.form;
  var endpoint = form.getAttribute("data-titles");
  if (!endpoint) return;

  var MIN_CHARS = 2;
  var DELAY_MS = 120;

  var list = document.createElement("ul");
  list.id = "site-search-titles";
  list.className = "autocomplete-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggested pages");
  list.hidden = true;

  // Announces how many suggestions there are; not role=status, so it is not confused with
  // the page's own status messages.
  var status = document.createElement("div");
  status.id = "site-search-status";
  status.className = "sr-only autocomplete-status";
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");

  input.removeAttribute("list");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");
  input.parentNode.insertBefore(list, input.nextSibling);
  form.appendChild(status);

  var items = [];       // [{title, url}] shown (or ready to be shown) in the list
  var itemsFor = null;  // the query those items answer
  var active = -1;      // index of the highlighted option, -1 for none
  var timer = null;
  var latest = 0;       // ticket of the newest request; older answers are dropped
  var pendingKey = null; // an arrow key pressed before the suggestions arrived

  function query() {
    return input.value.trim();
  }

  function isOpen() {
    return !list.hidden;
  }

  function setActive(index) {
    var options = list.children;
    if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
    active = index;
    if (active >= 0 && options[active]) {
      var option = options[active];
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      if (typeof option.scrollIntoView === "function") option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open() {
    if (!items.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function announce(text) {
    status.textContent = text;
  }

  // A same-site http(s) address, or null: the answer should only ever hold /wiki/... links.
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      var parsed = new URL(url, window.location.href);
      if (parsed.origin !== window.location.origin) return null;
      return parsed.href;
    } catch (error) {
      return null;
    }
  }

  function show(found, forQuery) {
    items = [];
    (Array.isArray(found) ? found : []).forEach(function (item) {
      var url = item && safeUrl(item.url);
      if (url && typeof item.title === "string") items.push({ title: item.title, url: url });
    });
    itemsFor = forQuery;
    setActive(-1);
    list.textContent = "";
    items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "site-search-option-" + index;
      option.className = "autocomplete-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-url", item.url);
      option.textContent = item.title; // titles are user text: never innerHTML
      option.dir = "auto"; // and in their own direction: an override in one stays inside it
      list.appendChild(option);
    });
    if (!items.length) {
      pendingKey = null;
      close();
      announce("");
      return;
    }
    if (document.activeElement === input) {
      open();
      if (pendingKey) setActive(pendingKey === "ArrowDown" ? 0 : items.length - 1);
    }
    pendingKey = null;
    announce(items.length === 1 ? "1 suggestion" : items.length + " suggestions");
  }

  function fetchTitles(prefix) {
    var ticket = ++latest;
    fetch(endpoint + (endpoint.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(prefix), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (reply) { return reply.ok ? reply.json() : []; })
      .then(function (found) {
        if (ticket !== latest) return; // an older answer arriving late
        show(found, prefix);
      })
      .catch(function () {
        if (ticket === latest) show([], prefix);
      });
  }

  function go(index) {
    var item = items[index];
    if (!item) return;
    close();
    window.location.assign(item.url);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    pendingKey = null;
    var prefix = query();
    if (prefix.length < MIN_CHARS) {
      latest++; // drop answers still on their way
      items = [];
      itemsFor = null;
      list.textContent = "";
      close();
      announce("");
      return;
    }
    setActive(-1); // the highlight belonged to the old text
    timer = setTimeout(function () { fetchTitles(prefix); }, DELAY_MS);
  });

  input.addEventListener("keydown", function (event) {
    if (event.isComposing || event.altKey && event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var count = items.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!isOpen()) {
          if (count && itemsFor === query()) {
            event.preventDefault();
            open();
            if (!event.altKey) setActive(event.key === "ArrowDown" ? 0 : count - 1);
          } else if (query().length >= MIN_CHARS) {
            event.preventDefault();
            pendingKey = event.altKey ? null : event.key;
            clearTimeout(timer);
            fetchTitles(query());
          }
          return;
        }
        event.preventDefault();
        if (event.key === "ArrowDown") setActive(active + 1 >= count ? 0 : active + 1);
        else setActive(active <= 0 ? count - 1 : active - 1);
        return;
      case "Enter":
        if (isOpen() && active >= 0) {
          event.preventDefault();
          go(active);
        } else {
          close(); // the form is submitted: a full-text search
        }
        return;
      case "Escape":
        if (isOpen()) {
          event.preventDefault(); // do not also clear the box, as type=search does
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
        return;
      case "Tab":
        close();
        return;
      default:
        return;
    }
  });

  input.addEventListener("focus", function () {
    if (items.length && itemsFor === query()) open();
  });
  input.addEventListener("blur", function () {
    close();
  });

  // mousedown would move the focus out of the box (closing the list) before the click.
  list.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  list.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (!option) return;
    var index = Array.prototype.indexOf.call(list.children, option);
    if ((event.ctrlKey || event.metaKey) && items[index]) { // as a link would: a new tab
      window.open(items[index].url, "_blank", "noopener");
      return;
    }
    go(index);
  });
})();
