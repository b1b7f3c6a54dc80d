// What htmx does not do for us: open dialogs, dismiss toasts, show times in the reader's zone, report lost requests.
(function () {
  "use strict";
  var TOAST_MS = 6000;

  function dismiss(toast) {
    toast.classList.add("leaving");
    setTimeout(function () { toast.remove(); }, 250);
  }

  function toast(message, kind) {
    var region = document.getElementById("toasts");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "toast toast-" + (kind || "error");
    box.setAttribute("role", kind === "success" ? "status" : "alert");
    box.setAttribute("data-toast", "");
    var text = document.createElement("span");
    text.className = "toast-message";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.setAttribute("data-toast-close", "");
    close.textContent = "\u00d7";
    box.append(text, close);
    region.append(box);  // placed and timed by the region's observer, as a server's toast is
  }
  window.avatarToast = toast;

  // A toast never covers the control just used (its place is kept: htmx may have redrawn it since): when it would,
  // the toasts move to the top of the screen.
  var lastControl = null;
  function remember(event) { if (event.target.getBoundingClientRect) lastControl = event.target.getBoundingClientRect(); }
  document.addEventListener("pointerdown", remember, true);
  document.addEventListener("focusin", remember);

  function keepClear(box) {
    var region = box.parentElement;
    if (!region || !lastControl) return;
    region.classList.remove("toasts-top");
    var shown = region.getBoundingClientRect();
    if (lastControl.bottom > shown.top && lastControl.top < shown.bottom && lastControl.right > shown.left &&
        lastControl.left < shown.right) {
      region.classList.add("toasts-top");
    }
  }

  function scheduleDismiss(box) {
    keepClear(box);
    if (box.dataset.scheduled) return;
    box.dataset.scheduled = "1";
    setTimeout(function () { if (box.isConnected) dismiss(box); }, TOAST_MS);
  }

  // Each toast is placed the moment it enters the region, before the page is painted: htmx's own load event comes
  // only after its settle delay, and for those milliseconds a toast could sit over the control just used.
  // A boosted page brings a new region, watched in its turn.
  function watchToasts(region) {
    if (region.dataset.watched) return;
    region.dataset.watched = "1";
    within(region, "[data-toast]").forEach(scheduleDismiss);  // the ones the page was rendered with
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) within(node, "[data-toast]").forEach(scheduleDismiss);
        });
      });
    }).observe(region, { childList: true });
  }

  function localTimes(root) {
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    within(root, "time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date)) el.textContent = format.format(date);
    });
  }

  // The generate button shows what the chosen variations cost, and is disabled with a reason when the balance is short.
  function updateCost(form) {
    // Starting from a photo (a project's avatar or a file) costs the from-reference price.
    var reference = Array.from(form.querySelectorAll("[data-reference]")).some(function (el) { return el.value; });
    var unit = Number(reference && form.dataset.referenceCost ? form.dataset.referenceCost : form.dataset.unitCost);
    var checked = form.querySelector("input[name=count]:checked");
    var count = checked ? Number(checked.value) : 1;
    var balanceEl = document.getElementById("credit-balance");
    var balance = balanceEl ? Number(balanceEl.dataset.balance) : Infinity;
    var cost = unit * count;
    form.querySelectorAll("[data-cost]").forEach(function (el) { el.textContent = cost; });
    form.querySelectorAll("[data-balance-text]").forEach(function (el) { el.textContent = balance; });
    form.querySelectorAll("[data-cost-label]").forEach(function (el) {
      el.textContent = count + (count === 1 ? " avatar" : " avatars");
    });
    var short = cost > balance;
    form.querySelector("[data-cost-button]").disabled = short;
    form.querySelector("[data-cost-reason]").hidden = !short;
  }

  // Upload: a dropped or picked file is previewed before it is sent; the name follows the file's until it is edited.
  function showPreview(zone, file) {
    var img = zone.querySelector("[data-preview]");
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    img.dataset.url = URL.createObjectURL(file);
    img.src = img.dataset.url;
    zone.classList.add("has-file");
    zone.querySelector("[data-file-name]").textContent = file.name + " · " + Math.ceil(file.size / 1024) + " KB";
    var form = zone.closest("form");
    var name = form && form.querySelector("input[name=name]");
    if (name && (!name.value || name.value === name.dataset.fromFile)) {
      name.value = name.dataset.fromFile = file.name.replace(/\.[^.]+$/, "").slice(0, 100);
    }
  }

  // The server's words too (request_limits.file_too_large); MB are 2^20 bytes, as AVATAR_MAX_UPLOAD_BYTES counts.
  function megabytes(size) { return (size / 1048576).toFixed(1).replace(/\.0$/, "") + " MB"; }

  function tooLarge(file, limit) {
    var largest = megabytes(limit);
    var stated = file.size > limit ? megabytes(file.size) : largest;
    return "The file is " + (stated === largest ? "over " : "") + stated + "; the largest accepted is " + largest + ".";
  }

  function resetProgress(root) {
    root.querySelectorAll("[data-upload-progress]").forEach(function (bar) { bar.hidden = true; bar.value = 0; });
  }

  // A file over the limit is refused here, before a byte is sent: its message in the field's slot, the choice undone.
  function accept(zone, input, file) {
    var form = zone.closest("form");
    var limit = Number(form && form.dataset.maxBytes);
    var slot = document.getElementById(input.id + "-error");
    if (slot) slot.textContent = "";
    resetProgress(form || zone);
    if (limit && file.size > limit) {
      if (slot) slot.textContent = tooLarge(file, limit);
      input.value = "";
      zone.classList.remove("has-file");
      zone.querySelector("[data-file-name]").textContent = "";
      return;
    }
    showPreview(zone, file);
  }

  function initDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    input.addEventListener("change", function () { if (input.files[0]) accept(zone, input, input.files[0]); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      accept(zone, input, input.files[0]);
    });
  }

  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = event.target.querySelector && event.target.querySelector("[data-upload-progress]");
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });

  // A refused upload starts its bar again from nothing.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful && event.target.querySelectorAll) resetProgress(event.target);
  });

  // htmx hands onLoad the new element itself, which querySelectorAll alone would skip.
  function within(root, selector) {
    var found = Array.from(root.querySelectorAll(selector));
    return root.matches && root.matches(selector) ? [root].concat(found) : found;
  }

  function init(root) {
    localTimes(root);
    // Colours chosen on the server arrive as data-hue, -skin, -hair: the CSP refuses style attributes, not styles
    // set by a script.
    within(root, "[data-hue]").forEach(function (el) {
      ["hue", "skin", "hair"].forEach(function (name) {
        if (el.dataset[name]) el.style.setProperty("--" + name, el.dataset[name]);
      });
    });
    within(root, "[data-cost-form]").forEach(function (form) {
      form.addEventListener("change", function () { updateCost(form); });
      updateCost(form);
    });
    within(root, "[data-dropzone]").forEach(initDropzone);
    within(root, "#toasts").forEach(watchToasts);
    within(root, "dialog[data-open-on-load]").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
    });
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (!dialog) return;
      if (opener.dataset.avatarId) {  // the one delete dialog of the gallery, pointed at this avatar
        dialog.querySelector("[data-avatar-id]").value = opener.dataset.avatarId;
        dialog.querySelector("[data-avatar-name]").textContent = opener.dataset.avatarName;
      }
      dialog.showModal();
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) { closer.closest("dialog").close(); return; }
    if (event.target.tagName === "DIALOG") event.target.close();  // a click on the backdrop
    var toastClose = event.target.closest("[data-toast-close]");
    if (toastClose) dismiss(toastClose.closest("[data-toast]"));
  });

  // A stored upload: close its dialog and make it ready for the next photo.
  document.addEventListener("uploaded", function () {
    var dialog = document.getElementById("upload");
    if (!dialog) return;
    var form = dialog.querySelector("form");
    form.reset();
    form.querySelectorAll("[data-dropzone]").forEach(function (zone) { zone.classList.remove("has-file"); });
    form.querySelectorAll("[data-file-name]").forEach(function (el) { el.textContent = ""; });
    resetProgress(form);
    form.querySelectorAll("input[name=name]").forEach(function (name) { delete name.dataset.fromFile; });
    dialog.close();
  });

  // Which live events refresh an element with hx-trigger="sse:…" and data-sse-filter: hx-trigger's own filters
  // would need eval, which the Content-Security-Policy forbids. The payloads are JSON (API.md, GET …/events).
  function payload(message) { return JSON.parse(message.data); }
  var SSE_FILTERS = {
    generating: function (type, event, el) {
      if (type === "queue") return !!document.querySelector("#generating .status-pending");
      return event.projectId === el.dataset.projectId;
    },
    balance: function (type, event) { return type !== "generation" || event.status !== "processing"; },
    "new-avatar": function (type, event, el) {
      return event.action === "created" && event.projectId === el.dataset.projectId &&
        !document.getElementById("avatar-" + event.id);  // this tab's own upload is already there
    }
  };
  ["sse:generation", "sse:queue", "sse:avatar"].forEach(function (type) {
    // Captured at the document, before htmx's listener on the element: stopping it there means no request.
    document.addEventListener(type, function (event) {
      var filter = event.target.dataset && SSE_FILTERS[event.target.dataset.sseFilter];
      if (filter && !filter(type.slice(4), payload(event.detail), event.target)) event.stopPropagation();
    }, true);
  });
  // The new-avatar element asks for the card of the avatar its event names.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (event.target.dataset.sseFilter === "new-avatar" && trigger) {
      event.detail.parameters.id = payload(trigger.detail).id;
    }
  });

  // An upload's answer and its live event may both bring the same new card: the second is not swapped in.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var card = event.detail.fragment.querySelector && event.detail.fragment.querySelector(".avatar-card[id]");
    if (card && document.getElementById(card.id)) event.detail.shouldSwap = false;
  });

  document.addEventListener("htmx:sendError", function () {
    toast("Cannot reach the server. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    toast("The server took too long to answer. Try again.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) htmx.onLoad(init); else init(document);
  });
})();
