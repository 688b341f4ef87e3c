// Keyboard and small comforts; the page works without this file (plain links and forms).
(function () {
  "use strict";
  var hits = Array.prototype.slice.call(document.querySelectorAll(".hit"));
  var selected = -1;

  function select(i) {
    if (!hits.length) return;
    if (selected >= 0) hits[selected].classList.remove("selected");
    selected = Math.max(0, Math.min(hits.length - 1, i));
    hits[selected].classList.add("selected");
    hits[selected].querySelector("a.open").focus();   // Enter then opens it, as any focused link
  }

  // On the paragraph page, previous/next match moves without reloading.
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark[id^=m]"));
  var shown = document.getElementById("current");
  function step(by) {
    var at = shown ? parseInt(shown.textContent, 10) : 0;
    var to = at + by;
    if (!marks.length || to < 1 || to > marks.length) return;
    marks[at - 1].classList.remove("current");
    marks[to - 1].classList.add("current");
    marks[to - 1].scrollIntoView({block: "center"});
    shown.textContent = String(to);
    var url = new URL(location.href);
    url.searchParams.set("m", String(to));
    url.hash = "m" + to;
    history.replaceState(null, "", url.toString());
    document.querySelectorAll("a[data-step]").forEach(function (a) {
      a.hidden = (a.dataset.step === "-1" && to === 1) || (a.dataset.step === "1" && to === marks.length);
    });
  }
  document.querySelectorAll("a[data-step]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); step(parseInt(a.dataset.step, 10)); });
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA"))) return;
    if (e.key === "/") { e.preventDefault(); var q = document.getElementById("q"); q.focus(); q.select(); }
    else if (e.key === "j") { if (hits.length) select(selected + 1); else step(1); }
    else if (e.key === "k") { if (hits.length) select(selected - 1); else step(-1); }
  });
  var current = document.querySelector("mark.current");
  if (current && !location.hash) current.scrollIntoView({block: "center"});
})();
