/* govreport verify: the queue and the report view, keyboard first. Plain JS, no dependencies.
   Everything a report says arrives either as HTML the server escaped or as data set with textContent. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var M = window.GR_MESSAGES || {};
  // a message in the page's language (the server inlines the catalog; English msgids otherwise)
  function _(msg) { return Object.prototype.hasOwnProperty.call(M, msg) ? M[msg] : msg; }
  function fmt(msg, args) { return msg.replace(/\{([^{}]+)\}/g, function (m, k) { return k in args ? String(args[k]) : m; }); }
  var STATUS = {read: _("read"), blank: _("printed empty"), masked: _("masked"), inferred: _("inferred"),
                corrected: _("corrected"), missing: _("missing"), verified: _("verified")};
  var ACTION = {value: _("value typed"), confirm: _("value confirmed"), blank: _("printed blank"),
                illegible: _("not legible")};
  function statusWord(s) { return STATUS[s] || s; }
  var root = document.documentElement;
  var S = {view: "queue", queue: [], sel: 0, rid: null, data: null, cur: null, boxes: {}, tds: {}, busy: false,
           steps: []};
  window.grSteps = S.steps;

  function flash(msg, err) {
    var f = $("v-flash");
    f.textContent = msg || "";
    f.className = err ? "v-err" : "";
  }

  function api(path, body) {
    var opts = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"},
                                          body: JSON.stringify(body)};
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j && j.error ? j.error : ("HTTP " + r.status)); }
        return j;
      });
    });
  }

  function td(text, cls) {
    var e = document.createElement("td");
    e.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) { e.className = cls; }
    return e;
  }

  // -- queue ------------------------------------------------------------------------------------
  function loadQueue() {
    return api("api/queue").then(function (q) {
      S.queue = q.reports;
      root.setAttribute("data-open-total", String(q.open));
      root.setAttribute("data-decisions-total", String(q.decisions));
      return q;
    });
  }

  function renderQueue() {
    var body = document.querySelector("#v-queue-table tbody");
    body.textContent = "";
    S.queue.forEach(function (r, i) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-id", r.id);
      tr.setAttribute("data-open", String(r.open));
      tr.setAttribute("data-decisions", String(r.decisions));
      if (i === S.sel) { tr.className = "v-sel"; }
      if (r.open === 0 && r.decisions === 0) { tr.className += " v-done"; }
      [td(r.source), td(r.agency), td(r.year), td(r.template), td(r.decisions, r.decisions ? "hot" : ""),
       td(r.open, "gr-dim"), td(r.flagged, "gr-dim"), td(r.decided), td(r.issues), td(r.inconsistent)
      ].forEach(function (c) { tr.appendChild(c); });
      tr.addEventListener("click", function () { location.hash = "#r=" + encodeURIComponent(r.id); });
      body.appendChild(tr);
    });
    $("v-title").textContent = fmt(_("{n} report(s)"), {n: S.queue.length});
    $("v-progress").textContent = fmt(_("{n} open decision(s) · {cells} flagged cell(s) open"),
                                      {n: root.getAttribute("data-decisions-total") || "0",
                                       cells: root.getAttribute("data-open-total") || "0"});
  }

  function showQueue() {
    S.view = "queue";
    S.rid = null;
    $("v-report").classList.add("v-hidden");
    $("v-back").classList.add("v-hidden");
    $("v-queue").classList.remove("v-hidden");
    return loadQueue().then(function () {
      var i = S.queue.findIndex(function (r) { return r.id === S.lastRid; });
      if (i >= 0) { S.sel = i; }
      S.sel = Math.max(0, Math.min(S.sel, S.queue.length - 1));
      renderQueue();
      root.setAttribute("data-view", "queue");
    });
  }

  // -- report -----------------------------------------------------------------------------------
  function keyOf(e) { return [e.getAttribute("data-table"), e.getAttribute("data-row"), e.getAttribute("data-col")].join("|"); }

  function indexElements() {
    S.boxes = {};
    S.tds = {};
    document.querySelectorAll("#v-pages .gr-box").forEach(function (b) {
      var k = keyOf(b);
      (S.boxes[k] = S.boxes[k] || []).push(b);
    });
    document.querySelectorAll("#v-tables td[data-status]").forEach(function (t) { S.tds[keyOf(t)] = t; });
  }

  function openReport(rid) {
    S.view = "report";
    root.setAttribute("data-view", "loading");
    return api("api/report/" + encodeURIComponent(rid)).then(function (d) {
      S.rid = rid;
      S.lastRid = rid;
      S.data = d;
      $("v-queue").classList.add("v-hidden");
      $("v-report").classList.remove("v-hidden");
      $("v-back").classList.remove("v-hidden");
      $("gr-page-css").textContent = d.page_css || "";
      $("v-pages").innerHTML = d.pages || "";
      $("v-note").textContent = d.note || "";
      $("v-title").textContent = d.source;
      S.info = d.cell_info;
      S.colors = d.colors;
      render(d, true);
      var first = d.open.length ? d.open[0] : (d.flagged.length ? d.flagged[0] : null);
      select(first, true);
      root.setAttribute("data-view", "report");
      root.setAttribute("data-report", rid);
    }).catch(function (e) { flash(e.message, true); showQueue(); });
  }

  function tip(k, c) {
    var info = S.info[k] || [], parts = [info.length ? info[1] + " · " + info[2] : k.split("|").join(" · "),
      statusWord(c[0]), fmt(_("value {value}"), {value: c[1] === null ? "—" : c[1]})];
    if (c[2] !== null) { parts.push(fmt(_("read {text!r}"), {"text!r": "'" + c[2] + "'"})); }
    if (c[3] !== null) { parts.push(fmt(_("confidence {conf:.2f}"), {"conf:.2f": Number(c[3]).toFixed(2)})); }
    if (info[3] !== null && info[3] !== undefined) { parts.push(fmt(_("page {page}"), {page: info[3]})); }
    return parts.join(" | ");
  }

  function render(d, full) {
    $("v-head").innerHTML = d.header;
    $("v-issues").innerHTML = d.issues;
    if (full) {
      $("v-tables").innerHTML = d.tables;
      indexElements();
    }
    if (full) { S.drawn = {}; }
    Object.keys(d.cells).forEach(function (k) {
      var c = d.cells[k], status = c[0], flag = c[4], mark = flag === 2 ? " gr-bad gr-issue" : flag === 1 ? " gr-issue" : "";
      var sig = JSON.stringify(c);
      if (S.drawn[k] === sig) { return; }  // only cells whose state changed are touched
      S.drawn[k] = sig;
      var t = tip(k, c);
      (S.boxes[k] || []).forEach(function (b) {
        b.className = "gr-box s-" + status + mark + (c[5] ? " v-decided" : "");
        b.setAttribute("data-box-status", status);
        b.setAttribute("title", t);
        var v = b.querySelector(".gr-val");
        if (v) { v.remove(); }
        if ((status === "inferred" || status === "corrected" || status === "verified") && c[1] !== null) {
          v = document.createElement("span");
          v.className = "gr-val";
          v.textContent = String(c[1]);
          b.appendChild(v);
        }
      });
      var e = S.tds[k];
      if (e && !full) {
        e.setAttribute("data-status", status);
        e.setAttribute("title", t);
        e.className = mark.trim();
        e.style.background = S.colors[status] || "#fff";
        e.textContent = c[1] !== null ? String(c[1]) : status === "masked" ? "■" : status === "missing" ? "?" : "";
      }
    });
    var open = {};
    d.open.forEach(function (k) { open[k] = 1; });
    var ol = $("v-flagged");
    ol.textContent = "";
    d.flagged.forEach(function (k) {
      var c = d.cells[k], info = S.info[k] || ["", k, ""], li = document.createElement("li");
      li.setAttribute("data-key", k);
      li.textContent = info[1] + " · " + info[2] + " = " + (c[1] === null ? "—" : c[1]) + " (" + statusWord(c[0]) + ")";
      li.title = k.split("|").join(" · ");
      if (!open[k]) { li.className = "v-decided"; }
      li.addEventListener("click", function () { select(k, true); });
      ol.appendChild(li);
    });
    $("v-progress").textContent = fmt(_("{n} open decision(s) · {open} of {flagged} flagged cell(s) open"),
                                      {n: d.decisions, open: d.open.length, flagged: d.flagged.length});
    root.setAttribute("data-open", String(d.open.length));
    root.setAttribute("data-decisions", String(d.decisions));
    renderDecided(d);
  }

  // the decided cells, each with its undo (back to the decision before, or to what the extraction gave);
  // a click on one selects it, to decide it again
  function renderDecided(d) {
    var ol = $("v-decided"), keys = Object.keys(d.cells).filter(function (k) { return d.cells[k][5]; });
    ol.textContent = "";
    $("v-decided-n").textContent = "(" + keys.length + ")";
    keys.forEach(function (k) {
      var c = d.cells[k], info = S.info[k] || ["", k, ""], li = document.createElement("li");
      li.setAttribute("data-key", k);
      li.className = "v-decided";
      li.appendChild(document.createTextNode(info[1] + " · " + info[2] + " = " + (c[1] === null ? "—" : c[1]) +
                                             " · " + (ACTION[c[5]] || c[5])));
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "v-undo";
      btn.textContent = _("undo");
      btn.title = _("withdraw this decision: the cell goes back to what it was before it");
      btn.addEventListener("click", function (ev) { ev.stopPropagation(); undo(k, performance.now()); });
      li.appendChild(btn);
      li.addEventListener("click", function () { select(k, true); });
      ol.appendChild(li);
    });
  }

  // what a decision answers: the report's new state, drawn in place
  function update(d) {
    S.data.header = d.header; S.data.issues = d.issues; S.data.cells = d.cells;
    S.data.flagged = d.flagged; S.data.open = d.open; S.data.decisions = d.decisions;
    render(S.data, false);
  }

  // withdraw the decision in force on cell k (a line of its own in corrections.jsonl)
  function undo(k, t0) {
    if (!k || !S.data.cells[k] || !S.data.cells[k][5]) { flash(_("nothing decided yet in this report"), true); return; }
    if (S.busy) { flash(_("one moment: the last decision is being saved"), true); return; }
    var p = k.split("|");
    S.busy = true;
    root.setAttribute("data-busy", "1");
    api("api/decide/" + encodeURIComponent(S.rid), {table: p[0], row: p[1], col: p[2], action: "undo"})
      .then(function (d) {
        update(d);
        select(k, true);
        flash(_("undone: the cell is back to what it was before that decision"));
        root.setAttribute("data-last-step-ms", (performance.now() - t0).toFixed(1));
        root.setAttribute("data-undos", String(Number(root.getAttribute("data-undos") || "0") + 1));
      })
      .catch(function (e) { flash(e.message, true); })
      .then(function () { S.busy = false; root.setAttribute("data-busy", "0"); });
  }

  function zoom(k) {
    var z = $("v-zoom"), b = (S.boxes[k] || [])[0];
    var fig = b && b.closest("figure"), img = fig && fig.querySelector("img");
    if (!img) { z.classList.add("v-hidden"); return; }
    z.classList.remove("v-hidden");
    var ar = /aspect-ratio:\s*([\d.]+)\s*\/\s*([\d.]+)/.exec(fig.getAttribute("style") || "");
    var pw = ar ? parseFloat(ar[1]) : 1, ph = ar ? parseFloat(ar[2]) : 1.414;
    var pct = function (name) { return parseFloat(b.style[name]) / 100; };
    var bx = pct("left"), by = pct("top"), bw = pct("width"), bh = pct("height");
    var zw = z.clientWidth || 340, zh = z.clientHeight || 110;
    // the part of the page shown: a narrow cell with its neighbours (four cells wide), a wide one whole
    // with a margin, not the whole table
    var rw = Math.min(1, Math.max(0.2, Math.min(4 * bw, bw + 0.1)));
    var rh = rw * (zh / zw) * (pw / ph);
    var bgw = zw / rw, bgh = bgw * ph / pw;
    var x0 = bx + bw / 2 - rw / 2, y0 = by + bh / 2 - rh / 2;
    z.style.backgroundImage = "url(\"" + img.getAttribute("src") + "\")";
    z.style.backgroundSize = bgw.toFixed(1) + "px " + bgh.toFixed(1) + "px";
    z.style.backgroundPosition = (-x0 * bgw).toFixed(1) + "px " + (-y0 * bgh).toFixed(1) + "px";
    var mark = $("v-zoom-mark");  // the target cell, outlined inside the magnifier
    mark.style.left = ((bx - x0) * bgw).toFixed(1) + "px";
    mark.style.top = ((by - y0) * bgh).toFixed(1) + "px";
    mark.style.width = (bw * bgw).toFixed(1) + "px";
    mark.style.height = (bh * bgh).toFixed(1) + "px";
  }

  // for text, Word and HTML reports: the line or table row of the document the cell was read from
  function source(k) {
    var box = $("v-source"), src = S.data.sources && S.data.sources[k];
    if (!src) { box.classList.add("v-hidden"); return; }
    box.classList.remove("v-hidden");
    var out = $("v-source-text"), line = src[0], at = src[1], len = src[2];
    out.textContent = "";
    if (at >= 0) {
      out.appendChild(document.createTextNode(line.slice(0, at)));
      var m = document.createElement("mark");
      m.textContent = line.slice(at, at + len);
      out.appendChild(m);
      out.appendChild(document.createTextNode(line.slice(at + len)));
    } else { out.textContent = line; }
  }

  function select(k, scroll) {
    document.querySelectorAll(".v-cur").forEach(function (e) { e.classList.remove("v-cur"); });
    S.cur = k;
    root.setAttribute("data-cur", k || "");
    var input = $("v-value");
    input.value = "";
    if (!k || !S.data.cells[k]) {
      $("v-cell-where").textContent = S.data.flagged.length ? "" : _("No flagged cell in this report.");
      $("v-source").classList.add("v-hidden");
      $("v-cell-ids").textContent = "";
      $("v-cell-state").textContent = "";
      $("v-zoom").classList.add("v-hidden");
      input.focus();
      return;
    }
    var c = S.data.cells[k], info = S.info[k];
    $("v-cell-where").textContent = info[0] + " · " + info[1] + " · " + info[2];
    $("v-cell-where").title = k.split("|").join(" · ");  // the contract IDs, for whoever needs them
    $("v-cell-ids").textContent = "";
    var bits = [statusWord(c[0]), fmt(_("value {value}"), {value: c[1] === null ? "—" : c[1]})];
    if (c[2] !== null) { bits.push(fmt(_("read {text!r}"), {"text!r": "“" + c[2] + "”"})); }
    if (c[3] !== null) { bits.push(fmt(_("confidence {conf:.2f}"), {"conf:.2f": Number(c[3]).toFixed(2)})); }
    if (c[5]) { bits.push(fmt(_("decided: {action}"), {action: ACTION[c[5]] || c[5]})); }
    $("v-cell-state").textContent = bits.join(" · ");
    var targets = (S.boxes[k] || []).slice();
    if (S.tds[k]) { targets.push(S.tds[k]); }
    targets.forEach(function (e) { e.classList.add("v-cur"); });
    var li = document.querySelector("#v-flagged li[data-key=\"" + CSS.escape(k) + "\"]");
    if (li) { li.classList.add("v-cur"); if (scroll) { li.scrollIntoView({block: "nearest"}); } }
    if (scroll && targets.length) { targets[0].scrollIntoView({block: "center"}); }
    zoom(k);
    source(k);
    input.focus();
  }

  function move(step) {
    var f = S.data ? S.data.flagged : [];
    if (!f.length) { return; }
    var i = f.indexOf(S.cur);
    i = i < 0 ? (step > 0 ? 0 : f.length - 1) : (i + step + f.length) % f.length;
    select(f[i], true);
  }

  function nextOpen(after) {
    var f = S.data.flagged, open = {};
    S.data.open.forEach(function (k) { open[k] = 1; });
    var i = f.indexOf(after);
    for (var n = 1; n <= f.length; n++) {
      var k = f[(i + n + f.length) % f.length];
      if (open[k]) { return k; }
    }
    return null;
  }

  function decide(action, value, t0) {
    if (!S.cur || !S.rid) { return; }
    if (S.busy) { flash(_("one moment: the last decision is being saved"), true); return; }
    var p = S.cur.split("|");
    S.busy = true;
    root.setAttribute("data-busy", "1");
    api("api/decide/" + encodeURIComponent(S.rid), {table: p[0], row: p[1], col: p[2], action: action, value: value})
      .then(function (d) {
        var was = S.cur;
        S.last = was;
        update(d);
        var nxt = nextOpen(was);
        select(nxt, true);
        flash(nxt ? _("saved") : _("saved · every flagged cell of this report is decided (] next report)"));
        var ms = performance.now() - t0;
        S.steps.push(ms);
        root.setAttribute("data-last-step-ms", ms.toFixed(1));
        root.setAttribute("data-steps", String(S.steps.length));
      })
      .catch(function (e) { flash(e.message, true); })
      .then(function () { S.busy = false; root.setAttribute("data-busy", "0"); });
  }

  // a reading issue settled in one action: the alternative chosen sets every cell it names
  function choose(issue, alt, t0) {
    if (!S.rid) { return; }
    if (S.busy) { flash(_("one moment: the last decision is being saved"), true); return; }
    S.busy = true;
    root.setAttribute("data-busy", "1");
    api("api/decide/" + encodeURIComponent(S.rid), {action: "choose", issue: issue, alt: alt})
      .then(function (d) {
        update(d);
        select(nextOpen(null), true);
        flash(_("saved"));
        root.setAttribute("data-last-step-ms", (performance.now() - t0).toFixed(1));
      })
      .catch(function (e) { flash(e.message, true); })
      .then(function () { S.busy = false; root.setAttribute("data-busy", "0"); });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest("button.gr-alt") : null;
    if (!b) { return; }
    ev.preventDefault(); ev.stopPropagation();
    choose(parseInt(b.getAttribute("data-issue"), 10), parseInt(b.getAttribute("data-alt"), 10), performance.now());
  }, true);

  function otherReport(step) {
    var i = S.queue.findIndex(function (r) { return r.id === S.rid; });
    var j = i + step;
    if (j >= 0 && j < S.queue.length) { location.hash = "#r=" + encodeURIComponent(S.queue[j].id); }
  }

  // -- keys -------------------------------------------------------------------------------------
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) { return; }
    var t0 = performance.now(), k = ev.key;
    if (S.view === "queue") {
      if (k === "ArrowDown" || k === "j") { S.sel = Math.min(S.sel + 1, S.queue.length - 1); renderQueue(); }
      else if (k === "ArrowUp" || k === "k") { S.sel = Math.max(S.sel - 1, 0); renderQueue(); }
      else if (k === "Enter" && S.queue[S.sel]) { location.hash = "#r=" + encodeURIComponent(S.queue[S.sel].id); }
      else { return; }
      ev.preventDefault();
      return;
    }
    if (S.view !== "report" || !S.data) { return; }
    var input = $("v-value");
    if (k === "Escape") {
      if (input.value) { input.value = ""; } else { location.hash = ""; }
    } else if (k === "Enter") {
      if (input.value.trim()) { decide("value", input.value.trim(), t0); }
      else { flash(_("type the value first, or c to confirm the value shown"), true); }
    } else if (k === "c") { decide("confirm", null, t0); }
    else if (k === "b") { decide("blank", null, t0); }
    else if (k === "x") { decide("illegible", null, t0); }
    else if (k === "u") { undo(S.last, t0); }
    else if (k === "n" || k === "ArrowDown") { move(1); }
    else if (k === "p" || k === "ArrowUp") { move(-1); }
    else if (k === "]") { otherReport(1); }
    else if (k === "[") { otherReport(-1); }
    else {
      if (document.activeElement !== input && k.length === 1) { input.focus(); }
      return;
    }
    ev.preventDefault();
    if (k !== "Enter" && k.length > 1 || "np[]".indexOf(k) >= 0) {
      root.setAttribute("data-last-move-ms", (performance.now() - t0).toFixed(1));
    }
  });

  document.addEventListener("click", function (ev) {
    if (S.view !== "report") { return; }
    var li = ev.target.closest && ev.target.closest("li[data-cells]");
    if (li) {
      ev.preventDefault();
      select(li.getAttribute("data-cells").split(" ")[0], true);
      return;
    }
    var e = ev.target.closest && ev.target.closest("[data-row][data-col]");
    if (e) { select(keyOf(e), false); }
  });

  function route() {
    var m = /^#r=(.+)$/.exec(location.hash);
    if (!m) { return showQueue(); }
    return (S.queue.length ? Promise.resolve() : loadQueue()).then(function () {
      return openReport(decodeURIComponent(m[1]));
    });
  }
  $("v-back").addEventListener("click", function (ev) { ev.preventDefault(); location.hash = ""; });
  window.addEventListener("hashchange", route);
  route().then(function () { root.setAttribute("data-ready", "1"); })
    .catch(function (e) { flash(e.message, true); });
})();
