"""The home page at ``/``: type a node, pick a query, see the lineage page. Plain HTML and inline
JavaScript, no build step and nothing from other hosts.

It fills the query list from ``/queries`` and node suggestions from ``/search``, checks the
request with ``/queries/<name>`` (so an unknown id shows the API's suggestions), then shows
``/viz/<name>?...`` in an iframe. The address bar carries the choice, so a link such as
``/?node=model:zephyr-7b&query=ancestors`` opens straight on that page. All text from the API
is set with ``textContent``/``value``, never parsed as HTML.
"""

from __future__ import annotations

HOME_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LLM Lineage</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; }
  body { margin: 0; background: #f5f7fa; }
  header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1rem; background: #243b53; color: #fff; }
  header h1 { font-size: 1.2rem; margin: 0; }
  header a { color: #bcccdc; }
  main { padding: .6rem 1rem; }
  form { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
  label { display: flex; flex-direction: column; font-size: .8rem; color: #486581; gap: .15rem; }
  input, select, button { font: inherit; padding: .3rem .45rem; border: 1px solid #9fb3c8; border-radius: 4px; }
  input#node { min-width: 20rem; }
  input[type=number] { width: 5rem; }
  button { background: #334e68; color: #fff; border-color: #334e68; cursor: pointer; }
  button.link { background: none; color: #1f6feb; border: none; padding: 0 .2rem; text-decoration: underline; }
  #about { color: #486581; margin: .4rem 0; font-size: .9rem; }
  #status { margin: .3rem 0; min-height: 1.2rem; }
  #status.error { color: #b42318; }
  #links { font-size: .85rem; margin: .2rem 0 .5rem; }
  #links a { margin-right: .6rem; }
  iframe { width: 100%; height: 82vh; border: 1px solid #d9e2ec; background: #fff; border-radius: 4px; }
</style>
</head>
<body data-state="loading">
<header>
  <h1>LLM Lineage</h1>
  <span>where a model or method comes from, and what came of it</span>
  <nav><a href="/docs">API docs</a> · <a href="/openapi.json">OpenAPI</a> · <a href="/health">health</a></nav>
</header>
<main>
<form id="ask" autocomplete="off">
  <label>Node
    <input id="node" name="node" list="node-options" placeholder="e.g. zephyr, DPO, arxiv:2310.06825" required>
  </label>
  <datalist id="node-options"></datalist>
  <label>Query <select id="query" name="query"></select></label>
  <span id="extra" style="display: contents"></span>
  <label>Layout
    <select id="layout" name="layout"><option value="force">force</option><option value="time">time</option></select>
  </label>
  <button type="submit">Show lineage</button>
  <button type="button" id="overview">Whole graph</button>
</form>
<p id="about"></p>
<p id="status" role="status" aria-live="polite"></p>
<p id="links"></p>
<iframe id="view" title="lineage graph"></iframe>
</main>
<script>
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { queries: {}, ready: false, last: null };
  window.lineageHome = state;
  const nodeParam = (q) => q.params.find((p) => p.type === "node");

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body;
    try { body = await response.json(); } catch (e) { body = { error: response.statusText }; }
    return { ok: response.ok, status: response.status, body };
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  let timer = null;
  let latest = 0;
  function suggest(input) {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) return;
    timer = setTimeout(async () => {
      const ticket = ++latest;
      const { ok, body } = await getJSON("/search?limit=10&q=" + encodeURIComponent(text));
      if (!ok || ticket !== latest) return;
      const list = $("node-options");
      list.replaceChildren(...body.results.map((hit) => {
        const option = document.createElement("option");
        option.value = hit.id;
        option.textContent = (hit.name || hit.id) + " (" + (hit.label || "?") + ")";
        return option;
      }));
      state.suggestions = body.results.map((hit) => hit.id);
      document.body.dataset.suggestions = String(body.results.length);
    }, 150);
  }

  function renderParams(initial) {
    const query = state.queries[$("query").value];
    const extra = $("extra");
    extra.replaceChildren();
    if (!query) return;
    $("about").textContent = query.description;
    const bound = nodeParam(query);
    for (const p of query.params) {
      if (p === bound) continue;
      const label = document.createElement("label");
      label.title = p.help || "";
      label.append(p.name);
      let input;
      if (p.choices) {
        input = document.createElement("select");
        if (!p.required) {
          const unset = document.createElement("option");
          unset.value = "";
          unset.textContent = "(" + p.default + ")";
          input.append(unset);
        }
        for (const choice of p.choices) {
          const option = document.createElement("option");
          option.value = option.textContent = choice;
          input.append(option);
        }
      } else {
        input = document.createElement("input");
        if (p.type === "int") {
          input.type = "number";
          if (p.minimum !== null) input.min = p.minimum;
          if (p.maximum !== null) input.max = p.maximum;
        }
        if (p.type === "node") {
          input.setAttribute("list", "node-options");
          input.addEventListener("input", () => suggest(input));
        }
        const shown = Array.isArray(p.default) ? p.default.join(",") : p.default;
        input.placeholder = shown === null || shown === undefined || shown === "" ? (p.type === "list" ? "comma-separated" : "") : String(shown);
      }
      input.name = p.name;
      input.dataset.param = p.name;
      if (p.required) input.required = true;
      if (initial && initial.has(p.name)) input.value = initial.get(p.name);
      label.append(input);
      extra.append(label);
    }
  }

  function currentParams() {
    const query = state.queries[$("query").value];
    const params = new URLSearchParams();
    params.set(nodeParam(query).name, $("node").value.trim());
    for (const input of $("extra").querySelectorAll("[data-param]")) {
      if (input.value.trim() !== "") params.set(input.dataset.param, input.value.trim());
    }
    return params;
  }

  function showLinks(name, params) {
    const links = $("links");
    links.replaceChildren();
    const add = (text, href) => {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      links.append(a);
    };
    add("rows (JSON)", "/queries/" + name + "?" + params);
    add("subgraph (JSON)", "/queries/" + name + "?" + params + "&as=subgraph");
    for (const fmt of ["graphml", "gexf", "json", "csv", "cypher", "bibtex"]) {
      add(fmt, "/export/" + name + "?" + params + "&format=" + fmt);
    }
  }

  async function show(event) {
    if (event) event.preventDefault();
    const query = state.queries[$("query").value];
    if (!query || !$("node").value.trim()) return;
    const params = currentParams();
    const probe = new URLSearchParams(params);
    if (!query.params.some((p) => p.name === "limit")) probe.set("limit", "1");
    document.body.dataset.state = "checking";
    setStatus("looking up…");
    const { ok, body } = await getJSON("/queries/" + encodeURIComponent(query.name) + "?" + probe);
    if (!ok) {
      setStatus(body.error || "error", true);
      for (const id of body.suggestions || []) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = id;
        button.addEventListener("click", () => { $("node").value = id; show(); });
        $("status").append(" ", button);
      }
      document.body.dataset.state = "error";
      return;
    }
    const bound = nodeParam(query).name;
    if (body.params && body.params[bound]) {
      $("node").value = body.params[bound];
      params.set(bound, body.params[bound]);
    }
    setStatus(query.name + " " + params.get(bound) + ": " + body.total + " row" + (body.total === 1 ? "" : "s") + "; drawing…");
    showLinks(query.name, params);
    const layout = $("layout").value;
    state.last = "/viz/" + encodeURIComponent(query.name) + "?" + params + "&layout=" + layout;
    document.body.dataset.state = "drawing";
    $("view").src = state.last;
    const address = new URLSearchParams(params);
    address.delete(bound);
    history.replaceState(null, "", "/?query=" + encodeURIComponent(query.name) + "&node=" +
      encodeURIComponent(params.get(bound)) + (address.toString() ? "&" + address : "") + "&layout=" + layout);
  }

  $("view").addEventListener("load", () => {
    if (!state.last) return;
    document.body.dataset.state = "drawn";
    setStatus($("status").textContent.replace(/; drawing…$/, ""));
  });

  async function start() {
    const { ok, body } = await getJSON("/queries?limit=100");
    if (!ok) { setStatus(body.error || "cannot list the saved queries", true); return; }
    const select = $("query");
    for (const query of body.queries) {
      if (!nodeParam(query)) continue;
      state.queries[query.name] = query;
      const option = document.createElement("option");
      option.value = option.textContent = query.name;
      select.append(option);
    }
    const initial = new URLSearchParams(location.search);
    if (state.queries[initial.get("query")]) select.value = initial.get("query");
    else if (state.queries.ancestors) select.value = "ancestors";
    if (initial.get("layout") === "time") $("layout").value = "time";
    renderParams(initial);
    select.addEventListener("change", () => renderParams(null));
    $("node").addEventListener("input", () => suggest($("node")));
    $("ask").addEventListener("submit", show);
    $("overview").addEventListener("click", () => {
      state.last = "/viz/overview?layout=" + $("layout").value;
      setStatus("the whole curated core; drawing…");
      $("links").replaceChildren();
      document.body.dataset.state = "drawing";
      $("view").src = state.last;
    });
    state.ready = true;
    document.body.dataset.state = "ready";
    if (initial.get("node")) {
      $("node").value = initial.get("node");
      show();
    }
  }
  start();
})();
</script>
</body>
</html>
"""


def home_page() -> str:
    """The page (static: everything it shows comes from the API at run time)."""
    return _HTML
