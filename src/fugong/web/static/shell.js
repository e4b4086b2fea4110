/* The shell's behaviour (no inline scripts: the pages run under a Content-Security-Policy).
   - <select data-autosubmit> submits its form when changed (the header's date picker, the map's
     controls); without JavaScript the form's own button does it.
   - <button data-print> prints the page. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var form = select.form;
      if (!form) return;
      var go = form.querySelector("button.go");
      if (go) go.hidden = true;
      select.addEventListener("change", function () { form.submit(); });
    });
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
