// Charts are drawn for the screen's width; before printing, redraw them for the A4 page (and back
// afterwards). Plotly's responsive charts follow the window's resize event.
(function () {
  function resize() {
    window.dispatchEvent(new Event("resize"));
  }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  if (window.matchMedia) {
    var query = window.matchMedia("print");
    if (query.addEventListener) {
      query.addEventListener("change", resize);
    }
  }
})();
