// Before printing: redraw the charts for the A4 page, and lay the data grid out whole (AG Grid's
// "print" layout), since a long grid scrolls inside a fixed box on screen and would print as one
// empty box. Afterwards both go back. Plotly's responsive charts follow the window's resize
// event; the print media query also fires when a test or a PDF export emulates print.
(function () {
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
    grids().forEach(function (el) {
      var api = gridApi(el.id);
      if (!api || saved[el.id]) return;
      saved[el.id] = { layout: api.getGridOption("domLayout") || "normal", height: el.style.height };
      el.style.height = "auto";
      api.setGridOption("domLayout", "print");
    });
    window.dispatchEvent(new Event("resize"));
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
    window.dispatchEvent(new Event("resize"));
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
})();
