// Accessibility of the dashboard (GB/T 37668, WCAG 2 AA) where Dash's own components fall short, and
// a data table beside every chart. Dash serves this file from dashboard/assets/ on every page; it
// watches the page (Dash draws it after loading and redraws it on every navigation) and fixes each
// new or re-rendered part:
// - the document's language follows the page's (zh-CN, or en with ?lang=en);
// - dcc.Dropdown (Dash 4) puts Tab focus on an aria-hidden input that hands focus on to its button:
//   the button takes Tab focus itself, the hidden input none, and the button is named by its label;
// - dcc.RadioItems (Dash 4) draws a listbox of options that each hold a radio button (an interactive
//   control inside another): it becomes a radio group of native radio buttons, named by its label;
// - dcc.Upload's file input is named by the words of its drop zone;
// - each Plotly chart gets a "数据表 / Data table" (a disclosure under the chart; visually hidden for
//   a KPI card's sparkline) with the figures it draws, taken from the chart's own data.
(function () {
  "use strict";

  function english() {
    return (document.documentElement.lang || "").slice(0, 2) === "en";
  }

  // ------------------------------------------------------------------ language of the document
  function syncLanguage() {
    var page = document.querySelector(".page[lang]");
    var wanted = page ? (page.getAttribute("lang") === "en" ? "en" : "zh-CN") : null;
    if (!wanted) {
      var match = /[?&]lang=en(&|$)/.test(window.location.search);
      wanted = match ? "en" : "zh-CN";
    }
    if (document.documentElement.lang !== wanted) document.documentElement.lang = wanted;
  }

  // ------------------------------------------------------------------ controls' names
  function labelId(box) {
    var label = box && box.querySelector(":scope > label.control-label");
    if (!label) return null;
    if (!label.id) label.id = (box.id || "control") + "-label";
    return label.id;
  }

  function fixDropdown(wrapper) {
    var target = wrapper.querySelector(":scope > .dash-dropdown-focus-target");
    var button = wrapper.querySelector(":scope > button.dash-dropdown");
    if (!target || !button) return;
    // Dash gives the hidden input tabindex 0 again each time its button loses focus.
    if (target.getAttribute("tabindex") !== "-1") target.setAttribute("tabindex", "-1");
    if (button.disabled) {
      if (button.getAttribute("tabindex") !== "-1") button.setAttribute("tabindex", "-1");
    } else if (button.getAttribute("tabindex") !== "0") {
      button.setAttribute("tabindex", "0");
    }
    var label = labelId(wrapper.parentElement);
    var named = button.getAttribute("aria-labelledby") || "";
    if (label && named.split(" ").indexOf(label) < 0) {
      button.setAttribute("aria-labelledby", (label + " " + named).trim());
    }
  }

  function fixRadios(list) {
    if (list.getAttribute("role") !== "radiogroup") list.setAttribute("role", "radiogroup");
    var label = labelId(list.parentElement);
    if (label && list.getAttribute("aria-labelledby") !== label) list.setAttribute("aria-labelledby", label);
    list.querySelectorAll(":scope > label.dash-options-list-option").forEach(function (option) {
      // A label that holds a native radio button is already a radio button with a name.
      if (option.hasAttribute("role")) option.removeAttribute("role");
      if (option.hasAttribute("aria-selected")) option.removeAttribute("aria-selected");
    });
  }

  function fixUpload(input) {
    if (input.hasAttribute("aria-label") || input.labels.length) return;
    var zone = input.parentElement;
    var words = zone ? zone.textContent.trim() : "";
    input.setAttribute("aria-label", words || (english() ? "Choose a file" : "选择文件"));
  }

  // ------------------------------------------------------------------ charts' data tables
  var GEO = { choropleth: 1, choroplethmap: 1, choroplethmapbox: 1, scattergeo: 1, scattermap: 1, scattermapbox: 1 };

  function number(value) {
    if (value === null || value === undefined || value === "" || (typeof value === "number" && isNaN(value))) {
      return "—";
    }
    if (typeof value !== "number") return String(value);
    return value.toLocaleString(english() ? "en-US" : "zh-CN", { maximumFractionDigits: 2 });
  }

  function plain(text) {
    // A line break the chart put inside one name (a long header wrapped: 发现隐患和违<br>法行为,
    // "Hazards and<br>violations found") rejoins as the name; between two parts of a label
    // (河东区<br>807家次) it reads " · ".
    return String(text)
      .replace(/([\u2e80-\u9fff])<br\s*\/?>(?=[\u2e80-\u9fff])/g, "$1")
      .replace(/([A-Za-z,])<br\s*\/?>(?=[A-Za-z(])/g, "$1 ")
      .replace(/<br\s*\/?>/gi, " · ")
      .replace(/<[^>]*>/g, "")
      .trim();
  }

  function shown(trace, i, value) {
    // A label the chart prints on the mark ("807家次", "+5.2%", "未报送") says it as the chart does.
    var text = Array.isArray(trace.text) ? trace.text[i] : null;
    return typeof text === "string" && text.trim() !== "" ? plain(text) : number(value);
  }

  function tickText(axis, value) {
    if (axis && Array.isArray(axis.tickvals) && Array.isArray(axis.ticktext)) {
      var at = axis.tickvals.indexOf(value);
      if (at >= 0) return plain(axis.ticktext[at]);
    }
    return plain(value);
  }

  function axisTitle(axis) {
    var title = axis && axis.title;
    return plain((title && (title.text || (typeof title === "string" ? title : ""))) || "");
  }

  function tablesOf(gd) {
    var layout = gd.layout || {};
    var tables = [];
    var categories = null; // bar, scatter and the like, merged on their category axis
    var areas = null; // maps: one row per area or point
    (gd.data || []).forEach(function (trace, t) {
      if (!trace || trace.visible === false || trace.visible === "legendonly") return;
      var type = trace.type || "scatter";
      if (type === "heatmap") {
        var x = trace.x || [];
        var rows = (trace.z || []).map(function (zRow, i) {
          return [plain((trace.y || [])[i] !== undefined ? trace.y[i] : i + 1)].concat(
            zRow.map(function (z, j) {
              var text = Array.isArray(trace.text) && Array.isArray(trace.text[i]) ? trace.text[i][j] : null;
              if (typeof text === "string") return text.trim() === "" ? "—" : plain(text);
              return number(z);
            })
          );
        });
        tables.push({ head: [""].concat(x.map(plain)), rows: rows });
      } else if (GEO[type]) {
        if (trace.mode === "text") return; // place names written on the map, no figures
        var count = (trace.locations || trace.lon || trace.lat || []).length;
        areas = areas || { head: [english() ? "Area" : "区划", english() ? "Value" : "数值"], rows: [] };
        for (var i = 0; i < count; i++) {
          var hover = Array.isArray(trace.hovertext) ? trace.hovertext[i] : null;
          var text = plain(hover || (Array.isArray(trace.text) ? trace.text[i] : "") || (trace.locations || [])[i] || "");
          var cut = text.search(/[：:]/);
          var value = trace.z ? number(trace.z[i]) : "—";
          areas.rows.push(cut > 0 ? [text.slice(0, cut).trim(), text.slice(cut + 1).trim()] : [text, value]);
        }
      } else if (type === "pie") {
        tables.push({
          head: ["", plain(trace.name || "")],
          rows: (trace.labels || []).map(function (label, i) {
            return [plain(label), shown(trace, i, (trace.values || [])[i])];
          }),
        });
      } else if (trace.x || trace.y) {
        var horizontal = trace.orientation === "h";
        var keys = (horizontal ? trace.y : trace.x) || [];
        var values = (horizontal ? trace.x : trace.y) || [];
        var keyAxis = horizontal ? layout.yaxis : layout.xaxis;
        var valueAxis = horizontal ? layout.xaxis : layout.yaxis;
        if (!categories) {
          categories = { head: [axisTitle(keyAxis) || (english() ? "Item" : "项目")], order: [], cells: {} };
        }
        var column = categories.head.length;
        categories.head.push(plain(trace.name || axisTitle(valueAxis) || (english() ? "Value" : "数值")));
        keys.forEach(function (key, i) {
          var name = tickText(keyAxis, key);
          if (!(name in categories.cells)) {
            categories.cells[name] = {};
            categories.order.push(name);
          }
          categories.cells[name][column] = shown(trace, i, values[i]);
        });
        categories.traces = t + 1;
      }
    });
    if (categories) {
      var width = categories.head.length;
      tables.unshift({
        head: categories.head,
        rows: categories.order.map(function (name) {
          var row = [name];
          for (var c = 1; c < width; c++) row.push(c in categories.cells[name] ? categories.cells[name][c] : "—");
          return row;
        }),
      });
    }
    if (areas) tables.push(areas);
    return tables;
  }

  function caption(gd) {
    var section = gd.closest("section, .kpi-card");
    var heading = section && section.querySelector("h3, .kpi-name");
    var title = gd.layout && gd.layout.title;
    return plain((heading && heading.textContent) || (title && (title.text || title)) || "");
  }

  function build(gd, tables) {
    var box = document.createElement("div");
    tables.forEach(function (spec) {
      var table = document.createElement("table");
      table.className = "data-table chart-data";
      var cap = caption(gd);
      if (cap) {
        var c = document.createElement("caption");
        c.textContent = cap;
        table.appendChild(c);
      }
      var head = document.createElement("thead");
      var tr = document.createElement("tr");
      spec.head.forEach(function (text) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = text;
        tr.appendChild(th);
      });
      head.appendChild(tr);
      table.appendChild(head);
      var body = document.createElement("tbody");
      spec.rows.forEach(function (row) {
        var r = document.createElement("tr");
        row.forEach(function (text, i) {
          var cell = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) cell.scope = "row";
          cell.textContent = text;
          r.appendChild(cell);
        });
        body.appendChild(r);
      });
      table.appendChild(body);
      box.appendChild(table);
    });
    return box;
  }

  var disclosures = new Map(); // the chart's outer element (dcc.Graph's div) → its disclosure

  function chartTable(gd) {
    var graph = gd.parentElement;
    if (!graph || !gd.data) return;
    var tables = tablesOf(gd);
    var spark = !!gd.closest(".kpi-spark, .kpi-card");
    var holder = disclosures.get(graph);
    if (!holder || holder.previousElementSibling !== graph) {
      if (holder) holder.remove();
      if (spark) {
        holder = document.createElement("div");
        holder.className = "chart-table visually-hidden";
      } else {
        holder = document.createElement("details");
        holder.className = "chart-table no-print";
        holder.appendChild(document.createElement("summary"));
      }
      graph.insertAdjacentElement("afterend", holder);
      disclosures.set(graph, holder);
    }
    if (graph.id) holder.id = graph.id + "-table";
    var summary = holder.querySelector(":scope > summary");
    if (summary) summary.textContent = english() ? "Data table" : "数据表";
    var content = build(gd, tables);
    var old = holder.querySelector(":scope > div");
    if (old && old.innerHTML === content.innerHTML) return;
    if (old) old.remove();
    holder.appendChild(content);
  }

  function watchChart(gd) {
    if (gd.__tableWatched || typeof gd.on !== "function") return;
    gd.__tableWatched = true;
    gd.on("plotly_afterplot", function () {
      chartTable(gd);
    });
    chartTable(gd);
  }

  function forgetGone() {
    disclosures.forEach(function (holder, graph) {
      if (!graph.isConnected) {
        holder.remove();
        disclosures.delete(graph);
      }
    });
  }

  // ------------------------------------------------------------------ the watch
  function fixAll() {
    syncLanguage();
    document.querySelectorAll(".dash-dropdown-wrapper").forEach(fixDropdown);
    document.querySelectorAll(".dash-options-list.dash-radioitems").forEach(fixRadios);
    document.querySelectorAll("input[type=file]").forEach(fixUpload);
    document.querySelectorAll(".js-plotly-plot").forEach(watchChart);
    forgetGone();
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    // A microtask: after React's change, before the browser paints or axe looks.
    Promise.resolve().then(function () {
      pending = false;
      fixAll();
    });
  }

  function start() {
    new MutationObserver(schedule).observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["tabindex", "role", "aria-selected", "lang", "class"],
    });
    fixAll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
