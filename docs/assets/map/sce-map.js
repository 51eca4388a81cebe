// Pan, zoom and popups for the site's maps (plain SVG, no library, no request).
(function () {
  "use strict";
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function setup(map) {
    var svg = map.querySelector("svg");
    if (!svg) { return; }
    var base = svg.viewBox.baseVal;
    var home = { x: base.x, y: base.y, w: base.width, h: base.height };
    var view = { x: home.x, y: home.y, w: home.w, h: home.h };
    var popup = map.querySelector(".sce-popup");
    var popupBody = popup ? popup.querySelector(".sce-popup-body") : null;
    function declutter() {
      var k = home.w / view.w;
      svg.querySelectorAll("[data-r]").forEach(function (el) {
        var r = parseFloat(el.getAttribute("data-r")) / Math.sqrt(k);
        if (el.tagName === "circle") { el.setAttribute("r", r.toFixed(2)); }
      });
      var labels = Array.prototype.slice.call(svg.querySelectorAll(".sce-label"));
      labels.sort(function (a, b) { return a.getAttribute("data-rank") - b.getAttribute("data-rank"); });
      var kept = [];
      labels.forEach(function (label) {
        var r = parseFloat(label.getAttribute("data-r")) / Math.sqrt(k);
        label.setAttribute("font-size", (11 / k).toFixed(3));
        label.setAttribute("x", (parseFloat(label.getAttribute("data-x")) + r + 2 / k).toFixed(2));
        label.style.display = "";
        var box = label.getBoundingClientRect();
        var svgBox = svg.getBoundingClientRect();
        var inside = box.left >= svgBox.left && box.right <= svgBox.right && box.top >= svgBox.top && box.bottom <= svgBox.bottom;
        if (!inside || kept.some(function (other) { return overlaps(box, other); })) {
          label.style.display = "none";
        } else {
          kept.push(box);
        }
      });
    }
    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) { return v.toFixed(2); }).join(" "));
      declutter();
    }
    function zoom(factor, cx, cy) {
      var w = Math.min(home.w, Math.max(home.w / 40, view.w / factor));
      var h = w * home.h / home.w;
      cx = cx === undefined ? view.x + view.w / 2 : cx;
      cy = cy === undefined ? view.y + view.h / 2 : cy;
      view.x = cx - (cx - view.x) * w / view.w;
      view.y = cy - (cy - view.y) * h / view.h;
      view.w = w; view.h = h;
      apply();
    }
    function toSvg(evt) {
      var box = svg.getBoundingClientRect();
      return { x: view.x + (evt.clientX - box.left) / box.width * view.w,
               y: view.y + (evt.clientY - box.top) / box.height * view.h };
    }
    map.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var what = button.getAttribute("data-zoom");
        if (what === "in") { zoom(1.6); } else if (what === "out") { zoom(1 / 1.6); }
        else { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
      });
    });
    svg.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      var at = toSvg(evt);
      zoom(evt.deltaY < 0 ? 1.25 : 0.8, at.x, at.y);
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) {
      drag = { x: evt.clientX, y: evt.clientY, vx: view.x, vy: view.y, moved: false };
    });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) { return; }
      var box = svg.getBoundingClientRect();
      var dx = (evt.clientX - drag.x) / box.width * view.w, dy = (evt.clientY - drag.y) / box.height * view.h;
      if (Math.abs(evt.clientX - drag.x) + Math.abs(evt.clientY - drag.y) > 4) { drag.moved = true; }
      if (drag.moved) { view.x = drag.vx - dx; view.y = drag.vy - dy; apply(); }
    });
    function endDrag() { setTimeout(function () { drag = null; }, 0); }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointerleave", endDrag);
    function open(target) {
      var id = target.getAttribute("data-popup");
      var content = id ? document.getElementById(id) : null;
      if (!content || !popup) { return; }
      popupBody.innerHTML = content.innerHTML;  // the site's own escaped HTML
      popup.hidden = false;
      popup.scrollTop = 0;
    }
    svg.querySelectorAll("[data-popup]").forEach(function (el) {
      el.addEventListener("click", function (evt) {
        if (drag && drag.moved) { return; }
        evt.stopPropagation();
        open(el);
      });
      el.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter" || evt.key === " ") { evt.preventDefault(); open(el); }
      });
    });
    if (popup) {
      popup.querySelector(".sce-popup-close").addEventListener("click", function () { popup.hidden = true; });
    }
    apply();
    window.addEventListener("resize", declutter);
  }
  function init() { document.querySelectorAll(".sce-map").forEach(setup); }
  if (typeof document$ !== "undefined") { document$.subscribe(init); }
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
// The events table's filter: show the rows that contain the typed text.
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("input.sce-filter").forEach(function (input) {
      var table = input.closest("article").querySelector("table");
      if (!table) { return; }
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        table.querySelectorAll("tbody tr").forEach(function (row) {
          row.style.display = !q || row.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
        });
      });
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(init); }
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
