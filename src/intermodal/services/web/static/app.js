// The intermodal web app: the network on a map, the route form, and the options as cards, a Pareto chart,
// a leg-by-leg timeline and the emission breakdown. Plain JavaScript over the REST API (docs/api.md); every
// asset is served locally so that the app works offline.
"use strict";

(function () {
  const MODE_COLOURS = {
    road: "#d35400",
    rail: "#7d3c98",
    inland_waterway: "#1f78b4",
    sea: "#138d75",
    walk: "#7f8c8d",
  };
  // the six shuttle lines get their own colours so that they can be told apart on the map
  const LINE_COLOURS = ["#e74c3c", "#f39c12", "#27ae60", "#2980b9", "#8e44ad", "#c0392b"];
  const MODE_RANK = ["sea", "inland_waterway", "rail", "road", "walk"];

  const state = {
    lang: pickLanguage(),
    scenario: "chongqing",
    currency: "CNY",
    terminals: [],
    byId: {},
    lines: [],
    result: null,
    selected: 0,
    picking: null,
    lastProblem: null,
  };

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  };

  // ---------------------------------------------------------------- language

  function pickLanguage() {
    const saved = localStorage.getItem("intermodal.lang");
    if (saved === "en" || saved === "zh") return saved;
    return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
  }

  function t(key, vars) {
    let text = (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
    return text;
  }

  function nameOf(obj) {
    // terminals carry name_en/name_zh; route legs carry {en, zh}
    if (!obj) return "";
    if (obj.en !== undefined) return state.lang === "zh" ? obj.zh || obj.en : obj.en;
    return state.lang === "zh" ? obj.name_zh || obj.name_en : obj.name_en || obj.id;
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((n) => (n.textContent = t(n.dataset.i18n)));
    document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => (n.placeholder = t(n.dataset.i18nPlaceholder)));
    document.querySelectorAll("[data-i18n-title]").forEach((n) => (n.title = t(n.dataset.i18nTitle)));
    $("#lang").textContent = state.lang === "zh" ? "English" : "中文";
    document.title = t("app.title");
    if (state.info) $("#scenario-title").textContent = state.lang === "zh" ? state.info.title_zh : state.info.title_en;
    for (const id of ["from", "to"]) {
      const input = $("#" + id);
      const term = state.byId[input.dataset.value];
      if (term) input.value = nameOf(term);
    }
    drawNetwork();
    drawLegend();
    if (state.result) renderResult();
    if (state.lastProblem) showProblem(state.lastProblem);
  }

  // ---------------------------------------------------------------- formatting

  const num = (x, digits = 0) =>
    Number(x).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });

  function duration(h) {
    const d = Math.floor(h / 24);
    const rest = Math.round(h - d * 24);
    return d > 0 ? t("days_hours", { d, h: rest }) : t("hours", { h: num(h, 1) });
  }

  function when(iso) {
    // show the terminal's own local time, as the API gives it, with its UTC offset
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d)?([+-]\d\d:\d\d|Z)?/.exec(iso || "");
    if (!m) return iso || "";
    const off = m[6] === "Z" || !m[6] ? "UTC" : "UTC" + m[6].replace(":00", "");
    return `${m[2]}-${m[3]} ${m[4]}:${m[5]} (${off})`;
  }

  const money = (x, cur) => `${num(x)} ${cur || state.currency}`;
  const modeName = (m) => t("mode." + m);

  // ---------------------------------------------------------------- map

  const map = L.map("map", { zoomControl: true, worldCopyJump: true, preferCanvas: false }).setView([20, 105], 4);
  map.attributionControl.setPrefix(false);
  map.createPane("basemap").style.zIndex = 200;
  const basemap = L.layerGroup().addTo(map);
  const onlineTiles = L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 18,
    attribution: "© OpenStreetMap contributors",
  });
  const networkLayer = L.layerGroup().addTo(map);
  const linesLayer = L.layerGroup().addTo(map);
  const routeLayer = L.layerGroup().addTo(map);
  let layerControl = null;

  async function loadBasemap() {
    try {
      const topo = await (await fetch("vendor/world-atlas/countries-50m.json")).json();
      const land = topojson.feature(topo, topo.objects.countries);
      const borders = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
      L.geoJSON(land, {
        pane: "basemap",
        interactive: false,
        style: { color: "#c9c2b2", weight: 0.5, fillColor: "#f3efe6", fillOpacity: 1 },
        attribution: "Natural Earth · route geometry © OpenStreetMap contributors",
      }).addTo(basemap);
      L.geoJSON(borders, {
        pane: "basemap",
        interactive: false,
        style: { color: "#a39b8b", weight: 0.8, dashArray: "3 3" },
      }).addTo(basemap);
    } catch (err) {
      console.warn("basemap", err);
    }
  }

  function primaryMode(modes) {
    for (const m of MODE_RANK) if (modes.includes(m)) return m;
    return "road";
  }

  let linkData = [];

  function drawNetwork() {
    networkLayer.clearLayers();
    for (const f of linkData) {
      const p = f.properties;
      L.geoJSON(f, {
        style: { color: MODE_COLOURS[p.mode] || "#555", weight: 2, opacity: 0.55 },
      })
        .bindTooltip(`${modeName(p.mode)} · ${state.lang === "zh" ? p.name_zh || p.name_en : p.name_en} · ${num(p.distance_km)} km`, { sticky: true })
        .addTo(networkLayer);
    }
    for (const term of state.terminals) {
      const colour = MODE_COLOURS[primaryMode(term.modes)];
      const style = term.crossing
        ? { radius: 6, color: "#b03a2e", weight: 2, fillColor: "#fff", fillOpacity: 1 }
        : { radius: 5, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1 };
      const marker = L.circleMarker([term.lat, term.lon], style).addTo(networkLayer);
      marker.bindTooltip(nameOf(term));
      marker.bindPopup(() => terminalPopup(term));
      marker.on("click", () => {
        if (state.picking) {
          setPlace(state.picking, term);
          stopPicking();
          marker.closePopup();
        }
      });
    }
    linesLayer.clearLayers();
    state.lines.forEach((f, i) => {
      const p = f.properties;
      const shuttle = p.line.startsWith("shuttle-");
      const colour = shuttle ? LINE_COLOURS[state.shuttles.indexOf(p.line) % LINE_COLOURS.length] : MODE_COLOURS[p.mode];
      L.geoJSON(f, {
        style: { color: colour, weight: shuttle ? 3 : 1.5, opacity: 0.8, dashArray: shuttle ? "6 4" : "2 4" },
      })
        .bindTooltip(nameOf(p), { sticky: true })
        .addTo(linesLayer);
    });
    if (layerControl) layerControl.remove();
    layerControl = L.control
      .layers(
        { [t("map.offline")]: basemap, [t("map.online")]: onlineTiles },
        { [t("map.network")]: networkLayer, [t("map.lines")]: linesLayer },
        { collapsed: true, position: "topright" }
      )
      .addTo(map);
  }

  function terminalPopup(term) {
    const box = el("div", { class: "popup" });
    box.append(el("strong", { text: nameOf(term) }));
    const facts = [t("kind." + term.kind), term.modes.map(modeName).join(" · ")];
    if (term.locode) facts.push(term.locode);
    box.append(el("div", { class: "muted", text: facts.join(" — ") }));
    const buttons = el("div", { class: "popup-buttons" });
    buttons.append(
      el("button", { type: "button", text: t("map.from_here"), onclick: () => { setPlace("from", term); map.closePopup(); } }),
      el("button", { type: "button", text: t("map.to_here"), onclick: () => { setPlace("to", term); map.closePopup(); } })
    );
    box.append(buttons);
    return box;
  }

  map.on("click", (e) => {
    if (!state.picking) return;
    // a click away from every terminal is a point: the API reaches the network by truck from it
    const here = `${e.latlng.lat.toFixed(4)},${(((e.latlng.lng + 180) % 360 + 360) % 360 - 180).toFixed(4)}`;
    const input = $("#" + state.picking);
    input.value = here;
    input.dataset.value = here;
    stopPicking();
  });

  function drawLegend() {
    const box = $("#legend");
    box.replaceChildren();
    box.append(el("h4", { text: t("legend.modes") }));
    for (const m of ["road", "rail", "inland_waterway", "sea"]) {
      box.append(el("div", { class: "key" }, el("span", { class: "swatch", style: `background:${MODE_COLOURS[m]}` }), modeName(m)));
    }
    box.append(el("div", { class: "key" }, el("span", { class: "swatch ring" }), t("legend.crossing")));
    if (state.shuttles && state.shuttles.length) {
      // a <details>, so that the list folds away when a route needs the room
      const block = el("details", { class: "lines-block" });
      if (!state.result) block.open = true;
      block.append(el("summary", {}, el("h4", { text: t("legend.lines") })));
      const list = el("ol", { class: "lines" });
      state.shuttles.forEach((line, i) => {
        const f = state.lines.find((x) => x.properties.line === line);
        list.append(
          el("li", { class: "key", "data-line": line },
            el("span", { class: "swatch dash", style: `border-color:${LINE_COLOURS[i % LINE_COLOURS.length]}` }),
            shortLineName(f.properties))
        );
      });
      block.append(list);
      box.append(block);
    }
  }

  function shortLineName(p) {
    // "ASEAN shuttle Middle line (Chongqing-Vientiane-Bangkok)" -> "Middle line (Chongqing-Vientiane-Bangkok)"
    const name = nameOf(p);
    return name.replace(/^ASEAN shuttle /, "").replace(/^东盟公路班车/, "");
  }

  // ---------------------------------------------------------------- places: search by name, code or click

  function setPlace(field, term) {
    const input = $("#" + field);
    input.value = nameOf(term);
    input.dataset.value = term.id;
    input.removeAttribute("aria-invalid");
    closeSuggest(field);
  }

  function matches(term, q) {
    const hay = [term.id, term.name_en, term.name_zh, term.locode || ""].join(" ").toLowerCase();
    return q.split(/\s+/).every((w) => hay.includes(w));
  }

  function openSuggest(field) {
    const input = $("#" + field);
    const list = $("#" + field + "-list");
    const q = input.value.trim().toLowerCase();
    input.dataset.value = "";
    list.replaceChildren();
    const found = q ? state.terminals.filter((x) => matches(x, q)).slice(0, 8) : [];
    for (const term of found) {
      const item = el("li", { role: "option", tabindex: "-1", "data-id": term.id },
        el("span", { text: nameOf(term) }),
        el("small", { text: [state.lang === "zh" ? term.name_en : term.name_zh, term.locode].filter(Boolean).join(" · ") }));
      item.addEventListener("mousedown", (e) => { e.preventDefault(); setPlace(field, term); });
      list.append(item);
    }
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
  }

  function closeSuggest(field) {
    $("#" + field + "-list").hidden = true;
    $("#" + field).setAttribute("aria-expanded", "false");
  }

  for (const field of ["from", "to"]) {
    const input = $("#" + field);
    input.addEventListener("input", () => openSuggest(field));
    input.addEventListener("blur", () => setTimeout(() => closeSuggest(field), 100));
    input.addEventListener("keydown", (e) => {
      const list = $("#" + field + "-list");
      const items = [...list.children];
      const cur = items.findIndex((x) => x.classList.contains("active"));
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const next = items[(cur + (e.key === "ArrowDown" ? 1 : items.length - 1)) % Math.max(items.length, 1)];
        items.forEach((x) => x.classList.remove("active"));
        if (next) next.classList.add("active");
      } else if (e.key === "Enter" && !list.hidden && items.length) {
        e.preventDefault();
        setPlace(field, state.byId[(items[cur] || items[0]).dataset.id]);
      } else if (e.key === "Escape") {
        closeSuggest(field);
      }
    });
  }

  document.querySelectorAll(".pin").forEach((b) =>
    b.addEventListener("click", () => {
      state.picking = b.dataset.target;
      document.body.classList.add("picking");
      $("#" + b.dataset.target).placeholder = t("form.picking");
    })
  );

  function stopPicking() {
    state.picking = null;
    document.body.classList.remove("picking");
    document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => (n.placeholder = t(n.dataset.i18nPlaceholder)));
  }

  // ---------------------------------------------------------------- the query

  function query() {
    const place = (id) => {
      const input = $("#" + id);
      return input.dataset.value || input.value.trim();
    };
    const amount = $("#amount").value.trim();
    const body = {
      from: place("from"),
      to: place("to"),
      cargo: $("#cargo").value,
      objective: $("#objective").value,
      scenario: state.scenario,
    };
    // send what was typed, even when it is not a number: the API names the field at fault
    const value = amount === "" ? null : Number.isFinite(Number(amount)) ? Number(amount) : amount;
    body[$("#unit").value] = value;
    if ($("#ready").value) body.ready = $("#ready").value;
    if ($("#due").value) body.due = $("#due").value;
    return body;
  }

  async function submit(e) {
    e.preventDefault();
    clearProblem();
    const body = query();
    const button = $("#submit");
    button.disabled = true;
    button.textContent = t("form.searching");
    try {
      const response = await fetch("../api/routes", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
        body: JSON.stringify(body),
      });
      const doc = await response.json().catch(() => null);
      if (!response.ok) {
        // old options would read as the answer to this query: clear them
        state.result = null;
        routeLayer.clearLayers();
        showProblem(doc || { status: response.status, title: response.statusText });
        return;
      }
      state.result = doc;
      state.selected = 0;
      renderResult();
      fitResult();
    } catch (err) {
      showProblem({ status: 0, detail: String(err) });
    } finally {
      button.disabled = false;
      button.textContent = t("form.submit");
    }
  }

  function clearProblem() {
    state.lastProblem = null;
    const box = $("#problems");
    box.hidden = true;
    box.replaceChildren();
    document.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  }

  function showProblem(problem) {
    state.lastProblem = problem;
    const box = $("#problems");
    box.replaceChildren();
    const title =
      problem.type === "/problems/no-route" ? t("problem.no_route")
        : problem.status === 0 ? t("problem.network")
        : problem.status >= 500 ? t("problem.server")
        : t("problem.title");
    box.append(el("strong", { text: title }));
    const list = el("ul");
    const errors = problem.errors && problem.errors.length ? problem.errors : null;
    if (errors) {
      for (const err of errors) {
        const field = err.field === "teu" || err.field === "tonnes" ? err.field : err.field;
        let text = (field ? t("field." + field) + ": " : "") + err.message;
        if (err.found !== undefined && err.found !== null) text += ` (${err.found})`;
        if (err.expected) text += ` — ${err.expected}`;
        list.append(el("li", { text }));
        const input = field === "teu" || field === "tonnes" ? $("#amount") : field && document.getElementById(field);
        if (input) input.setAttribute("aria-invalid", "true");
      }
    } else {
      for (const reason of problem.reasons && problem.reasons.length ? problem.reasons : [problem.detail || problem.title || ""]) {
        list.append(el("li", { text: reason }));
      }
    }
    box.append(list);
    box.hidden = false;
    $("#results").hidden = !state.result;
  }

  // ---------------------------------------------------------------- results

  function legLabel(leg) {
    return leg.service_name ? nameOf(leg.service_name) : t("truck");
  }

  function optionTitle(option) {
    return option.legs.map((leg) => (leg.service ? legLabel(leg).replace(/\s*[（(].*$/, "") : t("truck"))).join(" → ");
  }

  function renderResult() {
    const doc = state.result;
    if (!doc) return;
    $("#results").hidden = false;
    state.currency = doc.query.currency || state.currency;
    $("#notes").textContent = [t("results.count", { n: doc.options.length }), ...(doc.notes || [])].join(" · ");
    const list = $("#options");
    list.replaceChildren();
    doc.options.forEach((option, i) => {
      const card = el("li", {
        class: "card" + (i === state.selected ? " selected" : ""),
        tabindex: "0",
        role: "button",
        "aria-pressed": String(i === state.selected),
        "data-rank": String(option.rank),
      });
      card.append(
        el("div", { class: "card-head" },
          el("span", { class: "rank", text: t("option", { n: option.rank }) }),
          el("span", { class: "modes" }, ...option.modes.map((m) => el("span", { class: "chip", style: `background:${MODE_COLOURS[m]}`, text: modeName(m) })))),
        el("div", { class: "summary", text: optionTitle(option) }),
        el("dl", { class: "figures" },
          el("dt", { text: t("duration") }), el("dd", { text: duration(option.total.duration_h) }),
          el("dt", { text: t("cost") }), el("dd", { text: money(option.total.cost, option.total.currency) }),
          el("dt", { text: t("co2e") }), el("dd", { text: `${num(option.total.co2e_kg_wtw)} kg` }))
      );
      const choose = () => select(i);
      card.addEventListener("click", choose);
      card.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
      list.append(card);
    });
    drawRoutes();
    drawPareto();
    renderDetail();
  }

  function select(i) {
    state.selected = i;
    document.querySelectorAll("#options .card").forEach((c, j) => {
      c.classList.toggle("selected", j === i);
      c.setAttribute("aria-pressed", String(j === i));
    });
    drawRoutes();
    drawPareto();
    renderDetail();
    fitOption(state.result.options[i]);
  }

  function drawRoutes() {
    routeLayer.clearLayers();
    const options = state.result.options;
    // unselected options first, so that the selected one is drawn on top
    const order = options.map((_, i) => i).filter((i) => i !== state.selected).concat([state.selected]);
    for (const i of order) {
      const chosen = i === state.selected;
      for (const leg of options[i].legs) {
        if (!leg.geometry) continue;
        const latlngs = leg.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
        if (chosen) L.polyline(latlngs, { color: "#fff", weight: 9, opacity: 0.9, interactive: false }).addTo(routeLayer);
        L.polyline(latlngs, {
          color: MODE_COLOURS[leg.mode] || "#333",
          weight: chosen ? 5 : 3,
          opacity: chosen ? 1 : 0.45,
          dashArray: chosen ? null : "4 6",
        })
          .bindTooltip(`${t("option", { n: options[i].rank })}: ${modeName(leg.mode)} · ${legLabel(leg)}`, { sticky: true })
          .on("click", () => select(i))
          .addTo(routeLayer);
      }
    }
  }

  function boundsOf(options) {
    const pts = [];
    for (const o of options) for (const leg of o.legs) if (leg.geometry) for (const [lon, lat] of leg.geometry.coordinates) pts.push([lat, lon]);
    return pts.length ? L.latLngBounds(pts) : null;
  }

  function fitPadding(pad) {
    // keep the route clear of the legend in the bottom-left corner, unless the map is too narrow for that
    const legend = $("#legend");
    const room = $("#map").clientWidth - legend.offsetWidth > 300;
    return { paddingTopLeft: [room ? legend.offsetWidth + pad : pad, pad], paddingBottomRight: [pad, pad] };
  }

  function fitResult() {
    const block = document.querySelector("#legend .lines-block");
    if (block) block.open = false;
    const b = boundsOf(state.result.options);
    if (b) map.fitBounds(b, fitPadding(30));
  }

  function fitOption(option) {
    const b = boundsOf([option]);
    if (b) map.fitBounds(b, { ...fitPadding(40), maxZoom: 7 });
  }

  // the Pareto chart: time against cost, CO2e as marker area; plain SVG, no library
  function drawPareto() {
    const options = state.result.options;
    const fig = $("#pareto");
    fig.replaceChildren();
    const W = 440, H = 250, M = { l: 64, r: 16, t: 14, b: 44 };
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("chart.title"));
    const s = (tag, attrs, text) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      if (text !== undefined) n.textContent = text;
      svg.append(n);
      return n;
    };
    const xs = options.map((o) => o.total.duration_h / 24);
    const ys = options.map((o) => o.total.cost);
    const cs = options.map((o) => o.total.co2e_kg_wtw);
    const pad = (lo, hi) => { const d = hi - lo || Math.abs(hi) || 1; return [Math.max(0, lo - d * 0.15), hi + d * 0.15]; };
    const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
    const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
    const X = (v) => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
    const Y = (v) => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
    const cmax = Math.max(...cs, 1);
    s("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "plot" });
    for (let k = 0; k <= 4; k++) {
      const xv = x0 + ((x1 - x0) * k) / 4, yv = y0 + ((y1 - y0) * k) / 4;
      s("line", { x1: X(xv), x2: X(xv), y1: M.t, y2: H - M.b, class: "grid" });
      s("line", { x1: M.l, x2: W - M.r, y1: Y(yv), y2: Y(yv), class: "grid" });
      s("text", { x: X(xv), y: H - M.b + 14, class: "tick", "text-anchor": "middle" }, num(xv, 1));
      s("text", { x: M.l - 6, y: Y(yv) + 4, class: "tick", "text-anchor": "end" }, num(yv));
    }
    s("text", { x: (M.l + W - M.r) / 2, y: H - 8, class: "axis", "text-anchor": "middle" }, t("chart.x"));
    s("text", { x: 12, y: (M.t + H - M.b) / 2, class: "axis", "text-anchor": "middle", transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` }, t("chart.y", { cur: state.currency }));
    options.forEach((o, i) => {
      const r = 5 + 17 * Math.sqrt(cs[i] / cmax);
      const colour = MODE_COLOURS[primaryMode(o.modes.filter((m) => m !== "road").concat(["road"]))];
      const dot = s("circle", {
        cx: X(xs[i]), cy: Y(ys[i]), r,
        class: "dot" + (i === state.selected ? " selected" : ""),
        fill: colour,
        "data-rank": String(o.rank),
        tabindex: "0",
      });
      const tip = document.createElementNS(NS, "title");
      tip.textContent = `${t("option", { n: o.rank })}: ${duration(o.total.duration_h)}, ${money(o.total.cost)}, ${num(cs[i])} kg CO2e`;
      dot.append(tip);
      dot.addEventListener("click", () => select(i));
      s("text", { x: X(xs[i]), y: Y(ys[i]) + 4, class: "dot-label", "text-anchor": "middle" }, String(o.rank));
    });
    fig.append(svg);
    fig.append(el("figcaption", { class: "muted", text: t("chart.size") }));
  }

  function renderDetail() {
    const option = state.result.options[state.selected];
    $("#detail").hidden = false;
    // legs and hub operations in time order
    const items = [
      ...option.legs.map((leg) => ({ at: leg.depart, leg })),
      ...option.hubs.map((hub) => ({ at: hub.start, hub })),
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const list = $("#timeline");
    list.replaceChildren();
    for (const item of items) {
      if (item.leg) {
        const leg = item.leg;
        list.append(
          el("li", { class: "leg", style: `--mode:${MODE_COLOURS[leg.mode]}` },
            el("div", { class: "what" },
              el("span", { class: "chip", style: `background:${MODE_COLOURS[leg.mode]}`, text: modeName(leg.mode) }),
              ` ${nameOf(leg.from_name)} → ${nameOf(leg.to_name)}`),
            el("div", { class: "muted", text: leg.service ? legLabel(leg) + (leg.carrier ? ` · ${leg.carrier}` : "") : t("timeline.flexible") }),
            el("div", { text: `${t("timeline.depart")} ${when(leg.depart)} · ${t("timeline.arrive")} ${when(leg.arrive)}` }),
            el("div", { class: "muted", text: `${duration(leg.duration_h)} · ${num(leg.distance_km)} km · ${money(leg.cost, leg.currency)} · ${num(leg.co2e_kg_wtw, 1)} kg CO2e` }))
        );
      } else {
        const hub = item.hub;
        list.append(
          el("li", { class: "hub " + hub.kind },
            el("div", { class: "what", text: `${t("timeline." + hub.kind)}${hub.from_mode ? ` (${modeName(hub.from_mode)} → ${modeName(hub.to_mode)})` : ""} · ${nameOf(hub.name)}` }),
            el("div", { class: "muted", text: `${when(hub.start)} – ${when(hub.end)} · ${duration(hub.duration_h)} · ${money(hub.cost, hub.currency)}` }))
        );
      }
    }
    renderEmissions(option);
  }

  function shortName(names) {
    // "Luohuang logistics platform (Xiaonanya station)" -> "Luohuang logistics platform"
    return nameOf(names).replace(/\s*[（(][^（(]*[)）]\s*$/, "");
  }

  function renderEmissions(option) {
    const table = $("#emissions");
    table.replaceChildren();
    const head = el("tr", {},
      ...["emissions.element", "emissions.activity", "emissions.wtw", "emissions.ttw", "emissions.wtt"].map((k) => el("th", { text: t(k) })));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    const total = option.total.co2e_kg_wtw || 1;
    const elements = [
      ...option.legs.map((x) => ({ x, label: `${modeName(x.mode)}: ${shortName(x.from_name)} → ${shortName(x.to_name)}`, at: x.depart })),
      ...option.hubs.map((x) => ({ x, label: `${t("timeline." + x.kind)}: ${shortName(x.name)}`, at: x.start })),
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const { x, label } of elements) {
      const d = x.emission_detail;
      const share = (100 * x.co2e_kg_wtw) / total;
      body.append(
        el("tr", {},
          el("td", {},
            el("div", { text: label }),
            el("div", { class: "muted factor", text: d ? d.factor : "", title: d ? d.source : "" }),
            el("div", { class: "bar", style: `width:${Math.max(share, 0.5).toFixed(1)}%` })),
          el("td", { class: "num", text: d && d.activity_unit ? `${num(d.activity)} ${d.activity_unit}` : "—" }),
          el("td", { class: "num", text: num(x.co2e_kg_wtw, 1) }),
          el("td", { class: "num", text: num(x.co2e_kg_ttw, 1) }),
          el("td", { class: "num", text: num(x.co2e_kg_wtt, 1) }))
      );
    }
    table.append(body);
    table.append(
      el("tfoot", {},
        el("tr", {},
          el("th", { text: t("emissions.total"), colspan: "2" }),
          el("td", { class: "num", text: num(option.total.co2e_kg_wtw, 1) }),
          el("td", { class: "num", text: num(option.total.co2e_kg_ttw, 1) }),
          el("td", { class: "num", text: num(option.total.co2e_kg_wtt, 1) })))
    );
  }

  // ---------------------------------------------------------------- start

  async function getJSON(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  async function start() {
    $("#lang").addEventListener("click", () => {
      state.lang = state.lang === "zh" ? "en" : "zh";
      localStorage.setItem("intermodal.lang", state.lang);
      applyLanguage();
    });
    $("#query").addEventListener("submit", submit);
    const now = new Date();
    now.setMinutes(0, 0, 0);
    now.setHours(now.getHours() + 1);
    const pad2 = (n) => String(n).padStart(2, "0");
    $("#ready").value = `${now.getFullYear()}-${pad2(now.getMonth() + 1)}-${pad2(now.getDate())}T${pad2(now.getHours())}:00`;
    loadBasemap();
    try {
      const settings = await getJSON("../api/settings");
      state.scenario = settings.scenario;
      const base = `../api/scenarios/${encodeURIComponent(state.scenario)}`;
      const [info, terminals, links, lines] = await Promise.all([
        getJSON(base),
        getJSON(`${base}/terminals`),
        getJSON(`${base}/geojson/links`),
        getJSON(`${base}/geojson/lines`),
      ]);
      state.currency = info.currency;
      state.info = info;
      state.terminals = terminals;
      state.byId = Object.fromEntries(terminals.map((x) => [x.id, x]));
      linkData = links.features;
      state.lines = lines.features;
      state.shuttles = lines.features.map((f) => f.properties.line).filter((l) => l.startsWith("shuttle-"));
      applyLanguage();
      document.body.dataset.ready = "1";
    } catch (err) {
      showProblem({ status: 0, detail: String(err) });
    }
  }

  start();
})();
