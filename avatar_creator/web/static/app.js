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
    region.append(box);
    scheduleDismiss(box);
  }
  window.avatarToast = toast;

  function scheduleDismiss(box) {
    if (box.dataset.scheduled) return;
    box.dataset.scheduled = "1";
    setTimeout(function () { if (box.isConnected) dismiss(box); }, TOAST_MS);
  }

  function localTimes(root) {
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date)) el.textContent = format.format(date);
    });
  }

  function init(root) {
    localTimes(root);
    root.querySelectorAll("[data-toast]").forEach(scheduleDismiss);
    root.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
    });
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog) dialog.showModal();
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) { closer.closest("dialog").close(); return; }
    if (event.target.tagName === "DIALOG") event.target.close();  // a click on the backdrop
    var toastClose = event.target.closest("[data-toast-close]");
    if (toastClose) dismiss(toastClose.closest("[data-toast]"));
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
