// Printing (A4, the browser's Ctrl+P or its PDF export) from a window of any width:
// - every printed page is headed with the page's scope, period and the data's as-of time (the
//   #as-of line) and "第 N 页 / 共 M 页" ("Page N of M"): CSS @page margin boxes (Chromium 131+),
//   whose words this script keeps equal to the page's own line, since CSS cannot read them;
// - a chart drawn wider than the A4 page (the heat map in a 1440 px window) is scaled down to the
//   page's width (CSS zoom, print only), not cut at the page's edge. Printing lays the page out at
//   once, with no time for Plotly to redraw the charts at the page's width, so the scale is kept
//   ready all the time, from each chart's drawn size;
// - the data grid is laid out whole (AG Grid's "print" layout), since a long grid scrolls inside a
//   fixed box on screen and would print as one empty box. Afterwards it goes back.
(function () {
  "use strict";

  // The width of the printed page's content in CSS pixels: A4 (210 mm) less the 10 mm margins of
  // dashboard.css's @page on either side, at 96 px per inch.
  var PRINT_WIDTH = ((210 - 2 * 10) / 25.4) * 96;

  // ------------------------------------------------------------------ charts scaled to the page
  function fitCharts() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var svg = gd.querySelector(".main-svg");
      var outer = gd.parentElement;
      if (!svg || !outer) return;
      var width = parseFloat(svg.getAttribute("width"));
      var height = parseFloat(svg.getAttribute("height"));
      if (!(width > 0 && height > 0)) return;
      var zoom = Math.min(1, PRINT_WIDTH / width);
      var z = zoom.toFixed(4);
      var h = Math.ceil(height * zoom) + "px";
      if (outer.style.getPropertyValue("--print-zoom") !== z) outer.style.setProperty("--print-zoom", z);
      if (outer.style.getPropertyValue("--print-height") !== h) outer.style.setProperty("--print-height", h);
    });
  }

  // ------------------------------------------------------------------ every page's header
  function cssString(text) {
    return '"' + String(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\s+/g, " ") + '"';
  }

  function pageHeader() {
    var line = document.getElementById("as-of");
    var heading = document.getElementById("page-heading");
    var english = (document.documentElement.lang || "").slice(0, 2) === "en";
    var head = [heading && heading.textContent.trim(), line && line.textContent.trim()].filter(Boolean);
    var numbers = english
      ? '"Page " counter(page) " of " counter(pages)'
      : '"第 " counter(page) " 页 / 共 " counter(pages) " 页"';
    var rule =
      "@page { @top-left { content: " +
      (head.length ? cssString(head.join(" · ")) : "none") +
      "; } @top-right { content: " +
      numbers +
      "; } }";
    var style = document.getElementById("print-page-header");
    if (!style) {
      style = document.createElement("style");
      style.id = "print-page-header";
      document.head.appendChild(style);
    }
    if (style.textContent !== rule) style.textContent = rule;
  }

  // ------------------------------------------------------------------ the data grid laid out whole
  var saved = {};

  function grids() {
    return Array.prototype.slice.call(document.querySelectorAll(".values-grid[id]"));
  }

  function gridApi(id) {
    try {
      return window.dash_ag_grid && window.dash_ag_grid.getApi ? window.dash_ag_grid.getApi(id) : null;
    } catch (e) {
      return null; // not drawn yet
    }
  }

  function toPrint() {
    pageHeader();
    fitCharts();
    grids().forEach(function (el) {
      var api = gridApi(el.id);
      if (!api || saved[el.id]) return;
      saved[el.id] = { layout: api.getGridOption("domLayout") || "normal", height: el.style.height };
      el.style.height = "auto";
      api.setGridOption("domLayout", "print");
    });
  }

  function toScreen() {
    grids().forEach(function (el) {
      var api = gridApi(el.id);
      var before = saved[el.id];
      if (!api || !before) return;
      api.setGridOption("domLayout", before.layout);
      el.style.height = before.height;
      delete saved[el.id];
    });
  }

  window.addEventListener("beforeprint", toPrint);
  window.addEventListener("afterprint", toScreen);
  if (window.matchMedia) {
    var query = window.matchMedia("print");
    var follow = function (event) {
      (event.matches ? toPrint : toScreen)();
    };
    if (query.addEventListener) {
      query.addEventListener("change", follow);
    } else if (query.addListener) {
      query.addListener(follow);
    }
  }

  // Kept ready between prints: the header follows the page's line, each chart's scale its size.
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    Promise.resolve().then(function () {
      pending = false;
      pageHeader();
      fitCharts();
    });
  }
  function start() {
    new MutationObserver(refresh).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["width", "height", "lang"],
    });
    refresh();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
