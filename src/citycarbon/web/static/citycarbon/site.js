// Page behaviour that would otherwise be inline script (the Content-Security-Policy allows
// scripts from our own static files only):
// - a <select data-autosubmit> submits its form when changed (the language switch);
// - an htmx target with data-swap-422 shows a 422 answer (the what-if form's errors)
//   instead of treating it as a failure;
// - the menu button (#nav-toggle, shown on narrow screens) opens and closes the navigation;
//   Escape closes it too and puts the focus back on the button.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("#nav-toggle") : null;
    if (!button) {
      return;
    }
    var header = button.closest("header.site");
    var open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    var header = document.querySelector("header.site.open");
    if (event.key !== "Escape" || !header) {
      return;
    }
    header.classList.remove("open");
    var button = header.querySelector("#nav-toggle");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.dataset.autosubmit !== undefined && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-swap-422") &&
        event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
