// The page editor (edit, new page and edit conflict screens): live preview, a formatting
// toolbar with keyboard shortcuts, Ctrl/Cmd+S to save and a warning before leaving with
// unsaved changes. Without JavaScript the form still works: Save and Preview post it.
//
// Relies on: form[data-editor][data-preview-url] holding textarea[name=body], the hidden
// csrf_token input and button[name=action][value=save]; an optional .editor-pane around the
// text area; an optional section#editor-preview (the server's no-JS preview) to take over.
// The space the page is in (wiki links resolve there) is the form's "space" field (the new
// page form's select) or else its data-space attribute; the page's id (data-page-id, none
// for a new page) makes its files' attachment: links resolve in the preview.
(function () {
  "use strict";

  var form = document.querySelector("form[data-editor]");
  if (!form) return;
  var textarea = form.querySelector("textarea[name=body]");
  if (!textarea) return;

  var isMac = /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent || "");
  var saveButton = form.querySelector("button[name=action][value=save]");
  var submitting = false;

  // ---------------------------------------------------------------- editing helpers

  // Replaces value[start:end] with text, then selects [start + selStart, start + selEnd].
  // document.execCommand("insertText") keeps the browser's undo stack (Ctrl+Z) working and
  // fires the input event itself; setRangeText is the fallback where it is unsupported.
  function replaceRange(start, end, text, selStart, selEnd) {
    var old = textarea.value;
    var expected = old.slice(0, start) + text + old.slice(end);
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var inserted = false;
    try {
      inserted = typeof document.execCommand === "function" &&
        document.execCommand("insertText", false, text);
    } catch (error) {
      inserted = false;
    }
    if (!inserted || textarea.value !== expected) {
      if (typeof textarea.setRangeText === "function" && textarea.value === old) {
        textarea.setRangeText(text, start, end, "end");
      } else {
        textarea.value = expected;
      }
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(start + selStart, start + selEnd);
  }

  function selection() {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    return { start: start, end: end, text: textarea.value.slice(start, end) };
  }

  // The selection without the spaces around it (a double click often takes the next space).
  function trimmedSelection() {
    var sel = selection();
    var lead = sel.text.length - sel.text.replace(/^\s+/, "").length;
    var text = sel.text.trim();
    if (text === "") return { start: sel.end, end: sel.end, text: "" }; // keep selected spaces
    return { start: sel.start + lead, end: sel.start + lead + text.length, text: text };
  }

  // Wraps the selection in before/after (or unwraps it when already wrapped); with nothing
  // selected, inserts before + placeholder + after and selects the placeholder.
  function wrapInline(before, after, placeholder) {
    var value = textarea.value;
    var sel = trimmedSelection();
    if (sel.text === "") {
      replaceRange(sel.start, sel.end, before + placeholder + after,
        before.length, before.length + placeholder.length);
      return;
    }
    var start = sel.start;
    var end = sel.end;
    var inner = sel.text;
    if (value.slice(start - before.length, start) === before && value.slice(end, end + after.length) === after) {
      replaceRange(start - before.length, end + after.length, inner, 0, inner.length);
      return;
    }
    if (inner.length >= before.length + after.length &&
        inner.slice(0, before.length) === before && inner.slice(inner.length - after.length) === after) {
      var unwrapped = inner.slice(before.length, inner.length - after.length);
      replaceRange(start, end, unwrapped, 0, unwrapped.length);
      return;
    }
    replaceRange(start, end, before + inner + after, before.length, before.length + inner.length);
  }

  // The whole lines touched by the selection: [lineStart, lineEnd) without the final newline.
  function selectedLines() {
    var value = textarea.value;
    var sel = selection();
    var lineStart = sel.start === 0 ? 0 : value.lastIndexOf("\n", sel.start - 1) + 1;
    var last = sel.end > sel.start && value.charAt(sel.end - 1) === "\n" ? sel.end - 1 : sel.end;
    var lineEnd = value.indexOf("\n", last);
    if (lineEnd === -1) lineEnd = value.length;
    return { start: lineStart, end: lineEnd, hadSelection: sel.end > sel.start, text: value.slice(lineStart, lineEnd) };
  }

  // Turns every non-empty selected line on (`add`) or, when all of them already are
  // (`has`), off (`remove`). An empty line gets `empty` with `placeholder` selected in it.
  function toggleLines(has, add, remove, empty, placeholder) {
    var block = selectedLines();
    if (block.text.trim() === "") {
      var at = empty.indexOf(placeholder);
      replaceRange(block.start, block.end, empty, at, at + placeholder.length);
      return;
    }
    var lines = block.text.split("\n");
    var filled = lines.filter(function (line) { return line.trim() !== ""; });
    var allHave = filled.every(function (line) { return has.test(line); });
    var out = lines.map(function (line) {
      if (line.trim() === "") return line;
      return allHave ? remove(line) : has.test(line) ? line : add(line);
    }).join("\n");
    replaceRange(block.start, block.end, out, block.hadSelection ? 0 : out.length, out.length);
  }

  function isUrl(text) {
    return /^(https?:\/\/|mailto:)\S+$/i.test(text);
  }

  var actions = {
    bold: function () { wrapInline("**", "**", "bold text"); },
    italic: function () { wrapInline("_", "_", "italic text"); },
    heading: function () {
      toggleLines(/^## /,
        function (line) { return "## " + line.replace(/^#{1,6}\s+/, ""); },
        function (line) { return line.slice(3); },
        "## Heading", "Heading");
    },
    link: function () {
      var sel = trimmedSelection();
      var template = "[link text](https://)";
      if (sel.text === "") {
        replaceRange(sel.start, sel.end, template, 1, 10); // "link text" selected
      } else if (isUrl(sel.text)) {
        replaceRange(sel.start, sel.end, "[link text](" + sel.text + ")", 1, 10);
      } else if (sel.text.indexOf("\n") !== -1) {
        replaceRange(sel.end, sel.end, " " + template, 2, 11); // links do not span lines
      } else {
        var link = "[" + sel.text + "](https://)";
        replaceRange(sel.start, sel.end, link, sel.text.length + 3, link.length - 1); // the address
      }
    },
    wikilink: function () {
      var sel = trimmedSelection();
      if (sel.text === "") {
        replaceRange(sel.start, sel.end, "[[Page title]]", 2, 12);
      } else if (sel.text.indexOf("\n") !== -1) {
        replaceRange(sel.end, sel.end, " [[Page title]]", 3, 13);
      } else {
        replaceRange(sel.start, sel.end, "[[" + sel.text + "]]", 2, 2 + sel.text.length);
      }
    },
    list: function () { // indentation (nesting) is kept; numbered items become bullets
      toggleLines(/^\s*- /,
        function (line) { return line.replace(/^(\s*)(?:(?:[*+]|\d+[.)])\s+)?/, "$1- "); },
        function (line) { return line.replace(/^(\s*)- /, "$1"); },
        "- List item", "List item");
    },
    code: function () {
      var sel = trimmedSelection();
      if (sel.text.indexOf("\n") === -1) { // inline code
        var ticks = sel.text.indexOf("`") === -1 ? "`" : "``";
        var pad = ticks === "``" ? " " : "";
        wrapInline(ticks + pad, pad + ticks, "code");
        return;
      }
      var block = selectedLines(); // several lines: a fenced block around the whole lines
      var fence = "```";
      while (block.text.indexOf(fence) !== -1) fence += "`";
      var out = fence + "\n" + block.text + "\n" + fence;
      replaceRange(block.start, block.end, out, fence.length + 1, fence.length + 1 + block.text.length);
    },
    table: function () {
      var value = textarea.value;
      var at = textarea.selectionEnd;
      var head = value.slice(0, at);
      var tail = value.slice(at);
      var before = at === 0 || /\n\n$/.test(head) ? "" : /\n$/.test(head) ? "\n" : "\n\n";
      var after = tail === "" ? "\n" : /^\n\n/.test(tail) ? "" : /^\n/.test(tail) ? "\n" : "\n\n";
      var table = "| Column 1 | Column 2 |\n| --- | --- |\n| Cell | Cell |";
      var first = before.length + 2;
      replaceRange(at, at, before + table + after, first, first + "Column 1".length);
    }
  };

  // ---------------------------------------------------------------- toolbar

  function shortcutText(key) {
    return isMac ? "\u2318" + key : "Ctrl+" + key;
  }

  var buttons = [
    { action: "bold", label: "Bold", glyph: "B", key: "B" },
    { action: "italic", label: "Italic", glyph: "I", key: "I" },
    { action: "heading", label: "Heading", glyph: "H" },
    { action: "link", label: "Link", glyph: "Link", key: "K", group: true },
    { action: "wikilink", label: "Wiki link", glyph: "[[ ]]" },
    { action: "list", label: "Bulleted list", glyph: "\u2022 List", group: true },
    { action: "code", label: "Code", glyph: "</>" },
    { action: "table", label: "Table", glyph: "Table" }
  ];

  var toolbar = document.createElement("div");
  toolbar.className = "editor-toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Formatting");
  toolbar.setAttribute("aria-controls", textarea.id || "body");

  buttons.forEach(function (spec, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "tool tool-" + spec.action + (spec.group ? " group-start" : "");
    button.setAttribute("data-action", spec.action);
    button.setAttribute("aria-label", spec.label);
    button.title = spec.key ? spec.label + " (" + shortcutText(spec.key) + ")" : spec.label;
    if (spec.key) button.setAttribute("aria-keyshortcuts", (isMac ? "Meta+" : "Control+") + spec.key);
    button.tabIndex = index === 0 ? 0 : -1;
    var glyph = document.createElement("span");
    glyph.setAttribute("aria-hidden", "true");
    glyph.textContent = spec.glyph;
    button.appendChild(glyph);
    toolbar.appendChild(button);
  });

  function toolbarButtons() {
    return Array.prototype.slice.call(toolbar.querySelectorAll("button"));
  }

  function moveToolbarFocus(target) {
    toolbarButtons().forEach(function (button) { button.tabIndex = button === target ? 0 : -1; });
    target.focus();
  }

  // Keep the text area's focus and selection when a button is clicked with the mouse.
  toolbar.addEventListener("mousedown", function (event) {
    if (event.target.closest("button")) event.preventDefault();
  });
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    toolbarButtons().forEach(function (other) { other.tabIndex = other === button ? 0 : -1; });
    actions[button.getAttribute("data-action")]();
  });
  // Roving focus: one Tab stop for the toolbar, arrow keys move between its buttons.
  toolbar.addEventListener("keydown", function (event) {
    var all = toolbarButtons();
    var index = all.indexOf(document.activeElement);
    if (index === -1) return;
    var next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = all[(index + 1) % all.length];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = all[(index - 1 + all.length) % all.length];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    if (next) {
      event.preventDefault();
      moveToolbarFocus(next);
    }
  });

  textarea.parentNode.insertBefore(toolbar, textarea);

  function primaryModifier(event) {
    return isMac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  }

  textarea.addEventListener("keydown", function (event) {
    if (event.isComposing || event.altKey || event.shiftKey || !primaryModifier(event)) return;
    var key = (event.key || "").toLowerCase();
    var action = key === "b" ? "bold" : key === "i" ? "italic" : key === "k" ? "link" : null;
    if (!action) return;
    event.preventDefault();
    actions[action]();
  });

  // ---------------------------------------------------------------- save shortcut

  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.altKey || event.shiftKey) return;
    if (!(event.ctrlKey || event.metaKey) || (event.key || "").toLowerCase() !== "s") return;
    event.preventDefault(); // never the browser's "Save page as"
    if (submitting || event.repeat) return;
    if (typeof form.requestSubmit === "function") {
      // Submits like a click on Save (action=save included), validation included.
      if (saveButton) form.requestSubmit(saveButton);
      else form.requestSubmit();
    } else if (saveButton) {
      saveButton.click();
    } else {
      form.submit();
    }
  });

  // ---------------------------------------------------------------- leave warning

  // defaultValue is what the server sent, so text the browser restored after a reload also
  // counts as unsaved.
  var watched = ["body", "summary", "tags", "title"].map(function (name) {
    var field = form.elements.namedItem(name);
    return field && typeof field.defaultValue === "string" ? field : null;
  }).filter(Boolean);

  // The value a field had as the server sent it. A one-line <input> drops line breaks from
  // its value attribute (the HTML value sanitization): a title from /-/new?title=a%0Ab is
  // "ab" in the field, which is no change by the user.
  function sentValue(field) {
    var value = field.defaultValue;
    return field.tagName === "INPUT" ? value.replace(/[\r\n]/g, "") : value;
  }

  function isDirty() {
    return watched.some(function (field) { return field.value !== sentValue(field); });
  }

  function warnBeforeLeaving(event) {
    if (submitting || !isDirty()) return undefined;
    event.preventDefault();
    event.returnValue = ""; // older browsers need returnValue set to show the dialog
    return "";
  }

  var warning = false;
  function updateWarning() {
    var dirty = !submitting && isDirty();
    if (dirty && !warning) window.addEventListener("beforeunload", warnBeforeLeaving);
    if (!dirty && warning) window.removeEventListener("beforeunload", warnBeforeLeaving);
    warning = dirty;
  }

  form.addEventListener("input", updateWarning);
  form.addEventListener("change", updateWarning);
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    submitting = true; // saving or previewing is not leaving
    updateWarning();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { // back to this page from the browser's cache: editable again
      submitting = false;
      updateWarning();
    }
  });
  updateWarning();

  // ---------------------------------------------------------------- live preview

  var previewUrl = form.getAttribute("data-preview-url");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var spaceField = form.elements.namedItem("space");
  var pageId = form.getAttribute("data-page-id") || "";
  if (!previewUrl || !window.fetch) return;

  var pane = form.querySelector(".editor-pane");
  var preview = document.getElementById("editor-preview");
  if (!preview) {
    preview = document.createElement("section");
    preview.id = "editor-preview";
    preview.className = "preview";
    var container = pane || textarea.parentNode.parentNode;
    if (pane) {
      pane.appendChild(preview);
    } else {
      container.insertBefore(preview, textarea.parentNode.nextSibling);
    }
  }
  preview.classList.add("live-preview");
  if (pane) pane.classList.add("has-preview");

  var heading = preview.querySelector("h2");
  if (!heading) {
    heading = document.createElement("h2");
    heading.textContent = "Preview";
    preview.insertBefore(heading, preview.firstChild);
  }
  if (!heading.id) heading.id = "editor-preview-heading";
  preview.setAttribute("aria-labelledby", heading.id);

  // Only short messages are announced (errors, "Preview unavailable"), not the whole
  // rendered page on every pause in typing.
  var message = preview.querySelector(".preview-message");
  if (!message) {
    message = document.createElement("p");
    message.className = "preview-message";
    message.setAttribute("aria-live", "polite");
    heading.parentNode.insertBefore(message, heading.nextSibling);
  }
  var output = preview.querySelector(".markdown-body");
  if (!output) {
    output = document.createElement("div");
    output.className = "markdown-body";
    preview.appendChild(output);
  }

  var latest = 0;
  var timer = null;
  var lastSent = null;

  function showMessage(text, isError) {
    message.textContent = text;
    message.classList.toggle("is-error", Boolean(isError));
    preview.classList.toggle("has-error", Boolean(isError));
  }

  // The rendered page sits under the "Preview" h2 of the editing screen, so its headings
  // move two levels down (h1 becomes h3...) to keep the screen's outline, and one
  // page-level h1; class preview-hN keeps the look of the level they had.
  function showRendered(html) {
    var template = document.createElement("template");
    template.innerHTML = html; // sanitised by the server's rendering pipeline
    var fragment = template.content;
    Array.prototype.slice.call(fragment.querySelectorAll("h1, h2, h3, h4, h5, h6")).forEach(function (old) {
      var level = Number(old.tagName.charAt(1));
      var heading = document.createElement("h" + Math.min(6, level + 2));
      Array.prototype.forEach.call(old.attributes, function (attribute) {
        heading.setAttribute(attribute.name, attribute.value);
      });
      heading.classList.add("preview-h" + level);
      while (old.firstChild) heading.appendChild(old.firstChild);
      old.parentNode.replaceChild(heading, old);
    });
    output.textContent = "";
    output.appendChild(fragment);
  }

  function currentSpace() {
    if (spaceField && typeof spaceField.value === "string") return spaceField.value;
    return form.getAttribute("data-space") || "";
  }

  function render() {
    var body = textarea.value;
    var space = currentSpace();
    var sending = space + "\n" + body;
    if (sending === lastSent) return;
    lastSent = sending;
    var ticket = ++latest;
    var data = new URLSearchParams();
    data.append("body", body);
    data.append("space", space);
    if (pageId) data.append("page", pageId);
    var headers = { "Accept": "application/json" };
    if (tokenField) {
      data.append("csrf_token", tokenField.value);
      headers["X-CSRFToken"] = tokenField.value;
    }
    preview.setAttribute("aria-busy", "true");
    fetch(previewUrl, { method: "POST", body: data, headers: headers, credentials: "same-origin" })
      .then(function (reply) {
        var type = reply.headers.get("Content-Type") || "";
        var json = type.indexOf("application/json") !== -1 ? reply.json() : Promise.resolve(null);
        return json.then(function (answer) { return { status: reply.status, ok: reply.ok, answer: answer }; });
      })
      .then(function (result) {
        if (ticket !== latest) return; // an older answer arriving late
        preview.removeAttribute("aria-busy");
        var answer = result.answer;
        if (result.ok && answer && typeof answer.html === "string") {
          showMessage("", false);
          output.classList.remove("is-stale");
          output.hidden = false;
          showRendered(answer.html);
        } else if (result.status === 400 && answer && typeof answer.error === "string") {
          showMessage(answer.error, true);
          output.textContent = "";
          output.hidden = true;
        } else {
          throw new Error("preview answered " + result.status);
        }
      })
      .catch(function () {
        if (ticket !== latest) return;
        preview.removeAttribute("aria-busy");
        lastSent = null; // try again on the next change
        showMessage("Preview unavailable", true);
        output.classList.add("is-stale");
      });
  }

  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  if (spaceField && spaceField.addEventListener) {
    spaceField.addEventListener("change", function () {
      clearTimeout(timer);
      render(); // the same text links elsewhere in another space
    });
  }
  render();
})();
