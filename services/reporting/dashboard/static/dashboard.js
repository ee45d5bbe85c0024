// The officers' dashboard: signs in with a token kept in sessionStorage, reads the reporting JSON APIs,
// and applies the live stream (SSE) to what is on screen. No framework, no build step.
"use strict";
(() => {
  const CFG = JSON.parse(document.getElementById("config").textContent);
  const PROVINCE = CFG.province;
  const IND = Object.fromEntries(CFG.indicators.map((i) => [i.code, i]));
  const CITY = Object.fromEntries(CFG.cities.map((c) => [c.code, c.name]));
  CITY[PROVINCE] = "全省";
  const TOKEN_KEY = "ipp.dashboard.token";
  const VIEWS = ["overview", "cities", "city"];
  const $ = (id) => document.getElementById(id);

  const state = { token: null, who: null, view: "overview", year: CFG.year, city: null, indicator: null,
                  sort: { key: "rank", dir: 1 } };
  let rows = new Map();        // "indicator|city" → the KPI row of the year shown
  let ranking = [];            // the league table's rows, in the API's ranking order
  let series = null;           // the city chart's series
  let chart = null;
  let stream = null, streamRetry = 0, retryTimer = null, expiryTimer = null, refreshTimer = null;
  let streamOpen = false, brokerLive = true;
  const flashed = new Set();

  // ---- numbers, the Chinese way --------------------------------------------------------------------
  function trimZeros(s) { return s.includes(".") ? s.replace(/\.?0+$/, "") : s; }
  function fmt(value, unit) {
    if (value === null || value === undefined || value === "") return "—";
    const n = Number(value);
    if (!Number.isFinite(n)) return String(value);
    if (unit === "%") return trimZeros(n.toFixed(1)) + "%";
    const abs = Math.abs(n);
    let text;
    if (abs >= 1e8) text = trimZeros((n / 1e8).toFixed(2)) + "亿";
    else if (abs >= 1e4) text = trimZeros((n / 1e4).toFixed(2)) + "万";
    else text = n.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
    return text + (unit || "");
  }
  function pct(value) { return value === null || value === undefined ? "—" : trimZeros(Number(value).toFixed(1)) + "%"; }
  function statusLabel(status, target) {
    if (status) return CFG.statuses[status] || status;
    return target === null || target === undefined ? "无目标" : "—";
  }
  function esc(s) {
    return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function badge(row) {
    const status = row ? row.status : null;
    return `<span class="badge ${esc(status || "none")}">${esc(statusLabel(status, row ? row.target : null))}</span>`;
  }
  function key(indicator, city) { return `${indicator}|${city}`; }
  function row(indicator, city) { return rows.get(key(indicator, city)) || null; }
  function clause(code, r) { return (r && r.source) || (IND[code] && IND[code].source) || ""; }

  // ---- the session ---------------------------------------------------------------------------------
  class AuthError extends Error {}

  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${state.token}` } });
    if (response.status === 401) {
      const problem = await response.json().catch(() => ({}));
      throw new AuthError(problem.detail || "令牌无效");
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || problem.title || `请求失败（${response.status}）`);
    }
    return response;
  }
  async function json(path) { return (await api(path)).json(); }

  function tokenExpiry(token) {
    try {
      const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return typeof payload.exp === "number" ? payload.exp * 1000 : null;
    } catch (e) { return null; }
  }

  async function signIn(token, remember) {
    state.token = token;
    const response = await fetch("/dashboard/session", { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      const reason = problem.detail || problem.title || `（${response.status}）`;
      signOut(response.status === 401 && /过期/.test(reason) ? "登录已过期，请重新登录。" : `登录失败：${reason}`);
      return false;
    }
    state.who = await response.json();
    if (remember) sessionStorage.setItem(TOKEN_KEY, token);
    const expiry = tokenExpiry(token);
    clearTimeout(expiryTimer);
    if (expiry) expiryTimer = setTimeout(() => signOut("登录已过期，请重新登录。"), Math.max(0, expiry - Date.now()));
    $("who").textContent = `${state.who.role_name}${state.who.city_name ? "（" + state.who.city_name + "）" : ""}`;
    showApp();
    return true;
  }

  function signOut(message, info) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.who = null;
    clearTimeout(expiryTimer);
    closeStream();
    rows = new Map();
    ranking = [];
    series = null;
    setBanner(null);
    for (const id of ["overview", "cities", "city", "nav", "controls"]) $(id).hidden = true;
    $("signin").hidden = false;
    const msg = $("signin-message");
    msg.textContent = message || "";
    msg.className = info ? "message info" : "message";
    $("token").value = "";
  }

  function expired(error) {
    if (error instanceof AuthError) { signOut(`登录已失效（${error.message}），请重新登录。`); return true; }
    return false;
  }

  // ---- the view and the address --------------------------------------------------------------------
  function readUrl() {
    const q = new URLSearchParams(location.search);
    const view = q.get("view");
    const isCityOfficer = state.who && state.who.role === "city-officer";
    state.view = VIEWS.includes(view) ? view : (isCityOfficer ? "city" : "overview");
    const year = Number(q.get("year"));
    state.year = CFG.years.includes(year) ? year : CFG.year;
    const city = q.get("city");
    state.city = CITY[city] && city !== PROVINCE ? city : (isCityOfficer ? state.who.city : CFG.cities[0].code);
    const indicator = q.get("indicator");
    state.indicator = IND[indicator] ? indicator : null;
  }

  function writeUrl(replace) {
    const q = new URLSearchParams({ view: state.view, year: String(state.year) });
    if (state.view === "city") q.set("city", state.city);
    if (state.view !== "overview" && state.indicator) q.set("indicator", state.indicator);
    const target = `/dashboard?${q}`;
    if (target !== location.pathname + location.search) history[replace ? "replaceState" : "pushState"](null, "", target);
  }

  function go(changes) {
    const yearChanged = changes.year !== undefined && changes.year !== state.year;
    Object.assign(state, changes);
    writeUrl(false);
    if (yearChanged) loadYear(); else showView();
  }

  function showApp() {
    $("signin").hidden = true;
    $("nav").hidden = false;
    $("controls").hidden = false;
    readUrl();
    writeUrl(true);
    loadYear();
  }

  // ---- data ----------------------------------------------------------------------------------------
  async function loadYear() {
    $("year").value = String(state.year);
    try {
      const body = await json(`/api/v1/indicators?year=${state.year}&city=all`);
      rows = new Map(body.items.map((r) => [key(r.indicator, r.city), r]));
    } catch (e) {
      if (!expired(e)) setBanner(`读取指标失败：${e.message}`);
      return;
    }
    openStream();
    showView();
  }

  async function showView() {
    for (const v of VIEWS) $(v).hidden = v !== state.view;
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.dataset.view === state.view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    if (state.view === "overview") renderOverview();
    if (state.view === "cities") await loadRanking();
    if (state.view === "city") await loadCity();
  }

  async function loadRanking() {
    state.indicator = state.indicator || CFG.headline[0];
    $("indicator").value = state.indicator;
    try {
      const body = await json(`/api/v1/indicators/ranking?indicator=${state.indicator}&year=${state.year}`);
      ranking = body.items.map((r) => r.city);
    } catch (e) {
      if (!expired(e)) setBanner(`读取排名失败：${e.message}`);
      return;
    }
    renderLeague();
  }

  async function loadCity() {
    state.indicator = state.indicator || CFG.headline[0];
    $("city-select").value = state.city;
    renderCity();
    await loadSeries();
  }

  async function loadSeries() {
    try {
      series = await json(`/api/v1/indicators/series?indicator=${state.indicator}&city=${state.city}&year=${state.year}`);
    } catch (e) {
      if (!expired(e)) setBanner(`读取逐月数据失败：${e.message}`);
      return;
    }
    renderChart();
  }

  // ---- drawing -------------------------------------------------------------------------------------
  function tile(code) {
    const ind = IND[code], r = row(code, PROVINCE);
    const progress = r && r.progress !== null ? Math.max(0, Math.min(100, Number(r.progress))) : 0;
    const expected = r && r.expected !== null && r.target !== null && Number(r.target) > 0
      ? Math.max(0, Math.min(100, 100 * Number(r.expected) / Number(r.target))) : null;
    const k = key(code, PROVINCE);
    return `<article class="tile status-${esc((r && r.status) || "none")}${flashed.has(k) ? " updated" : ""}"
        data-indicator="${esc(code)}" data-status="${esc((r && r.status) || "")}" title="${esc(clause(code, r))}">
      <h3>${esc(ind.name)}</h3>
      <p class="value" data-value="${esc(r ? r.value ?? "" : "")}">${esc(fmt(r && r.value, ind.unit))}</p>
      <div class="bar" role="progressbar" aria-label="完成度" aria-valuemin="0" aria-valuemax="100"
           aria-valuenow="${progress}"><span class="fill" style="width:${progress}%"></span>${expected === null ? ""
             : `<span class="expected" style="left:${expected}%" title="按进度应达"></span>`}</div>
      <dl><dt>目标</dt><dd class="target">${esc(fmt(r && r.target, ind.unit))}</dd>
          <dt>按进度应达</dt><dd class="expected-value">${esc(fmt(r && r.expected, ind.unit))}</dd>
          <dt>完成度</dt><dd>${esc(pct(r && r.progress))}</dd>
          <dt>状态</dt><dd class="status">${badge(r)}</dd></dl>
    </article>`;
  }

  function indicatorTable(codes, city, clickable) {
    const body = codes.map((code) => {
      const ind = IND[code], r = row(code, city), k = key(code, city);
      const cls = [clickable ? "link" : "", flashed.has(k) ? "updated" : "", clickable && code === state.indicator ? "selected" : ""];
      return `<tr class="${cls.join(" ").trim()}" data-indicator="${esc(code)}" data-status="${esc((r && r.status) || "")}"
                 ${clickable ? 'tabindex="0"' : ""} title="${esc(clause(code, r))}">
        <td class="name">${esc(ind.name)}</td><td class="value" data-value="${esc(r ? r.value ?? "" : "")}">${esc(fmt(r && r.value, ind.unit))}</td>
        <td>${esc(fmt(r && r.target, ind.unit))}</td><td>${esc(pct(r && r.progress))}</td>
        <td>${esc(fmt(r && r.expected, ind.unit))}</td><td class="status">${badge(r)}</td></tr>`;
    }).join("");
    return `<div class="scroll"><table class="data"><thead><tr><th class="name">指标</th><th>当前值</th><th>目标</th>
      <th>完成度</th><th>按进度应达</th><th>状态</th></tr></thead><tbody>${body}</tbody></table></div>`;
  }

  function byProgramme(codes) {
    return CFG.programmes.map((p) => ({ ...p, codes: codes.filter((c) => IND[c].programme === p.code) }))
      .filter((p) => p.codes.length);
  }

  function renderOverview() {
    $("overview-title").textContent = `${state.year}年 全省主要目标`;
    $("tiles").innerHTML = CFG.headline.map(tile).join("");
    const others = CFG.indicators.map((i) => i.code).filter((c) => !CFG.headline.includes(c));
    $("groups").innerHTML = byProgramme(others).map((p) =>
      `<section class="group" data-programme="${esc(p.code)}"><h3>${esc(p.name)}</h3>${indicatorTable(p.codes, PROVINCE, false)}</section>`).join("");
  }

  const LEAGUE_COLUMNS = [
    ["rank", "排名"], ["city", "市州"], ["value", "当前值"], ["target", "目标"], ["progress", "完成度"],
    ["expected", "按进度应达"], ["status", "状态"]];
  const STATUS_ORDER = { met: 0, on_track: 1, at_risk: 2, off_track: 3, no_data: 4 };

  function sortValue(city, col) {
    const r = row(state.indicator, city);
    if (col === "rank") return ranking.indexOf(city);
    if (col === "city") return city;
    if (col === "status") return r && r.status ? STATUS_ORDER[r.status] : 9;
    const v = r ? r[col] : null;
    return v === null || v === undefined ? null : Number(v);
  }

  function renderLeague() {
    const ind = IND[state.indicator];
    $("cities-title").textContent = `${state.year}年 17个市州排名：${ind.name}`;
    const { key: col, dir } = state.sort;
    const cities = [...ranking].sort((a, b) => {
      const x = sortValue(a, col), y = sortValue(b, col);
      if (x === null && y === null) return 0;
      if (x === null) return 1;       // no data last, whichever the direction
      if (y === null) return -1;
      return (typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y) * dir;
    });
    const head = LEAGUE_COLUMNS.map(([k, label]) =>
      `<th class="${k === "city" ? "name" : ""}" aria-sort="${k === col ? (dir > 0 ? "ascending" : "descending") : "none"}">` +
      `<button type="button" data-sort="${k}">${label}</button></th>`).join("");
    const body = cities.map((city) => {
      const r = row(state.indicator, city), k = key(state.indicator, city);
      return `<tr class="link${flashed.has(k) ? " updated" : ""}" tabindex="0" data-city="${esc(city)}"
                 data-status="${esc((r && r.status) || "")}" title="${esc(clause(state.indicator, r))}">
        <td>${ranking.indexOf(city) + 1}</td><td class="name">${esc(CITY[city])}</td>
        <td class="value" data-value="${esc(r ? r.value ?? "" : "")}">${esc(fmt(r && r.value, ind.unit))}</td>
        <td>${esc(fmt(r && r.target, ind.unit))}</td><td>${esc(pct(r && r.progress))}</td>
        <td>${esc(fmt(r && r.expected, ind.unit))}</td><td class="status">${badge(r)}</td></tr>`;
    }).join("");
    $("league").innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body}</tbody>`;
  }

  function renderCity() {
    $("city-title").textContent = `${state.year}年 ${CITY[state.city]}`;
    const codes = CFG.indicators.map((i) => i.code);
    $("city-groups").innerHTML = byProgramme(codes).map((p) =>
      `<section class="group" data-programme="${esc(p.code)}"><h3>${esc(p.name)}</h3>${indicatorTable(p.codes, state.city, true)}</section>`).join("");
  }

  function renderChart() {
    if (!series) return;
    const ind = IND[series.indicator];
    $("chart-title").textContent = `${series.city_name} · ${series.name}（${series.unit}）逐月数据` +
      (series.target !== null ? `，目标 ${fmt(series.target, ind.unit)}` : "");
    if (!window.echarts) { $("chart").textContent = "图表库未安装（make assets）"; return; }
    chart = chart || window.echarts.init($("chart"), null, { renderer: "canvas" });
    const months = series.points.map((p) => p.label.replace(/^\d{4}年/, ""));
    const num = (v) => (v === null || v === undefined ? null : Number(v));
    const flow = series.kind === "flow";
    const lines = [];
    if (flow) lines.push({ name: "当月", type: "bar", data: series.points.map((p) => num(p.value)), itemStyle: { color: "#7fa6cf" } });
    lines.push({ name: flow ? "年内累计" : "数值", type: "line", data: series.points.map((p) => num(flow ? p.ytd : p.value)),
                 itemStyle: { color: "#0b5cad" }, lineStyle: { width: 3 }, connectNulls: false,
                 markLine: series.target === null ? undefined : { symbol: "none", lineStyle: { color: "#a61b1b", type: "solid" },
                   label: { formatter: `目标 ${fmt(series.target, ind.unit)}` }, data: [{ yAxis: Number(series.target) }] } });
    lines.push({ name: "按进度应达", type: "line", data: series.points.map((p) => num(p.expected)),
                 itemStyle: { color: "#7a4d00" }, lineStyle: { type: "dashed" } });
    chart.setOption({
      animation: false, tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, ind.unit) },
      legend: { top: 0 }, grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, ind.unit === "%" ? "%" : "") } },
      series: lines,
    }, true);
    chart.resize();
  }

  function redraw() {
    if (state.view === "overview") renderOverview();
    if (state.view === "cities" && ranking.length) renderLeague();
    if (state.view === "city") renderCity();
  }

  // ---- live: the stream ----------------------------------------------------------------------------
  function setBanner(text) {
    const b = $("banner");
    b.textContent = text || "";
    b.hidden = !text;
  }
  function showLive() {
    const live = $("live");
    const on = streamOpen && brokerLive;
    live.textContent = on ? "实时更新中" : "实时更新已中断";
    live.className = `live ${on ? "on" : "off"}`;
    if (!streamOpen) setBanner("连接中断，数据可能不是最新，正在重新连接…");
    else if (!brokerLive) setBanner("连接中断，数据可能不是最新：消息服务暂不可用，恢复后自动更新。");
    else setBanner(null);
  }

  function closeStream() {
    clearTimeout(retryTimer);
    if (stream) { stream.close(); stream = null; }
    streamOpen = false;
  }

  async function openStream() {
    closeStream();
    const year = state.year;
    let ticket;
    try {
      ticket = (await (await api("/api/v1/indicators/stream/tickets", { method: "POST" })).json()).ticket;
    } catch (e) {
      if (expired(e)) return;
      return retryStream();
    }
    if (!state.token || year !== state.year) return;
    const es = stream = new EventSource(`/api/v1/indicators/stream?year=${year}&city=all&ticket=${encodeURIComponent(ticket)}`);
    es.addEventListener("snapshot", (ev) => {
      streamRetry = 0;
      streamOpen = true;
      for (const r of JSON.parse(ev.data)) rows.set(key(r.indicator, r.city), r);
      showLive();
      redraw();
    });
    es.addEventListener("status", (ev) => {
      const wasLive = brokerLive;
      brokerLive = JSON.parse(ev.data).live;
      showLive();
      if (brokerLive && !wasLive) refreshSoon(true);
    });
    es.addEventListener("kpi", (ev) => applyUpdate(JSON.parse(ev.data)));
    es.onerror = () => {
      if (stream !== es) return;
      es.close();
      stream = null;
      streamOpen = false;
      showLive();
      retryStream();
    };
  }

  function retryStream() {
    streamOpen = false;
    showLive();
    const delay = Math.min(10000, 1000 * 2 ** streamRetry++);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (state.token) openStream(); }, delay);
  }

  function applyUpdate(update) {
    if (update.year !== state.year) return;
    const k = key(update.indicator, update.city);
    const old = rows.get(k) || {};
    rows.set(k, { ...old, ...update, name: old.name || update.name, city_name: old.city_name || CITY[update.city] });
    flashed.add(k);
    setTimeout(() => flashed.delete(k), 2000);
    redraw();
    if (update.indicator === state.indicator && state.view !== "overview") refreshSoon(false);
  }

  // One read of what depends on more than the changed row (the ranking order, the monthly series),
  // shortly after a burst of updates; or of everything, when the feed comes back after a cut.
  function refreshSoon(everything) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      if (everything) {
        try {
          const body = await json(`/api/v1/indicators?year=${state.year}&city=all`);
          rows = new Map(body.items.map((r) => [key(r.indicator, r.city), r]));
        } catch (e) { if (expired(e)) return; }
        redraw();
      }
      if (state.view === "cities") await loadRanking();
      if (state.view === "city") await loadSeries();
    }, 400);
  }

  // ---- the Excel report ----------------------------------------------------------------------------
  async function download() {
    const city = state.view === "city" ? state.city : PROVINCE;
    const button = $("download");
    button.disabled = true;
    try {
      const response = await api(`/api/v1/reports/progress?format=xlsx&year=${state.year}&city=${city}`);
      const blob = await response.blob();
      const match = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get("content-disposition") || "");
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = match ? decodeURIComponent(match[1]) : `进度报告-${state.year}.xlsx`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) {
      if (!expired(e)) setBanner(`下载失败：${e.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // ---- wiring --------------------------------------------------------------------------------------
  function wire() {
    $("year").innerHTML = CFG.years.map((y) => `<option value="${y}">${y}年</option>`).join("");
    $("indicator").innerHTML = CFG.programmes.map((p) => `<optgroup label="${esc(p.name)}">` +
      CFG.indicators.filter((i) => i.programme === p.code).map((i) => `<option value="${i.code}">${esc(i.name)}</option>`).join("") +
      "</optgroup>").join("");
    $("year").addEventListener("change", (e) => go({ year: Number(e.target.value) }));
    $("indicator").addEventListener("change", (e) => go({ indicator: e.target.value }));
    $("city-select").addEventListener("change", (e) => go({ city: e.target.value }));
    $("download").addEventListener("click", download);
    $("signout").addEventListener("click", () => signOut("已退出登录。", true));
    for (const a of document.querySelectorAll("#nav a")) {
      a.addEventListener("click", (e) => { e.preventDefault(); go({ view: a.dataset.view }); });
    }
    $("home").addEventListener("click", (e) => { if (state.token) { e.preventDefault(); go({ view: "overview" }); } });
    $("league").addEventListener("click", (e) => {
      const sort = e.target.closest("button[data-sort]");
      if (sort) {
        const k = sort.dataset.sort;
        state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : (k === "rank" || k === "city" ? 1 : -1) };
        renderLeague();
        return;
      }
      const tr = e.target.closest("tr[data-city]");
      if (tr) go({ view: "city", city: tr.dataset.city });
    });
    $("city-groups").addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-indicator]");
      if (tr) go({ indicator: tr.dataset.indicator });
    });
    for (const id of ["league", "city-groups"]) {
      $(id).addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target.matches("tr.link")) e.target.click(); });
    }
    $("signin-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const token = $("token").value.trim();
      if (!token) { signOut("请输入访问令牌。"); return; }
      await signIn(token, true);
    });
    window.addEventListener("popstate", () => { if (!state.token) return; const y = state.year; readUrl(); if (y !== state.year) loadYear(); else showView(); });
    window.addEventListener("resize", () => { if (chart) chart.resize(); });
  }

  async function start() {
    wire();
    // A link from another government system may carry the token once: take it, drop it from the address.
    const q = new URLSearchParams(location.search);
    const fromLink = q.get("access_token");
    if (fromLink !== null) {
      q.delete("access_token");
      history.replaceState(null, "", `/dashboard${q.toString() ? "?" + q : ""}`);
    }
    const token = fromLink || sessionStorage.getItem(TOKEN_KEY);
    if (!token) { signOut(""); return; }
    await signIn(token, true);
  }

  start();
})();
