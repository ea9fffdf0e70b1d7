// Plotly draws a choropleth on a geo subplot, and before drawing one it fetches a world base map
// (topojson) from its CDN, even when every base layer is hidden. The dashboard's maps draw their own
// district boundaries and the server may have no internet: an empty base map is given here, so
// nothing is fetched (and no failed request ends up in the console).
(function () {
  var assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} });
  assets.topojson = assets.topojson || {};
  assets.topojson["world_110m"] = { type: "Topology", objects: {}, arcs: [] };
})();
