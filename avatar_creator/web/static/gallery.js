// The gallery: select avatars for the bulk bar (shift-click selects a range, "Select all" every loaded card), open
// one in the lightbox (←/→ through the project, Esc closes, focus goes back where it was), keep a favourite's focus
// and selection when its card is redrawn, and sort as soon as an order is picked. Without script the bar still posts
// what is ticked and a card's image links to the avatar's page.
(function () {
  "use strict";
  var lastBox = null;

  function boxes() { return Array.from(document.querySelectorAll("#gallery [data-select]")); }

  function refreshSelection() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var all = boxes();
    var count = all.filter(function (box) { return box.checked; }).length;
    var tooMany = count > Number(form.dataset.max);
    form.querySelector("[data-selected-count]").textContent = count === 0 ? "None selected"
      : tooMany ? count + " selected: at most " + form.dataset.max + " at once" : count + " selected";
    form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = count === 0 || tooMany;
    });
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) {
      el.textContent = count + (count === 1 ? " avatar" : " avatars");
    });
    var selectAll = form.querySelector("[data-select-all]");
    selectAll.checked = count > 0 && count === all.length;
    selectAll.indeterminate = count > 0 && count < all.length;
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("[data-select]");
    if (box) {
      var all = boxes();
      if (event.shiftKey && lastBox && all.indexOf(lastBox) !== -1) {
        var from = all.indexOf(lastBox), to = all.indexOf(box);
        all.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (other) { other.checked = box.checked; });
      }
      lastBox = box;
      refreshSelection();
      return;
    }
    if (event.target.closest && event.target.closest("[data-select-all]")) {
      var on = event.target.checked;
      boxes().forEach(function (other) { other.checked = on; });
      refreshSelection();
      return;
    }
    var link = event.target.closest && event.target.closest("[data-lightbox]");
    if (link && event.button === 0 && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
      event.preventDefault();
      openLightbox(link.closest("[data-avatar-card]"), link);
      return;
    }
    var step = event.target.closest && event.target.closest("[data-lightbox-step]");
    if (step) move(Number(step.dataset.lightboxStep));
  });

  // The lightbox shows one card of the gallery as it is loaded now.
  var shown = null, opener = null;

  function openLightbox(card, from) {
    var dialog = document.querySelector("[data-lightbox-dialog]");
    if (!dialog || !card) return;
    shown = card;
    var link = card.querySelector("[data-lightbox]");
    var about = card.querySelector("[data-about]");
    dialog.querySelector("[data-lightbox-image]").src = link.dataset.full;
    dialog.querySelector("[data-lightbox-image]").alt = card.querySelector("[data-name]").textContent;
    dialog.querySelector("[data-lightbox-name]").textContent = card.querySelector("[data-name]").textContent;
    dialog.querySelector("[data-lightbox-about]").textContent = about ? about.title : "";
    dialog.querySelector("[data-lightbox-label]").textContent = card.querySelector("[data-label]").textContent;
    dialog.querySelector("[data-lightbox-details]").href = link.getAttribute("href");
    var cards = Array.from(document.querySelectorAll("#gallery [data-avatar-card]"));
    dialog.querySelector("[data-lightbox-step='-1']").disabled = cards.indexOf(card) === 0;
    dialog.querySelector("[data-lightbox-step='1']").disabled = cards.indexOf(card) === cards.length - 1;
    if (!dialog.open) {
      opener = from || document.activeElement;
      dialog.showModal();
    }
  }

  function move(offset) {
    var cards = Array.from(document.querySelectorAll("#gallery [data-avatar-card]"));
    var next = cards[cards.indexOf(shown) + offset];
    if (next) openLightbox(next);
  }

  document.addEventListener("keydown", function (event) {
    var dialog = event.target.closest && event.target.closest("[data-lightbox-dialog]");
    if (!dialog) return;
    if (event.key === "ArrowLeft") { event.preventDefault(); move(-1); }
    if (event.key === "ArrowRight") { event.preventDefault(); move(1); }
  });

  // Esc, Close and the backdrop all end in "close": focus goes back to what opened the lightbox.
  document.addEventListener("close", function (event) {
    if (event.target.matches && event.target.matches("[data-lightbox-dialog]") && opener && opener.isConnected) {
      opener.focus();
    }
  }, true);

  // A favourite answers its redrawn card: give the new button the focus, and the card its tick, back.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var card = event.detail.target && event.detail.target.closest && event.detail.target.closest("[data-avatar-card]");
    if (!card) return;
    var focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.keepFocus : null;
    var box = card.querySelector("[data-select]");
    kept = { id: card.id, focus: focused, checked: box && box.checked };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) return;
    var card = document.getElementById(kept.id);
    if (card) {
      var box = card.querySelector("[data-select]");
      if (box) box.checked = kept.checked;
      var again = kept.focus && card.querySelector("[data-keep-focus='" + kept.focus + "']");
      if (again) again.focus();
    }
    kept = null;
    refreshSelection();
  });

  // Finished cards of the Generating panel can be dismissed. The choice lives in sessionStorage: it is how this tab
  // looks, not data (the work stays in GET …/generations), and the panel forgets such cards within the hour anyway.
  var DISMISSED = "dismissedGenerations";

  function dismissed() {
    try { return JSON.parse(sessionStorage.getItem(DISMISSED) || "[]"); } catch (error) { return []; }
  }

  function dismiss(ids) {
    sessionStorage.setItem(DISMISSED, JSON.stringify(dismissed().concat(ids).slice(-200)));
    hideDismissed();
  }

  function hideDismissed() {
    var panel = document.getElementById("generating");
    if (!panel) return;
    var gone = dismissed();
    var cards = Array.from(panel.querySelectorAll(".generation-card"));
    cards.forEach(function (card) { card.hidden = gone.indexOf(card.id) !== -1; });
    var left = cards.filter(function (card) { return !card.hidden; });
    var head = panel.querySelector(".generating-head");
    if (head) head.hidden = left.length === 0;
    var count = panel.querySelector(".count");
    if (count) count.textContent = left.length;
    var clear = panel.querySelector("[data-dismiss-all]");
    if (clear) clear.hidden = !left.some(function (card) { return card.hasAttribute("data-dismissable"); });
  }

  document.addEventListener("click", function (event) {
    var one = event.target.closest && event.target.closest("[data-dismiss]");
    if (one) {
      var card = one.closest(".generation-card");
      var next = card.nextElementSibling || card.previousElementSibling;
      dismiss([card.id]);
      var focusTo = next && !next.hidden && next.querySelector("button");
      if (focusTo) focusTo.focus(); else document.getElementById("gallery-q").focus();
      return;
    }
    if (event.target.closest && event.target.closest("[data-dismiss-all]")) {
      dismiss(Array.from(document.querySelectorAll("#generating [data-dismissable]")).map(function (card) {
        return card.id;
      }));
      document.getElementById("gallery-q").focus();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-submit-on-change]")) event.target.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var ready = function () { refreshSelection(); hideDismissed(); };
    if (window.htmx) htmx.onLoad(ready); else ready();
  });
})();
