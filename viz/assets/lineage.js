/* LLM Lineage page: builds the vis network from the embedded data and wires search, filters and
 * the details panel. Plain ES2017, no framework, no network access (the page's CSP forbids it).
 *
 * For tests and tools the page publishes window.lineageStats = {nodes, edges, drawnNodes, drawnEdges},
 * mirrors it on <body data-nodes data-edges>, and sets <body data-ready="1"> once the layout is drawn.
 */
(function () {
  "use strict";
  var body = document.body;
  var data = JSON.parse(document.getElementById("lineage-data").textContent);
  var tipHtml = { node: new Map(), edge: new Map() };

  // Tooltip HTML is built server-side from escaped values only (viz/tooltips.py); vis shows
  // strings as plain text, so hand it elements.
  function tipElement(html) {
    var div = document.createElement("div");
    div.className = "tt";
    div.innerHTML = html;
    return div;
  }
  function showKind(values) { values.size = 12; }

  var index = [];
  data.nodes.forEach(function (n) {
    tipHtml.node.set(n.id, n.title);
    n.title = tipElement(n.title);
    index.push({ id: n.id, group: n.group, name: n.name, key: (n.name + " " + n.id).toLowerCase() });
  });
  data.edges.forEach(function (e) {
    var style = data.edgeStyles[e.type + "|" + e.trust];
    e.color = style.color;
    e.width = style.width;
    e.dashes = style.dashes;
    tipHtml.edge.set(e.id, e.title);
    e.title = tipElement(e.title);
    if (e.label) e.chosen = { label: showKind, edge: true };
  });

  // --- filters -------------------------------------------------------------------------
  var state = { label: new Set(), type: new Set(), trust: new Set() };
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  boxes.forEach(function (box) { if (box.checked) state[box.dataset.filter].add(box.value); });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return state.label.has(n.group); } });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) { return state.type.has(e.type) && state.trust.has(String(e.trust)); }
  });

  // --- network -------------------------------------------------------------------------
  var container = document.getElementById("lineage-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, data.options);
  window.lineageNetwork = network;
  var status = document.getElementById("lineage-status");
  var summary = status.textContent;

  function publishStats() {
    var drawnEdges = 0;
    Object.keys(network.body.edges).forEach(function (id) { if (network.body.edges[id].connected) drawnEdges++; });
    var stats = {
      nodes: network.body.data.nodes.length,
      edges: network.body.data.edges.length,
      drawnNodes: network.body.nodeIndices.length,
      drawnEdges: drawnEdges
    };
    window.lineageStats = stats;
    body.dataset.nodes = String(stats.nodes);
    body.dataset.edges = String(stats.edges);
    body.dataset.drawnNodes = String(stats.drawnNodes);
    body.dataset.drawnEdges = String(stats.drawnEdges);
    return stats;
  }
  publishStats();

  var settled = !data.options.physics.enabled || data.nodes.length === 0;
  network.on("stabilizationProgress", function (p) {
    status.textContent = "laying out… " + Math.round((100 * p.iterations) / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } }); // settle once, then stay put while exploring
    settled = true;
    status.textContent = summary;
    network.fit();
  });
  network.on("afterDrawing", function () {
    if (settled && body.dataset.ready !== "1") {
      publishStats();
      body.dataset.ready = "1";
    }
  });
  if (settled) network.redraw();

  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var set = state[box.dataset.filter];
      if (box.checked) set.add(box.value); else set.delete(box.value);
      nodeView.refresh();
      edgeView.refresh();
      publishStats();
    });
  });

  // --- details panel -------------------------------------------------------------------
  var details = document.getElementById("lineage-details");
  var detailsBody = document.getElementById("lineage-details-body");
  function showDetails(kind, id) {
    var html = tipHtml[kind].get(id);
    if (html === undefined) return;
    detailsBody.innerHTML = "";
    var el = tipElement(html);
    detailsBody.appendChild(el);
    details.hidden = false;
  }
  document.getElementById("lineage-details-close").addEventListener("click", function () {
    details.hidden = true;
    network.unselectAll();
  });
  network.on("click", function (params) {
    if (params.nodes.length) showDetails("node", params.nodes[0]);
    else if (params.edges.length) showDetails("edge", params.edges[0]);
    else details.hidden = true;
  });

  // --- search --------------------------------------------------------------------------
  var names = document.getElementById("lineage-names");
  var frag = document.createDocumentFragment();
  index.slice(0, 3000).forEach(function (n) {
    var option = document.createElement("option");
    option.value = n.name;
    frag.appendChild(option);
  });
  names.appendChild(frag);
  var message = document.getElementById("lineage-search-msg");
  var last = { query: "", hits: [], at: 0 };

  function find(query) {
    var q = query.trim().toLowerCase();
    var exact = [], partial = [];
    if (!q) return exact;
    index.forEach(function (n) {
      if (n.id.toLowerCase() === q || n.name.toLowerCase() === q) exact.push(n);
      else if (n.key.indexOf(q) !== -1) partial.push(n);
    });
    return exact.concat(partial);
  }
  function focusNode(hit) {
    if (!state.label.has(hit.group)) {  // searching for a hidden type shows that type again
      boxes.forEach(function (box) {
        if (box.dataset.filter === "label" && box.value === hit.group) box.checked = true;
      });
      state.label.add(hit.group);
      nodeView.refresh();
      edgeView.refresh();
      publishStats();
    }
    network.selectNodes([hit.id]);
    network.focus(hit.id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 450, easingFunction: "easeInOutQuad" } });
    showDetails("node", hit.id);
  }
  document.getElementById("lineage-search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var query = document.getElementById("lineage-query").value;
    if (query !== last.query) last = { query: query, hits: find(query), at: 0 };
    else last.at = (last.at + 1) % Math.max(last.hits.length, 1);
    if (!last.hits.length) {
      message.textContent = query.trim() ? "no match" : "";
      return;
    }
    message.textContent = last.hits.length > 1 ? (last.at + 1) + " of " + last.hits.length + " (Enter: next)" : "";
    focusNode(last.hits[last.at]);
  });

  // --- time axis (time layout only): year lines and lane names behind the nodes ---------
  // Labels stick to the top and left edges of the view, so they stay readable at any zoom.
  if (data.axis) {
    network.on("beforeDrawing", function (ctx) {
      var axis = data.axis, lanes = axis.lanes, scale = network.getScale();
      var px = function (n) { return n / scale; }; // screen pixels → canvas units
      var corner = network.DOMtoCanvas({ x: 0, y: 0 });
      var far = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
      var top = lanes.length ? lanes[0].top : 0;
      var bottom = lanes.length ? lanes[lanes.length - 1].bottom : 100;
      var labelY = Math.max(corner.y + px(16), top - px(8));
      ctx.save();
      lanes.forEach(function (lane, i) {
        if (i % 2 === 0) {
          ctx.fillStyle = "rgba(140, 150, 160, 0.08)";
          ctx.fillRect(corner.x, lane.top, far.x - corner.x, lane.bottom - lane.top);
        }
      });
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.font = px(12) + "px system-ui, sans-serif";
      axis.ticks.forEach(function (tick) {
        ctx.strokeStyle = tick.major ? "rgba(90, 100, 110, 0.35)" : "rgba(90, 100, 110, 0.18)";
        ctx.lineWidth = px(1);
        ctx.beginPath();
        ctx.moveTo(tick.x, Math.min(top, labelY + px(2)));
        ctx.lineTo(tick.x, bottom);
        ctx.stroke();
        ctx.fillStyle = "#3d444d";
        ctx.fillText(tick.label, tick.x, labelY);
      });
      if (axis.undated !== null) {
        ctx.fillStyle = "#8c959f";
        ctx.fillText("undated", axis.undated, labelY);
      }
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      ctx.font = "600 " + px(12) + "px system-ui, sans-serif";
      ctx.fillStyle = "#57606a";
      lanes.forEach(function (lane) { ctx.fillText(lane.label, corner.x + px(8), lane.top + px(4)); });
      ctx.restore();
    });
  }
})();
