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
  // the six shuttle lines get their own colours, far from every mode colour (CIE76 distance over 30) and from
  // each other, so that a line is never read as a mode
  const LINE_COLOURS = ["#e6194b", "#b8860b", "#6b8e23", "#e377c2", "#8b4513", "#17202a"];
  const MODE_RANK = ["sea", "inland_waterway", "rail", "road", "walk"];

  const state = {
    lang: pickLanguage(),
    scenario: "chongqing",
    currency: "CNY",
    terminals: [],
    byId: {},
    lines: [],
    services: {},
    result: null,
    // the ready field shows wall time in this zone; until the user edits it, it follows the origin's zone
    readyZone: null,
    readyEdited: false,
    selected: 0,
    picking: null,
    lastProblem: null,
    // the query the options answer, the latest quote (one at a time), its booking key, and what it booked
    query: null,
    quote: null,
    quoteKey: null,
    booking: null,
    quoteProblem: null,
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
    if (state.readyZone) showZones();
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

  const locale = () => (state.lang === "zh" ? "zh-CN" : "en-GB");

  function when(iso) {
    // the terminal's own local time, as the API gives it, in the language's date format, with its UTC offset
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?([+-]\d\d:\d\d|Z)?/.exec(iso || "");
    if (!m) return iso || "";
    const wall = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
    const text = new Intl.DateTimeFormat(locale(), {
      timeZone: "UTC", weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).format(wall);
    return `${text} (${offsetLabel(m[6])})`;
  }

  function offsetLabel(offset) {
    // "+08:00" -> "UTC+8", "+05:30" -> "UTC+5:30"
    if (!offset || offset === "Z" || /^[+-]00:00$/.test(offset)) return "UTC";
    const [, sign, hh, mm] = /^([+-])(\d\d):(\d\d)$/.exec(offset);
    return `UTC${sign}${Number(hh)}${mm === "00" ? "" : ":" + mm}`;
  }

  // ---------------------------------------------------------------- time zones

  const pad2 = (n) => String(n).padStart(2, "0");

  function zoneOffsetMinutes(zone, instant) {
    // the zone's offset at an instant: its wall clock read as UTC, less the instant
    const parts = {};
    for (const p of new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(instant))) parts[p.type] = p.value;
    const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60000);
  }

  function wallInZone(instant, zone) {
    // "YYYY-MM-DDTHH:MM", the value of a datetime-local input
    const d = new Date(instant + zoneOffsetMinutes(zone, instant) * 60000);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  }

  function instantOfWall(wall, zone) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(wall);
    if (!m) return null;
    const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    // two passes find the offset in force at that wall time (it differs from the first guess across a DST change)
    let instant = asUtc - zoneOffsetMinutes(zone, asUtc) * 60000;
    instant = asUtc - zoneOffsetMinutes(zone, instant) * 60000;
    return instant;
  }

  function isoOffset(minutes) {
    const sign = minutes < 0 ? "-" : "+";
    const a = Math.abs(minutes);
    return `${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
  }

  function withZone(wall, zone) {
    // a datetime-local value as ISO 8601 with the zone's offset: the server then reads the time we showed
    const instant = instantOfWall(wall, zone);
    if (instant === null || !zone) return wall;
    return `${wall}:00${isoOffset(zoneOffsetMinutes(zone, instant))}`;
  }

  function homeZone() {
    // the scenario's most common zone: the origin's until the user picks one
    const count = {};
    for (const x of state.terminals) count[x.timezone] = (count[x.timezone] || 0) + 1;
    return Object.keys(count).sort((a, b) => count[b] - count[a])[0] || "UTC";
  }

  function zoneOf(field) {
    // the zone of the place in #from or #to: its terminal's, or the nearest terminal's for "lat,lon"
    const input = $("#" + field);
    const term = state.byId[input.dataset.value];
    if (term) return term.timezone;
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(input.dataset.value || input.value);
    if (m && state.terminals.length) {
      const [lat, lon] = [Number(m[1]), Number(m[2])];
      const near = state.terminals.reduce((a, b) =>
        (a.lat - lat) ** 2 + (a.lon - lon) ** 2 <= (b.lat - lat) ** 2 + (b.lon - lon) ** 2 ? a : b);
      return near.timezone;
    }
    return null;
  }

  function showZones() {
    const label = (zone) => (zone ? t("form.zone", { zone: offsetLabel(isoOffset(zoneOffsetMinutes(zone, Date.now()))) }) : "");
    $("#ready-zone").textContent = label(state.readyZone);
    $("#due-zone").textContent = label(zoneOf("to") || state.readyZone);
    // the browser draws the input in its own locale: say the time once more in the page's language
    for (const [field, zone] of [["ready", state.readyZone], ["due", zoneOf("to") || state.readyZone]]) {
      const value = $("#" + field).value;
      $("#" + field + "-text").textContent = value && zone ? when(withZone(value, zone)) : "";
    }
  }

  function followOrigin() {
    // the ready field is in the origin's zone; the default (the next full hour) moves with it, a typed time stays
    const zone = zoneOf("from") || homeZone();
    if (zone !== state.readyZone && !state.readyEdited && state.readyZone) {
      const instant = instantOfWall($("#ready").value, state.readyZone);
      if (instant !== null) $("#ready").value = wallInZone(instant, zone);
    }
    state.readyZone = zone;
    showZones();
  }

  function fillReady() {
    const zone = zoneOf("from") || homeZone();
    const nextHour = Math.ceil((Date.now() + 1) / 3600000) * 3600000;
    state.readyZone = zone;
    $("#ready").value = wallInZone(nextHour, zone);
    showZones();
  }

  const colon = () => (state.lang === "zh" ? "：" : ": ");
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
    markers = [];
    for (const term of state.terminals) {
      const colour = MODE_COLOURS[primaryMode(term.modes)];
      const style = term.crossing
        ? { radius: 6, color: "#b03a2e", weight: 2, fillColor: "#fff", fillOpacity: 1 }
        : { radius: 5, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1 };
      style.className = `terminal terminal-${term.id}`;
      const marker = L.circleMarker([term.lat, term.lon], style).addTo(networkLayer);
      const label = L.marker([term.lat, term.lon], {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "terminal-label", html: "", iconSize: null }),
      });
      markers.push({ term, marker, label });
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
    declutter();
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

  let markers = [];
  const spreadLayer = L.layerGroup().addTo(map);
  const labelLayer = L.layerGroup().addTo(map);
  //: markers closer than this many pixels would cover each other: they are spread around their centre
  const MIN_GAP_PX = 13;
  //: below this zoom the whole network is on screen and names would bury it: only the main terminals are named
  const LABEL_ZOOM = 5;

  function declutter() {
    // terminals a few hundred metres apart (the base, its bonded and customs centres, its station) share one
    // pixel at country zoom: put each group on a small ring around its centre, with a line to the true place
    spreadLayer.clearLayers();
    const pts = markers.map((m) => map.latLngToLayerPoint([m.term.lat, m.term.lon]));
    const group = markers.map((_, i) => i);
    const root = (i) => (group[i] === i ? i : (group[i] = root(group[i])));
    const join = (a, b) => (group[root(a)] = root(b));
    let placed = pts;
    // a ring may land on a marker outside its group: then the two groups become one, and are placed again
    for (let round = 0; round < 8; round++) {
      let crowded = false;
      for (let i = 0; i < placed.length; i++)
        for (let j = i + 1; j < placed.length; j++)
          if (root(i) !== root(j) && placed[i].distanceTo(placed[j]) < MIN_GAP_PX) { join(i, j); crowded = true; }
      if (!crowded && round > 0) break;
      placed = spread(pts, root);
    }
    spreadLayer.clearLayers();
    markers.forEach((_, i) => {
      if (placed[i].distanceTo(pts[i]) > 1)
        L.polyline([map.layerPointToLatLng(pts[i]), map.layerPointToLatLng(placed[i])], {
          color: "#44546a", weight: 1, opacity: 0.7, interactive: false,
        }).addTo(spreadLayer);
    });
    markers.forEach((m, i) => m.marker.setLatLng(map.layerPointToLatLng(placed[i])));
    placeLabels(placed, pts);
  }

  function spread(pts, root) {
    // each group of markers on a ring around its centre, in the order of their true bearings from it
    const groups = {};
    pts.forEach((_, i) => (groups[root(i)] = groups[root(i)] || []).push(i));
    const placed = pts.slice();
    for (const members of Object.values(groups)) {
      if (members.length === 1) continue;
      const cx = members.reduce((a, i) => a + pts[i].x, 0) / members.length;
      const cy = members.reduce((a, i) => a + pts[i].y, 0) / members.length;
      const ring = Math.max(MIN_GAP_PX, (members.length * (MIN_GAP_PX + 2)) / (2 * Math.PI));
      members.sort((a, b) => Math.atan2(pts[a].y - cy, pts[a].x - cx) - Math.atan2(pts[b].y - cy, pts[b].x - cx));
      members.forEach((i, k) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * k) / members.length;
        placed[i] = L.point(cx + ring * Math.cos(angle), cy + ring * Math.sin(angle));
      });
    }
    return placed;
  }

  function placeLabels(placed, pts) {
    // names beside their markers, the most important first; a name that would overlap one already placed is
    // left out (its tooltip still names it)
    labelLayer.clearLayers();
    const zoom = map.getZoom();
    const rank = (x) => (x.kind === "hub" ? 0 : x.locode ? 1 : x.crossing ? 2 : 3);
    const order = markers.map((_, i) => i).sort((a, b) => rank(markers[a].term) - rank(markers[b].term));
    const boxes = [];
    const size = map.getSize();
    for (const i of order) {
      const { term, label } = markers[i];
      if (zoom < LABEL_ZOOM && rank(term) > 1) continue;
      const name = nameOf(term).replace(/\s*[（(][^（(]*[)）]\s*$/, "");
      // a measured width: the label's text in the page's own font; tried right, left, above and below the marker
      const w = textWidth(name) + 8, h = 16;
      const p = placed[i];
      let candidates = [
        { x: p.x + 8, y: p.y - h / 2 },
        { x: p.x - 8 - w, y: p.y - h / 2 },
        { x: p.x - w / 2, y: p.y - 8 - h },
        { x: p.x - w / 2, y: p.y + 8 },
        { x: p.x + 6, y: p.y + 4 },
        { x: p.x + 6, y: p.y - 4 - h },
        { x: p.x - 6 - w, y: p.y + 4 },
        { x: p.x - 6 - w, y: p.y - 4 - h },
      ].map((c) => ({ ...c, w, h }));
      // a marker moved onto a ring is named on the ring's outside, away from its neighbours
      const out = { x: p.x - pts[i].x, y: p.y - pts[i].y };
      if (out.x || out.y) {
        const along = (c) => (c.x + c.w / 2 - p.x) * out.x + (c.y + c.h / 2 - p.y) * out.y;
        candidates = candidates.sort((a, b) => along(b) - along(a));
      }
      const free = (box) => {
        const view = map.layerPointToContainerPoint(L.point(box.x, box.y));
        if (view.x < 0 || view.y < 0 || view.x + box.w > size.x || view.y + box.h > size.y) return false;
        const hit = (b) => !(box.x + box.w <= b.x || b.x + b.w <= box.x || box.y + box.h <= b.y || b.y + b.h <= box.y);
        // nor over another marker (6 px is a marker's radius and its outline)
        const covers = (q) => q.x > box.x - 6 && q.x < box.x + box.w + 6 && q.y > box.y - 6 && q.y < box.y + box.h + 6;
        return !boxes.some(hit) && !placed.some((q, j) => j !== i && covers(q));
      };
      const box = candidates.find(free);
      if (!box) continue;
      boxes.push(box);
      label.setLatLng(map.layerPointToLatLng(p));
      label.setIcon(L.divIcon({ className: "terminal-label", html: "", iconSize: null }));
      label.addTo(labelLayer);
      const node = label.getElement();
      node.textContent = name;
      node.dataset.id = term.id;
      node.style.marginLeft = `${box.x - p.x}px`;
      node.style.marginTop = `${box.y - p.y}px`;
    }
  }

  const measure = document.createElement("canvas").getContext("2d");
  function textWidth(text) {
    measure.font = `600 11px ${getComputedStyle(document.body).fontFamily}`;
    return measure.measureText(text).width;
  }

  // the ring radii are in pixels and the labels must fit the view: redo both after every zoom or pan
  map.on("moveend", () => { if (markers.length) declutter(); });

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
    followOrigin();
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
    followOrigin();
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
        el("small", { text: [state.lang === "zh" ? null : term.name_zh, term.locode].filter(Boolean).join(" · ") }));
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
    if ($("#ready").value) body.ready = withZone($("#ready").value, zoneOf("from") || state.readyZone);
    if ($("#due").value) body.due = withZone($("#due").value, zoneOf("to") || state.readyZone);
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
      state.query = body;
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

  // the problem types of docs/api.md, for a server that sends no `code` yet
  const CODE_OF_TYPE = {
    "/problems/bad-input": "invalid_request",
    "/problems/no-route": "no_route",
    "/problems/query-too-large": "limit_exceeded",
    "/problems/query-budget": "search_timeout",
    "/problems/not-found": "not_found",
    "/problems/no-such-scenario": "not_found",
    "/problems/unauthorized": "unauthorized",
    "/problems/capacity": "capacity",
    "/problems/ledger-unavailable": "ledger_unavailable",
    "/problems/internal": "internal_error",
  };

  function problemCode(problem) {
    if (problem.code) return problem.code;
    if (CODE_OF_TYPE[problem.type]) return CODE_OF_TYPE[problem.type];
    if (problem.status === 413) return "request_too_large";
    if (problem.status === 400) return "malformed_json";
    if (problem.status >= 500) return "internal_error";
    return problem.status === 422 ? "invalid_request" : "unknown";
  }

  function problemTitle(problem) {
    if (problem.status === 0) return t("problem.network");
    const key = "code." + problemCode(problem);
    return I18N.en[key] ? t(key) : t("code.unknown");
  }

  // an empty value is said by the message ("at least 1 character"): empty brackets after it say nothing
  const shown = (found) => found !== undefined && found !== null && found !== "";

  function fieldError(err) {
    // English: the server's own words; Chinese: the field's name and a hint of what it takes, and what was found
    const field = err.field;
    const name = field ? t("field." + field) : "";
    let text;
    if (state.lang === "zh") {
      const hint = I18N.zh["hint." + field] || t("hint.default");
      text = (name ? name + "：" : "") + hint;
      if (shown(err.found)) text += `（${err.found}）`;
    } else {
      text = (name ? name + ": " : "") + err.message;
      if (shown(err.found)) text += ` (${err.found})`;
      if (err.expected) text += ` — ${err.expected}`;
    }
    return text;
  }

  const terminalName = (id) => (state.byId[id] ? nameOf(state.byId[id]) : id);
  const serviceName = (id) => (state.services[id] ? nameOf(state.services[id]) : id);
  function linkName(id) {
    const f = linkData.find((x) => x.properties.id === id);
    const p = f && f.properties;
    return p && (state.lang === "zh" ? p.name_zh : p.name_en) ? (state.lang === "zh" ? p.name_zh : p.name_en) : id;
  }

  function reasonText(d) {
    // one no-route reason from its code and parameters, in the page's language
    const vars = {
      ...d,
      origin: terminalName(d.origin),
      destination: terminalName(d.destination),
      terminal: terminalName(d.terminal),
      service: serviceName(d.service),
      link: linkName(d.link),
      due: when(d.due),
      earliest: when(d.earliest),
      hours: num(d.hours_late, 1),
      teu: num(d.teu, 1),
      days: num(d.days),
    };
    if (d.code === "departures_full") {
      // full departures, or (reefer cargo) departures whose reefer plugs are taken, and the next with room
      const text = t(d.out_of_plugs ? "reason.departures_full_plugs" : "reason.departures_full", vars);
      const tail = d.next ? t("reason.next_with_room", { next: when(d.next) }) : t("reason.none_later");
      return text + (state.lang === "zh" ? "；" : "; ") + tail;
    }
    if (d.code === "cargo_not_carried") {
      vars.cargo = t("reason.cargo." + d.cargo, { dg_class: d.dg_class });
      const blockers = (d.blockers || []).map(reasonText);
      const text = t("reason.cargo_not_carried", vars);
      return blockers.length ? text + (state.lang === "zh" ? "：" : ": ") + blockers.join(state.lang === "zh" ? "；" : "; ") : text;
    }
    const key = "reason." + d.code;
    return I18N.en[key] ? t(key, vars) : t("reason.unknown");
  }

  function problemLines(problem) {
    const errors = problem.errors && problem.errors.length ? problem.errors : null;
    if (errors) return errors.map(fieldError);
    if (problem.reason_details && problem.reason_details.length) return problem.reason_details.map(reasonText);
    if (state.lang === "zh") return [];
    if (problem.reasons && problem.reasons.length) return problem.reasons;
    return [problem.detail || ""].filter(Boolean);
  }

  function showProblem(problem) {
    state.lastProblem = problem;
    const box = $("#problems");
    box.replaceChildren();
    box.append(el("strong", { text: problemTitle(problem) }));
    const list = el("ul");
    for (const text of problemLines(problem)) list.append(el("li", { text }));
    for (const err of problem.errors || []) {
      const field = err.field;
      const input = field === "teu" || field === "tonnes" ? $("#amount") : field && document.getElementById(field);
      if (input) input.setAttribute("aria-invalid", "true");
    }
    box.append(list);
    box.hidden = false;
    $("#results").hidden = !state.result;
  }

  // other scripts of the page (the ledger report) word problems the same way
  window.intermodalProblem = { title: problemTitle, lines: problemLines };

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
    $("#notes").textContent = [t("results.count", { n: doc.options.length }), ...(doc.notes || []).map(noteText).filter(Boolean)].join(" · ");
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
          el("dt", { text: t("co2e") }), el("dd", { text: `${num(option.total.co2e_kg_wtw)} kg` }),
          // the probability of arriving by the due time (docs/calibration.md), when the query has one
          ...(option.total.p_on_time == null ? [] : [
            el("dt", { text: t("on_time") }),
            el("dd", { class: "on-time", title: t("on_time.help"), text: `${num(100 * option.total.p_on_time)} %` })])),
        el("div", { class: "card-actions" },
          actionButton("quote-btn", t("quote.button"), () => makeQuote(option), { "data-option": option.id }),
          actionButton("book-btn", t("book.button"), bookQuote, { "data-option": option.id }))
      );
      const choose = () => select(i);
      card.addEventListener("click", choose);
      card.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
      list.append(card);
    });
    drawRoutes();
    drawPareto();
    renderDetail();
    renderQuote();
  }

  // ---------------------------------------------------------------- quotes and bookings
  // Writes need a token (docs/api.md). The page asks for it in a password field and keeps it for this tab
  // only (sessionStorage): never in the URL, never in localStorage, never sent anywhere but this server.

  function actionButton(cls, text, act, attrs) {
    const button = el("button", { type: "button", class: cls, text, ...attrs });
    // a button inside a card: its click and keys are its own, not the card's
    button.addEventListener("click", (e) => { e.stopPropagation(); act(); });
    button.addEventListener("keydown", (e) => e.stopPropagation());
    return button;
  }

  function authHeaders() {
    const token = $("#token").value.trim();
    sessionStorage.setItem("intermodal.token", token);
    return {
      "Content-Type": "application/json",
      Accept: "application/json, application/problem+json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    };
  }

  async function send(url, body) {
    try {
      const response = await fetch(url, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });
      const doc = await response.json().catch(() => null);
      return response.ok ? { doc } : { problem: doc || { status: response.status, title: response.statusText } };
    } catch (err) {
      return { problem: { status: 0, detail: String(err) } };
    }
  }

  async function makeQuote(option) {
    const { doc, problem } = await send("../api/quotes", { query: state.query, option: option.rank, option_id: option.id });
    state.quote = doc || null;
    state.booking = null;
    state.quoteProblem = problem || null;
    // one key per quote, kept for retries: a booking sent twice books once
    state.quoteKey = doc ? `web-${doc.id}-${crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2)}` : null;
    renderQuote();
  }

  async function bookQuote() {
    const quote = state.quote;
    if (!quote) return;
    const body = { idempotency_key: state.quoteKey, shipper: $("#shipper").value.trim(), customs_status: $("#customs").value };
    const { doc, problem } = await send(`../api/quotes/${quote.id}/book`, body);
    state.quoteProblem = problem || null;
    if (doc) {
      state.booking = doc;
      state.quote = { ...quote, status: "booked", booking_id: doc.id };
    }
    renderQuote();
  }

  function quoteItemLabels(option) {
    // the line items come in the option's order, legs then hub operations: word them from the option
    return [
      ...option.legs.map((x) => `${modeName(x.mode)}${colon()}${shortName(x.from_name)} → ${shortName(x.to_name)}`),
      ...option.hubs.map((x) => `${t("timeline." + x.kind)}${colon()}${shortName(x.name)}`),
    ];
  }

  function renderQuote() {
    $("#quote").hidden = !state.result;
    const quote = state.quote;
    document.querySelectorAll("#options .book-btn").forEach((b) => {
      // a booked quote keeps its button: pressing it again replays the same key and books nothing more
      b.disabled = !quote || quote.option.id !== b.dataset.option || (quote.status !== "open" && !state.booking);
    });
    const box = $("#quote-box");
    box.replaceChildren();
    if (state.quoteProblem) {
      const problem = state.quoteProblem;
      const errors = (problem.errors || []).map((e) => ({ ...e, field: (e.field || "").replace(/^query\./, "") || null }));
      const list = el("ul");
      for (const text of problemLines({ ...problem, errors })) list.append(el("li", { text }));
      box.append(el("div", { class: "problems quote-problem", role: "alert" }, el("strong", { text: problemTitle(problem) }), list));
    }
    if (!quote) return;
    const money2 = (x) => `${num(x, 2)} ${quote.currency}`;
    const labels = quoteItemLabels(quote.option);
    const table = el("table", { class: "emissions quote-items" },
      el("thead", {}, el("tr", {}, el("th", { text: t("quote.item") }), el("th", { class: "num", text: t("quote.amount") }))));
    const rows = el("tbody");
    quote.line_items.forEach((item, i) => rows.append(el("tr", {}, el("td", { text: labels[i] || item.kind }), el("td", { class: "num", text: money2(item.amount) }))));
    table.append(rows, el("tfoot", {}, el("tr", {}, el("th", { text: t("quote.total") }), el("td", { class: "num quote-total", text: money2(quote.total) }))));
    box.append(
      el("p", { class: "quote-head", text: t("quote.heading", { id: quote.id, n: quote.option.rank }) }),
      table,
      el("p", { class: "quote-valid", text: t("quote.valid", { time: when(quote.valid_until) }) }),
      el("p", { class: "muted", text: t("quote.co2e", { wtw: num(quote.co2e_kg_wtw, 1), ttw: num(quote.co2e_kg_ttw, 1) }) }),
      el("p", { class: "quote-status", text: t("quote.status." + quote.status) })
    );
    if (state.booking) {
      const b = state.booking;
      box.append(el("p", { class: "booking-done", role: "status", text: t("book.done", { id: b.id, teu: num(b.teu, 2), n: b.departures.length }) }));
    }
  }

  function noteText(note) {
    // the server's notes are English sentences; the one it sends today is worded here, others only in English
    const m = /^(\d+) Pareto-optimal options; showing (\d+)$/.exec(note);
    if (m) return t("note.pareto", { found: m[1], limit: m[2] });
    return state.lang === "zh" ? "" : note;
  }

  function carrierOf(leg) {
    const svc = state.services[leg.service];
    return state.lang === "zh" && svc && svc.carrier_zh ? svc.carrier_zh : leg.carrier;
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

  function niceTicks(lo, hi, count = 4) {
    // ticks on round numbers (1, 2 or 5 times a power of ten) that cover [lo, hi] with a margin
    const span = hi - lo || Math.abs(hi) * 0.5 || 1;
    lo = Math.max(0, lo - span * 0.1);
    hi = hi + span * 0.1;
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((x) => x >= raw * 0.999);
    const first = Math.floor(lo / step) * step;
    const ticks = [];
    // whole multiples of the step, so that 0.1 + 0.2 drift never shows in a label
    for (let k = Math.round(first / step); k * step <= hi + step * 1e-9 || ticks.length < 2; k++) ticks.push(k * step);
    if (ticks[ticks.length - 1] < hi) ticks.push(ticks[ticks.length - 1] + step);
    return ticks;
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
    const xt = niceTicks(Math.min(...xs), Math.max(...xs));
    const yt = niceTicks(Math.min(...ys), Math.max(...ys));
    const [x0, x1] = [xt[0], xt[xt.length - 1]];
    const [y0, y1] = [yt[0], yt[yt.length - 1]];
    const X = (v) => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
    const Y = (v) => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
    const cmax = Math.max(...cs, 1);
    s("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "plot" });
    const digits = (ticks) => Math.max(0, -Math.floor(Math.log10(ticks[1] - ticks[0]) + 1e-9));
    for (const xv of xt) {
      s("line", { x1: X(xv), x2: X(xv), y1: M.t, y2: H - M.b, class: "grid" });
      s("text", { x: X(xv), y: H - M.b + 14, class: "tick x", "text-anchor": "middle" }, num(xv, digits(xt)));
    }
    for (const yv of yt) {
      s("line", { x1: M.l, x2: W - M.r, y1: Y(yv), y2: Y(yv), class: "grid" });
      s("text", { x: M.l - 6, y: Y(yv) + 4, class: "tick y", "text-anchor": "end" }, num(yv, digits(yt)));
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
            el("div", { class: "muted", text: leg.service ? legLabel(leg) + (leg.carrier ? ` · ${carrierOf(leg)}` : "") : t("timeline.flexible") }),
            el("div", { text: `${t("timeline.depart")} ${when(leg.depart)} · ${t("timeline.arrive")} ${when(leg.arrive)}` }),
            el("div", { class: "muted", text: `${duration(leg.duration_h)} · ${num(leg.distance_km)} km · ${money(leg.cost, leg.currency)} · ${num(leg.co2e_kg_wtw, 1)} kg CO2e` }),
            // the room this departure had when the server answered (the server's ledger; absent without one)
            leg.free_teu == null ? null : el("div", { class: "muted room", text: leg.free_reefer == null
              ? t("timeline.room", { teu: num(leg.free_teu, 2) })
              : t("timeline.room_reefer", { teu: num(leg.free_teu, 2), plugs: num(leg.free_reefer, 2) }) }))
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

  function factorLabel(d) {
    // a factor id may wrap only after its separators ("road_truck_|container"), never inside a word
    const box = el("div", { class: "muted factor", title: d ? d.source : "" });
    if (d && d.factor) {
      d.factor.split(/(?<=[_\-])/).forEach((part, i) => {
        if (i) box.append(el("wbr"));
        box.append(el("span", { text: part }));
      });
    }
    return box;
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
      ...option.legs.map((x) => ({ x, label: `${modeName(x.mode)}${colon()}${shortName(x.from_name)} → ${shortName(x.to_name)}`, at: x.depart })),
      ...option.hubs.map((x) => ({ x, label: `${t("timeline." + x.kind)}${colon()}${shortName(x.name)}`, at: x.start })),
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const { x, label } of elements) {
      const d = x.emission_detail;
      const share = (100 * x.co2e_kg_wtw) / total;
      body.append(
        el("tr", {},
          el("td", {},
            el("div", { text: label }),
            factorLabel(d),
            el("div", { class: "bar", style: `width:${Math.max(share, 0.5).toFixed(1)}%` })),
          el("td", { class: "num activity", text: d && d.activity_unit ? `${num(d.activity)} ${d.activity_unit}` : "—" }),
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

  // ---------------------------------------------------------------- pages

  function showPage() {
    // each page is the element whose id a navigation link's hash names; none named: the routes page
    const links = [...document.querySelectorAll(".pages a")];
    const id = location.hash.replace(/^#/, "").split("?")[0];
    const current = links.find((a) => id && a.getAttribute("href") === "#" + id) || links[0];
    for (const a of links) {
      const target = a.getAttribute("href").slice(1);
      if (target) document.getElementById(target).hidden = a !== current;
      a.setAttribute("aria-current", String(a === current));
    }
    $("main.layout").hidden = current !== links[0];
    if (current === links[0]) map.invalidateSize();
  }
  window.addEventListener("hashchange", showPage);
  showPage();

  async function start() {
    $("#lang").addEventListener("click", () => {
      state.lang = state.lang === "zh" ? "en" : "zh";
      localStorage.setItem("intermodal.lang", state.lang);
      applyLanguage();
    });
    $("#query").addEventListener("submit", submit);
    $("#token").value = sessionStorage.getItem("intermodal.token") || "";
    $("#ready").addEventListener("input", () => { state.readyEdited = true; showZones(); });
    $("#due").addEventListener("input", showZones);
    for (const field of ["from", "to"]) $("#" + field).addEventListener("change", followOrigin);
    loadBasemap();
    try {
      const settings = await getJSON("../api/settings");
      state.scenario = settings.scenario;
      const base = `../api/scenarios/${encodeURIComponent(state.scenario)}`;
      const [info, terminals, links, lines, services] = await Promise.all([
        getJSON(base),
        getJSON(`${base}/terminals`),
        getJSON(`${base}/geojson/links`),
        getJSON(`${base}/geojson/lines`),
        getJSON(`${base}/services`),
      ]);
      state.services = Object.fromEntries(services.map((x) => [x.id, x]));
      state.currency = info.currency;
      state.info = info;
      state.terminals = terminals;
      state.byId = Object.fromEntries(terminals.map((x) => [x.id, x]));
      linkData = links.features;
      state.lines = lines.features;
      state.shuttles = lines.features.map((f) => f.properties.line).filter((l) => l.startsWith("shuttle-"));
      // before any place is chosen, "origin time" is the scenario's home zone, not the browser's
      fillReady();
      applyLanguage();
      document.body.dataset.ready = "1";
    } catch (err) {
      showProblem({ status: 0, detail: String(err) });
    }
  }

  start();
})();
