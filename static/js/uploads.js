// Uploading files to a page without leaving the screen: from the editor (an "Attach files"
// button in its toolbar, pasting files or screenshots into the text, dropping files on it)
// and from the Files tab (its upload form, which also takes dropped files). Each file goes
// up in a request of its own, so each has its own progress line and its own answer.
// Without JavaScript the Files tab's form posts as usual and the editor has no button.
//
// Relies on: in the editor, form[data-editor] with textarea[name=body], the hidden
// csrf_token input, data-upload-url (the page's POST /wiki/<slug>/files), data-page-id and
// data-max-file-bytes; or data-uploads-later on the new page form (no page to attach files
// to yet). On the Files tab, form[data-uploader] with its file input, comment field,
// csrf_token, data-max-file-bytes, and #file-list around the list of files, reloaded when
// the uploads are done; button.copy-markdown[data-markdown] in the list copy its text.
(function () {
  "use strict";

  var LATER = "Save the page once to attach files.";

  // ---------------------------------------------------------------- shared helpers

  // Sizes as the server words them (wiki.files.attachments: _size).
  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " bytes";
  }

  // Why the server would refuse this file, in its words; null when it may go up.
  function refusal(file, name, maxBytes) {
    if (file.size === 0) return "\u201c" + name + "\u201d is empty. Nothing was uploaded.";
    if (maxBytes > 0 && file.size > maxBytes) {
      return "\u201c" + name + "\u201d is " + sizeText(file.size) + "; files may be at most " +
        sizeText(maxBytes) + ". Nothing was uploaded.";
    }
    return null;
  }

  function numberAttribute(element, name) {
    var value = Number(element.getAttribute(name));
    return isFinite(value) && value > 0 ? value : 0;
  }

  function hasFiles(transfer) {
    return Boolean(transfer) && Array.prototype.indexOf.call(transfer.types || [], "Files") !== -1;
  }

  function filesOf(transfer) {
    if (!transfer) return [];
    var files = Array.prototype.slice.call(transfer.files || []);
    if (files.length === 0 && transfer.items) { // some browsers only list pasted files here
      Array.prototype.forEach.call(transfer.items, function (item) {
        var file = item.kind === "file" ? item.getAsFile() : null;
        if (file) files.push(file);
      });
    }
    return files;
  }

  // One file up to the page: multipart with the CSRF token, the answer as JSON.
  // progress(fraction) while it goes; done(error, described file) once answered.
  function send(options, progress, done) {
    var data = new FormData();
    data.append("csrf_token", options.token);
    if (options.comment) data.append("comment", options.comment);
    data.append("file", options.file, options.name);
    var request = new XMLHttpRequest();
    request.open("POST", options.url);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", options.token);
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && event.total > 0) progress(event.loaded / event.total);
    });
    request.addEventListener("load", function () {
      var answer = null;
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") !== -1) {
        try {
          answer = JSON.parse(request.responseText);
        } catch (error) {
          answer = null;
        }
      }
      if (request.status === 200 && answer && answer.files && answer.files.length) {
        done(null, answer.files[0]);
      } else if (answer && typeof answer.error === "string") {
        done(answer.error);
      } else if (request.status === 200) { // a login form after the session ended, say
        done("The upload of \u201c" + options.name + "\u201d was not accepted: reload the page (you may have been logged out) and try again.");
      } else {
        done("The upload of \u201c" + options.name + "\u201d failed (the server answered " +
          request.status + "). Try again.");
      }
    });
    request.addEventListener("error", function () {
      done("The upload of \u201c" + options.name + "\u201d failed: the server could not be reached. Try again.");
    });
    request.addEventListener("abort", function () {
      done("The upload of \u201c" + options.name + "\u201d was stopped.");
    });
    request.send(data);
  }

  // The list of uploads under a form: one line per file with its progress, and a line for
  // messages. It is the screen's one status region, hidden until it has something to say
  // (the flash messages of the last page load, if any, give way to it). Lines are added
  // and changed, not the whole region: only what changed is announced.
  function StatusList(parent, before) {
    this.region = document.createElement("div");
    this.region.className = "upload-status";
    this.region.setAttribute("role", "status");
    this.region.setAttribute("aria-live", "polite");
    this.region.setAttribute("aria-atomic", "false");
    this.region.hidden = true;
    this.message = document.createElement("p");
    this.message.className = "upload-message";
    this.list = document.createElement("ul");
    this.list.className = "upload-list";
    this.region.appendChild(this.message);
    this.region.appendChild(this.list);
    parent.insertBefore(this.region, before || null);
  }

  StatusList.prototype.show = function () {
    if (!this.region.hidden) return;
    this.region.hidden = false;
    var flashes = document.querySelector(".flashes[role=status]");
    if (flashes) flashes.hidden = true;
  };

  StatusList.prototype.say = function (text, isError) {
    this.show();
    this.message.textContent = text;
    this.message.classList.toggle("is-error", Boolean(isError));
  };

  // A new batch of uploads: lines of finished uploads and old messages go.
  StatusList.prototype.clearFinished = function () {
    this.message.textContent = "";
    this.message.classList.remove("is-error");
    Array.prototype.slice.call(this.list.children).forEach(function (line) {
      if (!line.classList.contains("is-uploading")) line.parentNode.removeChild(line);
    });
  };

  StatusList.prototype.add = function (name) {
    this.show();
    return new Entry(this.list, name);
  };

  function Entry(list, name) {
    this.line = document.createElement("li");
    this.line.className = "upload-item is-uploading";
    var label = document.createElement("span");
    label.className = "upload-name";
    label.setAttribute("dir", "auto");
    label.textContent = name;
    this.bar = document.createElement("progress");
    this.bar.max = 100;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", "Upload of " + name);
    this.state = document.createElement("span");
    this.state.className = "upload-state";
    this.state.textContent = "uploading\u2026";
    this.line.appendChild(label);
    this.line.appendChild(this.bar);
    this.line.appendChild(this.state);
    list.appendChild(this.line);
  }

  Entry.prototype.progress = function (fraction) {
    // The last bit waits for the server's answer (it stores and checks the file).
    this.bar.value = Math.min(99, Math.round(fraction * 100));
  };

  Entry.prototype.done = function (text) {
    this.bar.value = 100;
    this.line.classList.remove("is-uploading");
    this.line.classList.add("is-done");
    this.state.textContent = text;
  };

  Entry.prototype.fail = function (text) {
    if (this.bar.parentNode) this.bar.parentNode.removeChild(this.bar);
    this.line.classList.remove("is-uploading");
    this.line.classList.add("is-error");
    this.state.textContent = text;
  };

  // Marks `target` while files are dragged over it (class is-dropping) and hands dropped
  // files to `take`. Other drags (text within the page) keep their usual behaviour.
  function dropTarget(target, take) {
    var depth = 0; // dragenter/dragleave also fire for the target's children
    function over(event) {
      if (!hasFiles(event.dataTransfer)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      target.classList.add("is-dropping");
    }
    target.addEventListener("dragenter", function (event) {
      if (!hasFiles(event.dataTransfer)) return;
      depth += 1;
      over(event);
    });
    target.addEventListener("dragover", over);
    target.addEventListener("dragleave", function (event) {
      if (!hasFiles(event.dataTransfer)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) target.classList.remove("is-dropping");
    });
    target.addEventListener("drop", function (event) {
      depth = 0;
      target.classList.remove("is-dropping");
      var files = filesOf(event.dataTransfer);
      if (files.length === 0) return;
      event.preventDefault();
      take(files);
    });
  }

  // A file dropped beside the target would make the browser leave the page to show it,
  // taking unsaved work along: elsewhere on the screen files cannot be dropped.
  function guardPage() {
    document.addEventListener("dragover", function (event) {
      if (!hasFiles(event.dataTransfer) || event.defaultPrevented) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    });
    document.addEventListener("drop", function (event) {
      if (hasFiles(event.dataTransfer) && !event.defaultPrevented) event.preventDefault();
    });
  }

  // ---------------------------------------------------------------- the editor

  function setUpEditor(form) {
    var textarea = form.querySelector("textarea[name=body]");
    if (!textarea) return;
    var url = form.getAttribute("data-upload-url");
    var later = !url && form.hasAttribute("data-uploads-later");
    if (!url && !later) return;
    var tokenField = form.querySelector("input[name=csrf_token]");
    var maxBytes = numberAttribute(form, "data-max-file-bytes");
    var pending = []; // placeholders of uploads still going
    var pastedNames = {}; // names given to pasted pictures on this screen

    var status = new StatusList(textarea.parentNode, textarea); // between toolbar and text

    // ---- the button and its file chooser

    var chooser = document.createElement("input");
    chooser.type = "file";
    chooser.multiple = true;
    chooser.hidden = true;
    chooser.tabIndex = -1;
    chooser.className = "attach-input";
    chooser.setAttribute("aria-label", "Attach files");

    var button = document.createElement("button");
    button.type = "button";
    button.className = "tool tool-attach group-start";
    button.setAttribute("aria-label", "Attach files");
    var glyph = document.createElement("span");
    glyph.setAttribute("aria-hidden", "true");
    glyph.textContent = "Attach";
    button.appendChild(glyph);
    button.title = later ? LATER : "Attach files (or paste or drop them onto the text)";
    if (later) {
      // Still focusable, so that it can say why it does nothing (a disabled button cannot).
      button.setAttribute("aria-disabled", "true");
      var why = document.createElement("span");
      why.id = "attach-later-help";
      why.className = "sr-only";
      why.textContent = LATER;
      textarea.parentNode.appendChild(why);
      button.setAttribute("aria-describedby", why.id);
    }

    var toolbar = form.querySelector(".editor-toolbar");
    if (toolbar) {
      button.tabIndex = -1; // the toolbar is one Tab stop; arrow keys reach the button
      toolbar.appendChild(button);
    } else {
      textarea.parentNode.insertBefore(button, textarea);
    }
    textarea.parentNode.appendChild(chooser);

    button.addEventListener("click", function () {
      if (later) {
        status.say(LATER, false);
        return;
      }
      chooser.click();
    });
    chooser.addEventListener("change", function () {
      var files = Array.prototype.slice.call(chooser.files || []);
      chooser.value = ""; // the same file may be chosen again
      if (files.length) attach(files.map(named));
    });

    // ---- paste and drop

    textarea.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      var files = filesOf(data);
      if (files.length === 0) return;
      // Cells copied from a spreadsheet come as text and as a picture of them: the text wins.
      if (Array.prototype.indexOf.call(data.types || [], "text/plain") !== -1) return;
      event.preventDefault();
      attach(files.map(pasted));
    });

    dropTarget(textarea, function (files) { attach(files.map(named)); });
    guardPage();

    // Saving (or the server's preview) while files are still going up would keep their
    // placeholders in the text and lose the answers. Capturing on the document runs first.
    document.addEventListener("submit", function (event) {
      if (event.target !== form || pending.length === 0) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      status.say("Wait until the files are uploaded, then save.", true);
    }, true);

    // ---- the text

    function markdownLabel(name) {
      return name.replace(/[\\\[\]]/g, function (c) { return "\\" + c; }).replace(/[\r\n]+/g, " ");
    }

    function placeholderFor(name) {
      var base = "![Uploading " + markdownLabel(name);
      var text = base + "\u2026]()";
      for (var n = 2; textarea.value.indexOf(text) !== -1 || pending.indexOf(text) !== -1; n++) {
        text = base + " (" + n + ")\u2026]()";
      }
      return text;
    }

    // Inserts at the cursor as typing would (the browser's undo stack keeps it).
    function insertAtCursor(text) {
      var start = textarea.selectionStart;
      var end = textarea.selectionEnd;
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
        textarea.value = expected;
        textarea.setSelectionRange(start + text.length, start + text.length);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }

    // Replaces a placeholder wherever the typing since moved it, leaving the cursor where
    // it was in the text around it (after the placeholder: after its replacement). Without
    // a replacement, the placeholder goes with the line break after it when it stood on a
    // line of its own. False when the placeholder is no longer in the text.
    function replacePlaceholder(placeholder, text) {
      var value = textarea.value;
      var at = value.indexOf(placeholder);
      if (at === -1) return false;
      var end = at + placeholder.length;
      if (text === "" && (at === 0 || value.charAt(at - 1) === "\n") && value.charAt(end) === "\n") {
        end += 1;
      }
      var moved = function (offset) {
        if (offset >= end) return offset + text.length - (end - at);
        return offset > at ? at + text.length : offset;
      };
      var start = moved(textarea.selectionStart);
      var stop = moved(textarea.selectionEnd);
      var direction = textarea.selectionDirection;
      textarea.setRangeText(text, at, end);
      textarea.setSelectionRange(start, stop, direction);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      return true;
    }

    // ---- uploading

    // items: [{file, name}], the name to upload the file as.
    function attach(items) {
      if (later) {
        status.say(LATER, false);
        return;
      }
      if (pending.length === 0) status.clearFinished();
      var going = [];
      var placeholders = [];
      items.forEach(function (item) {
        item.entry = status.add(item.name);
        var problem = refusal(item.file, item.name, maxBytes);
        if (problem) {
          item.entry.fail(problem);
          return;
        }
        item.placeholder = placeholderFor(item.name);
        pending.push(item.placeholder);
        placeholders.push(item.placeholder);
        going.push(item);
      });
      if (placeholders.length === 0) return;
      insertAtCursor(placeholders.join("\n"));
      going.forEach(upload);
    }

    function upload(item) {
      send({ url: url, token: tokenField ? tokenField.value : "", file: item.file, name: item.name },
        function (fraction) { item.entry.progress(fraction); },
        function (error, described) {
          pending.splice(pending.indexOf(item.placeholder), 1);
          if (error) {
            replacePlaceholder(item.placeholder, "");
            item.entry.fail(error);
            return;
          }
          var shown = replacePlaceholder(item.placeholder, described.markdown);
          var text = described.unchanged ? "done: already attached, unchanged" :
            described.version > 1 ? "done: version " + described.version : "done";
          if (!shown) text += " (its placeholder was gone from the text, so no link was added)";
          item.entry.done(text);
        });
    }

    function named(file) {
      return { file: file, name: file.name || "file" };
    }

    // Screenshots pasted from the clipboard are all called "image.png": each gets a name of
    // its own from the time, so that a second one is not a new version of the first.
    function pasted(file) {
      var type = (file.type || "").toLowerCase();
      var generic = !file.name || /^image\.(png|jpe?g|gif|webp|bmp|tiff?)$/i.test(file.name);
      if (!generic || type.indexOf("image/") !== 0) return named(file);
      var extension = { "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" }[type] ||
        (file.name ? file.name.split(".").pop().toLowerCase() : "png");
      var now = new Date();
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      var stamp = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
        "-" + pad(now.getHours()) + pad(now.getMinutes()) + pad(now.getSeconds());
      var name = "screenshot-" + stamp + "." + extension;
      for (var n = 2; pastedNames[name]; n++) name = "screenshot-" + stamp + "-" + n + "." + extension;
      pastedNames[name] = true;
      return { file: file, name: name };
    }
  }

  // ---------------------------------------------------------------- the Files tab

  function setUpFilesTab(form) {
    var input = form.querySelector("input[type=file]");
    var comment = form.elements.namedItem("comment");
    var tokenField = form.querySelector("input[name=csrf_token]");
    if (!input || !window.FormData) return null;
    var maxBytes = numberAttribute(form, "data-max-file-bytes");
    var url = form.getAttribute("action");
    var going = 0;
    var uploaded = 0;

    var hint = document.createElement("p");
    hint.className = "drop-hint help";
    hint.textContent = "You can also drop files onto this box.";
    var actions = form.querySelector(".actions");
    form.insertBefore(hint, actions);
    form.classList.add("drop-zone");
    var status = new StatusList(form, null);

    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length === 0) return; // the browser says a file is needed
      event.preventDefault();
      start(files);
    });
    dropTarget(form, start);
    guardPage();

    function start(files) {
      if (going === 0) {
        status.clearFinished();
        uploaded = 0;
      }
      var note = comment ? comment.value : "";
      files.forEach(function (file) {
        var name = file.name || "file";
        var entry = status.add(name);
        var problem = refusal(file, name, maxBytes);
        if (problem) {
          entry.fail(problem);
          return;
        }
        going += 1;
        send({ url: url, token: tokenField ? tokenField.value : "", file: file, name: name, comment: note },
          function (fraction) { entry.progress(fraction); },
          function (error, described) {
            going -= 1;
            if (error) {
              entry.fail(error);
            } else {
              uploaded += 1;
              entry.done(described.unchanged ? "done: already here, unchanged" :
                described.version > 1 ? "done: version " + described.version : "done");
            }
            if (going === 0) finished();
          });
      });
      input.value = "";
    }

    function finished() {
      if (uploaded === 0) return;
      if (comment) comment.value = "";
      reloadList();
    }

    return status;
  }

  // The list of files as the server has it now, in place of the one shown.
  function reloadList() {
    var shown = document.getElementById("file-list");
    if (!shown || !window.fetch || !window.DOMParser) {
      window.location.reload();
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (reply) {
        if (!reply.ok) throw new Error("the list answered " + reply.status);
        return reply.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("file-list");
        if (!fresh) throw new Error("no list in the answer");
        shown.replaceWith(document.importNode(fresh, true));
        showCopyButtons(document);
      })
      .catch(function () { window.location.reload(); });
  }

  // ---------------------------------------------------------------- copy buttons

  function showCopyButtons(root) {
    Array.prototype.forEach.call(root.querySelectorAll("button.copy-markdown[data-markdown]"), function (button) {
      button.hidden = false;
    });
  }

  function copyText(text) {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      return navigator.clipboard.writeText(text).catch(function () { return copyBySelection(text); });
    }
    return copyBySelection(text);
  }

  // Where the asynchronous clipboard is missing or refused: copy a selected text.
  function copyBySelection(text) {
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.setAttribute("aria-hidden", "true");
      field.tabIndex = -1;
      field.className = "sr-only";
      document.body.appendChild(field);
      field.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      document.body.removeChild(field);
      if (copied) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function setUpCopyButtons(status) {
    showCopyButtons(document);
    document.addEventListener("click", function (event) {
      var button = event.target.closest("button.copy-markdown[data-markdown]");
      if (!button) return;
      var text = button.getAttribute("data-markdown");
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      copyText(text).then(function () {
        button.textContent = "Copied";
        status.say("Copied " + text + " to the clipboard: paste it into the page's text.", false);
        setTimeout(function () { button.textContent = label; }, 2500);
      }, function () {
        status.say("The browser did not let the page copy. The text to copy: " + text, true);
      });
    });
  }

  // ---------------------------------------------------------------- start

  var editorForm = document.querySelector("form[data-editor]");
  if (editorForm) setUpEditor(editorForm);

  var uploaderForm = document.querySelector("form[data-uploader]");
  var filesStatus = uploaderForm ? setUpFilesTab(uploaderForm) : null;
  if (filesStatus) setUpCopyButtons(filesStatus);
})();
