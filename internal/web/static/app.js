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
    f.addEventListener("submit", function (e) {
      setTimeout(function () {
        if (e.defaultPrevented) return;
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
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

  // Badge sign-in: a badge reader types the number and presses Enter,
  // which moves on to the PIN rather than sending the form half filled.
  document.querySelectorAll("input[data-next]").forEach(function (i) {
    var next = document.getElementById(i.getAttribute("data-next"));
    if (!next || !i.form) return;
    i.form.addEventListener("submit", function (e) {
      if (i.value !== "" && next.value === "") {
        e.preventDefault();
        next.focus();
      }
    });
  });

  // The PIN keypad, for gloved fingers: each key types into the PIN field.
  document.querySelectorAll("[data-keypad]").forEach(function (pad) {
    var field = document.getElementById(pad.getAttribute("data-keypad"));
    if (!field) return;
    pad.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-key]");
      if (!b) return;
      var k = b.getAttribute("data-key");
      if (k === "clear") field.value = "";
      else if (k === "back") field.value = field.value.slice(0, -1);
      else if (field.value.length < 8) field.value += k;
    });
  });

  // Live pages: the server streams the state of the page's line; when it
  // changes, the page fetches itself again and swaps its live parts
  // (data-live), leaving the forms and what is typed in them alone. When
  // the page's shape changes (an order starts or completes), it reloads,
  // unless someone is typing.
  var body = document.body;
  var src = body.getAttribute("data-live-src");
  if (src && window.EventSource && window.fetch && window.DOMParser) {
    var status = document.getElementById("live-status");
    var busy = false, again = false, leaving = false;
    // Once the page is being left (a form sent, a link followed), it no
    // longer updates: a reload now would cancel where the user is going.
    var leave = function () { leaving = true; es.close(); };
    document.addEventListener("submit", function (e) {
      setTimeout(function () { if (!e.defaultPrevented) leave(); }, 0);
    });
    window.addEventListener("beforeunload", leave);
    var typing = function () {
      var a = document.activeElement;
      return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA") && a.value !== "";
    };
    var refresh = function () {
      if (leaving) return;
      if (busy) { again = true; return; }
      busy = true;
      fetch(window.location.href, { headers: { "X-Forkline-Live": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          if (leaving) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.body;
          if (fresh.getAttribute("data-live-key") !== body.getAttribute("data-live-key") && !typing()) {
            window.location.reload();
            return;
          }
          document.querySelectorAll("[data-live][id]").forEach(function (el) {
            var n = doc.getElementById(el.id);
            if (n && n.innerHTML !== el.innerHTML) {
              el.innerHTML = n.innerHTML;
              el.className = n.className;
              el.classList.add("live-updated");
              setTimeout(function () { el.classList.remove("live-updated"); }, 1600);
            }
          });
          body.setAttribute("data-live-version", fresh.getAttribute("data-live-version") || "");
        })
        .catch(function () {})
        .then(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    };
    var es = new EventSource(src);
    es.addEventListener("open", function () {
      if (status) { status.hidden = false; status.textContent = "Live"; status.classList.remove("is-off"); }
    });
    es.addEventListener("error", function () {
      if (status) { status.hidden = false; status.textContent = "Reconnecting"; status.classList.add("is-off"); }
    });
    es.addEventListener("line", function (e) {
      var v = "";
      try { v = JSON.parse(e.data).version; } catch (err) { return; }
      if (v && v !== body.getAttribute("data-live-version")) {
        body.setAttribute("data-live-version", v);
        refresh();
      }
    });
    window.addEventListener("pagehide", function () { es.close(); });
  }
  // The plant overview: the server streams each changed line's tile as
  // HTML ({"id", "html"}), which replaces the tile in place.
  var tiles = document.querySelector("[data-tiles-src]");
  if (tiles && window.EventSource) {
    var pill = document.getElementById("plant-live");
    var ts = new EventSource(tiles.getAttribute("data-tiles-src"));
    ts.addEventListener("open", function () {
      if (pill) { pill.hidden = false; pill.textContent = "Live"; pill.classList.remove("is-off"); }
    });
    ts.addEventListener("error", function () {
      if (pill) { pill.hidden = false; pill.textContent = "Reconnecting"; pill.classList.add("is-off"); }
    });
    ts.addEventListener("tile", function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      var old = document.getElementById(d.id);
      var t = document.createElement("template");
      t.innerHTML = d.html;
      var n = t.content.firstElementChild;
      if (!old || !n || old.outerHTML === n.outerHTML) return;
      old.replaceWith(n);
      n.classList.add("live-updated");
      setTimeout(function () { n.classList.remove("live-updated"); }, 1600);
    });
    window.addEventListener("pagehide", function () { ts.close(); });
  }

  // Time in a state moves on between updates: "for 12 min".
  var since = function (s) {
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    if (s < 172800) { var m = Math.floor(s % 3600 / 60); return Math.floor(s / 3600) + " h " + (m < 10 ? "0" : "") + m + " min"; }
    return Math.floor(s / 86400) + " d " + Math.floor(s % 86400 / 3600) + " h";
  };
  setInterval(function () {
    document.querySelectorAll("[data-elapsed]").forEach(function (el) {
      if (!el.hasAttribute("data-drawn")) el.setAttribute("data-drawn", String(Date.now()));
      var s = parseInt(el.getAttribute("data-elapsed"), 10) + Math.floor((Date.now() - parseInt(el.getAttribute("data-drawn"), 10)) / 1000);
      if (!isNaN(s)) el.textContent = "for " + since(s);
    });
  }, 15000);
})();
