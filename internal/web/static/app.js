// Forkline: a little progressive enhancement. Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The site switcher changes site as soon as a site is chosen.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // A whole table row opens its record, not only the code.
  document.querySelectorAll("tr[data-href]").forEach(function (tr) {
    tr.addEventListener("click", function (e) {
      if (e.target.closest("a, button, input, select, label")) return;
      window.location.href = tr.getAttribute("data-href");
    });
  });

  // One tap sends a form once, even on a slow network.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });

  document.querySelectorAll("[data-back]").forEach(function (b) {
    b.addEventListener("click", function () { window.history.back(); });
  });

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // Forms whose buttons do different things (release, hold, reject) are
  // not sent by Enter: the person presses the button they mean.
  document.querySelectorAll("form[data-no-enter] input").forEach(function (i) {
    i.addEventListener("keydown", function (e) {
      if (e.key === "Enter") e.preventDefault();
    });
  });

  // A keyboard-wedge scanner sends FNC1 as Ctrl+] (ASCII 29, the group
  // separator), which browsers drop: put the separator into the scan field,
  // so a lot code followed by more data reads right. Enter, which the
  // scanner sends last, submits the form and the server reads the scan.
  document.querySelectorAll("input[data-scan]").forEach(function (i) {
    i.addEventListener("keydown", function (e) {
      if (e.ctrlKey && (e.key === "]" || e.code === "BracketRight")) {
        e.preventDefault();
        var s = i.selectionStart, t = i.selectionEnd;
        i.value = i.value.slice(0, s) + "\u001d" + i.value.slice(t);
        i.setSelectionRange(s + 1, s + 1);
      }
    });
  });
})();
