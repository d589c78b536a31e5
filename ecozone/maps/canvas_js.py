"""The script of the big-layer canvas (:mod:`~ecozone.maps.canvas`): ``L.EcozoneCanvas``, inlined once per page.

A Leaflet renderer (it extends ``L.Renderer``, so panning, zoom animation and the layer control
work as for Leaflet's own canvas) that draws a whole layer on one ``<canvas>``: no Leaflet object
per feature.  The data (see :func:`ecozone.maps.canvas.encode`) is decoded once, projected to Web
Mercator once, and drawn per style as one path: features outside the view are skipped, vertices
closer than a pixel to the last one drawn are dropped (simplified per zoom), and where a typical
feature is a few pixels wide its outline is drawn 1 px wide and solid.  Hovering and
clicking find the feature under the mouse through a coarse grid of feature boxes and an exact
test (point in polygon, distance to a line or a point); tooltips and popups are built with
``textContent``: a value is shown as the characters it is, never parsed as HTML.
"""

__all__ = ["SCRIPT"]

SCRIPT = r"""
(function () {
if (window.L === undefined || L.EcozoneCanvas) { return; }
var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
var T = new Int8Array(128).fill(-1);
for (var a = 0; a < 64; a++) { T[ALPHABET.charCodeAt(a)] = a; }

// zigzag varints, 5 bits a character, the 6th bit says "more"
function ints(s) {
  var n = 0, i, c;
  for (i = 0; i < s.length; i++) { if (T[s.charCodeAt(i)] < 32) { n++; } }
  var out = new Int32Array(n), k = 0, v = 0, sh = 0;
  for (i = 0; i < s.length; i++) {
    c = T[s.charCodeAt(i)];
    v |= (c & 31) << sh;
    if (c & 32) { sh += 5; } else { out[k++] = (v >>> 1) ^ -(v & 1); v = 0; sh = 0; }
  }
  return out;
}
function cumulative(counts) {
  var out = new Int32Array(counts.length + 1);
  for (var i = 0; i < counts.length; i++) { out[i + 1] = out[i] + counts[i]; }
  return out;
}
function column(col, n) {
  if (Array.isArray(col)) { return col; }
  var idx = ints(col.i), out = new Array(n);
  for (var i = 0; i < n; i++) { out[i] = col.u[idx[i]]; }
  return out;
}
var MAXLAT = 85.0511287798;
function mercY(lat) {
  lat = Math.max(-MAXLAT, Math.min(MAXLAT, lat));
  return 0.5 - Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)) / (2 * Math.PI);
}

function decode(d) {
  var c = ints(d.c), nv = c.length / 2, q = d.q;
  var X = new Int32Array(nv), Y = new Int32Array(nv), mx = new Float64Array(nv), my = new Float64Array(nv);
  var x = 0, y = 0, i;
  for (i = 0; i < nv; i++) {
    x += c[2 * i]; y += c[2 * i + 1];
    X[i] = x; Y[i] = y;
    mx[i] = x * q / 360 + 0.5; my[i] = mercY(y * q);
  }
  var rs = cumulative(ints(d.r)), fs = cumulative(ints(d.f)), n = fs.length - 1;
  var kind = d.g === undefined ? null : d.g, style = d.s === undefined ? new Int32Array(n) : ints(d.s);
  var box = new Float64Array(4 * n);
  for (i = 0; i < n; i++) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var k = rs[fs[i]]; k < rs[fs[i + 1]]; k++) {
      if (mx[k] < x0) { x0 = mx[k]; } if (mx[k] > x1) { x1 = mx[k]; }
      if (my[k] < y0) { y0 = my[k]; } if (my[k] > y1) { y1 = my[k]; }
    }
    box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1;
  }
  // a typical feature's size (the median box side of up to 2,000 of them): at a zoom where it is a few pixels
  // the strokes are drawn thin and solid (a thick or dashed outline costs Chromium ten times a 1 px one)
  var sides = [], step = Math.max(1, Math.floor(n / 2000));
  for (i = 0; i < n; i += step) { sides.push(Math.max(box[4 * i + 2] - box[4 * i], box[4 * i + 3] - box[4 * i + 1])); }
  sides.sort(function (p, q) { return p - q; });
  var typical = sides.length ? sides[sides.length >> 1] : 0;
  // features in drawing order: by style, then polygons, lines, points, then by row; rank[i] is feature i's place
  var groups = d.styles.map(function () { return []; });
  for (i = 0; i < n; i++) { groups[style[i]].push(i); }
  var rank = new Int32Array(n), r = 0;
  groups.forEach(function (g) {
    for (var k = 2; k >= 0; k--) {
      g.forEach(function (f) { if ((kind === null ? d.G : +kind.charAt(f)) === k) { rank[f] = r++; } });
    }
  });
  var cols = (d.values || []).map(function (col) { return column(col, n); });
  return {q: q, X: X, Y: Y, mx: mx, my: my, rs: rs, fs: fs, n: n, kind: kind, G: d.G, style: style, box: box,
          groups: groups, rank: rank, cols: cols, typical: typical};
}

L.EcozoneCanvas = L.Renderer.extend({
  options: {padding: 0.1},

  initialize: function (data, options) {
    L.Renderer.prototype.initialize.call(this, options);
    this._data = data;
    this._d = decode(data);
    this._hit = -1;
  },

  geometryKind: function (i) { return this._d.kind === null ? this._d.G : +this._d.kind.charAt(i); },

  // the decoded rings of feature i, [[lng, lat], ...] each, as the page has them
  featureRings: function (i) {
    var d = this._d, out = [];
    for (var r = d.fs[i]; r < d.fs[i + 1]; r++) {
      var ring = [];
      for (var k = d.rs[r]; k < d.rs[r + 1]; k++) { ring.push([d.X[k] * d.q, d.Y[k] * d.q]); }
      out.push(ring);
    }
    return out;
  },

  featureCount: function () { return this._d.n; },

  _initContainer: function () {
    var c = this._container = document.createElement("canvas");
    c.className = "ecozone-canvas";
    this._drawnAt = null;
    this._ctx = c.getContext("2d");
  },

  _destroyContainer: function () {
    L.DomUtil.remove(this._container);
    delete this._ctx;
    delete this._container;
  },

  // the map's canvas layers, the last added (drawn on top) last: the mouse is answered by the topmost one it is over
  onAdd: function (map) {
    L.Renderer.prototype.onAdd.call(this);
    (map._ecozoneCanvases = map._ecozoneCanvases || []).push(this);
    map.on("mousemove", this._onMove, this);
    map.on("click", this._onClick, this);
    map.on("mouseout", this._leave, this);
  },

  onRemove: function (map) {
    map._ecozoneCanvases = (map._ecozoneCanvases || []).filter(function (l) { return l !== this; }, this);
    map.off("mousemove", this._onMove, this);
    map.off("click", this._onClick, this);
    map.off("mouseout", this._leave, this);
    this._leave();
    L.Renderer.prototype.onRemove.call(this);
  },

  _update: function () {
    if (this._map._animatingZoom && this._bounds) { return; }
    L.Renderer.prototype._update.call(this);
    var b = this._bounds, size = b.getSize(), m = L.Browser.retina ? 2 : 1, c = this._container;
    var o = this._map.getPixelOrigin(), key = [this._map.getZoom(), o.x + b.min.x, o.y + b.min.y, size.x, size.y].join(",");
    L.DomUtil.setPosition(c, b.min);
    if (key === this._drawnAt) { return; }  // this view is drawn already (the layer was added, then the map fitted)
    c.width = m * size.x; c.height = m * size.y;
    c.style.width = size.x + "px"; c.style.height = size.y + "px";
    this._ctx.setTransform(m, 0, 0, m, 0, 0);
    this._draw(b);
  },

  _draw: function (b) {
    var d = this._d, ctx = this._ctx, map = this._map;
    var s = 256 * Math.pow(2, map.getZoom()), o = map.getPixelOrigin();
    var ox = o.x + b.min.x, oy = o.y + b.min.y, size = b.getSize();
    var v0x = ox / s, v0y = oy / s, v1x = (ox + size.x) / s, v1y = (oy + size.y) / s;
    var self = this, drawn = 0, dense = d.typical * s < 6;
    ctx.lineJoin = "round"; ctx.lineCap = "round";
    function visible(i) {
      return !(d.box[4 * i] > v1x || d.box[4 * i + 2] < v0x || d.box[4 * i + 1] > v1y || d.box[4 * i + 3] < v0y);
    }
    // one Path2D per some thousand vertices: Chromium fills many small paths far faster than one huge one
    function path(P, i, closed) {
      var n = 0;
      for (var r = d.fs[i]; r < d.fs[i + 1]; r++) {
        var a = d.rs[r], e = d.rs[r + 1], fx = d.mx[a] * s - ox, fy = d.my[a] * s - oy, lx = fx, ly = fy;
        P.moveTo(lx, ly);
        for (var k = a + 1; k < e; k++) {
          var x = d.mx[k] * s - ox, y = d.my[k] * s - oy;
          if (k === e - 1 || Math.abs(x - lx) > 0.7 || Math.abs(y - ly) > 0.7) { P.lineTo(x, y); lx = x; ly = y; n++; }
        }
        if (closed) { P.lineTo(fx, fy); }  // not closePath(): Chromium's is slow on a path of many rings
        n += 2;
      }
      return n;
    }
    function stroke(st, paths) {
      if (st.stroke === false || !(st.weight > 0)) { return; }
      ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity;
      ctx.strokeStyle = st.color; ctx.lineWidth = dense ? Math.min(st.weight, 1) : st.weight;
      ctx.setLineDash(st.dashArray && !dense ? String(st.dashArray).split(/[ ,]+/).map(Number) : []);
      paths.forEach(function (P) { ctx.stroke(P); });
    }
    function fill(st, paths) {
      if (!st.fill) { return; }
      ctx.globalAlpha = st.fillOpacity === undefined ? 0.2 : st.fillOpacity;
      ctx.fillStyle = st.fillColor || st.color;
      paths.forEach(function (P) { ctx.fill(P, "nonzero"); });
    }
    d.groups.forEach(function (g, si) {
      var st = self._data.styles[si], i, j;
      for (var kind = 2; kind >= 0; kind--) {
        var paths = [], P = null, n = 0;
        for (j = 0; j < g.length; j++) {
          i = g[j];
          if (self.geometryKind(i) !== kind || !visible(i)) { continue; }
          if (P === null || n > 4000) { P = new Path2D(); paths.push(P); n = 0; }
          drawn++;
          if (kind > 0) { n += path(P, i, kind === 2); continue; }
          var rad = st.radius || 5;
          for (var k = d.rs[d.fs[i]]; k < d.rs[d.fs[i + 1]]; k++) {
            var x = d.mx[k] * s - ox, y = d.my[k] * s - oy;
            P.moveTo(x + rad, y); P.arc(x, y, rad, 0, 2 * Math.PI); n += 8;
          }
        }
        if (!paths.length) { continue; }
        if (kind !== 1) { fill(st, paths); }
        stroke(st, paths);
      }
    });
    ctx.globalAlpha = 1;
    this._drawn = drawn;
    this._drawnAt = [map.getZoom(), ox, oy, size.x, size.y].join(",");
  },

  // the grid of feature boxes, made at the first mouse move
  _grid: function () {
    if (this._cells) { return; }
    var d = this._d, n = d.n, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, i, gx, gy;
    for (i = 0; i < n; i++) {
      x0 = Math.min(x0, d.box[4 * i]); y0 = Math.min(y0, d.box[4 * i + 1]);
      x1 = Math.max(x1, d.box[4 * i + 2]); y1 = Math.max(y1, d.box[4 * i + 3]);
    }
    var side = Math.max(1, Math.min(512, Math.ceil(Math.sqrt(n / 2))));
    var w = (x1 - x0) / side || 1e-12, h = (y1 - y0) / side || 1e-12;
    function span(i) {
      return [Math.max(0, Math.min(side - 1, Math.floor((d.box[4 * i] - x0) / w))),
              Math.max(0, Math.min(side - 1, Math.floor((d.box[4 * i + 1] - y0) / h))),
              Math.max(0, Math.min(side - 1, Math.floor((d.box[4 * i + 2] - x0) / w))),
              Math.max(0, Math.min(side - 1, Math.floor((d.box[4 * i + 3] - y0) / h)))];
    }
    var count = new Int32Array(side * side + 1), sp;
    for (i = 0; i < n; i++) {
      sp = span(i);
      for (gy = sp[1]; gy <= sp[3]; gy++) { for (gx = sp[0]; gx <= sp[2]; gx++) { count[gy * side + gx + 1]++; } }
    }
    for (i = 0; i < side * side; i++) { count[i + 1] += count[i]; }
    var items = new Int32Array(count[side * side]), fillAt = count.slice(0, side * side);
    for (i = 0; i < n; i++) {
      sp = span(i);
      for (gy = sp[1]; gy <= sp[3]; gy++) { for (gx = sp[0]; gx <= sp[2]; gx++) { items[fillAt[gy * side + gx]++] = i; } }
    }
    this._cells = {x0: x0, y0: y0, w: w, h: h, side: side, start: count, items: items};
  },

  _inside: function (i, px, py) {
    var d = this._d, inside = false;
    for (var r = d.fs[i]; r < d.fs[i + 1]; r++) {
      for (var a = d.rs[r], e = d.rs[r + 1], k = a, l = e - 1; k < e; l = k++) {
        var xk = d.mx[k], yk = d.my[k], xl = d.mx[l], yl = d.my[l];
        if ((yk > py) !== (yl > py) && px < (xl - xk) * (py - yk) / (yl - yk) + xk) { inside = !inside; }
      }
    }
    return inside;
  },

  _near: function (i, px, py, tol, line) {
    var d = this._d;
    for (var r = d.fs[i]; r < d.fs[i + 1]; r++) {
      var a = d.rs[r], e = d.rs[r + 1];
      if (!line) {
        for (var k = a; k < e; k++) { if (Math.hypot(d.mx[k] - px, d.my[k] - py) <= tol) { return true; } }
        continue;
      }
      for (var j = a + 1; j < e; j++) {
        var x0 = d.mx[j - 1], y0 = d.my[j - 1], dx = d.mx[j] - x0, dy = d.my[j] - y0, len = dx * dx + dy * dy;
        var t = len > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len)) : 0;
        if (Math.hypot(x0 + t * dx - px, y0 + t * dy - py) <= tol) { return true; }
      }
    }
    return false;
  },

  // the feature under a point of the map (the one drawn last), or -1
  featureAt: function (latlng) {
    this._grid();
    var d = this._d, g = this._cells, s = 256 * Math.pow(2, this._map.getZoom());
    var px = latlng.lng / 360 + 0.5, py = mercY(latlng.lat), tol = 6 / s, best = -1;
    var gx0 = Math.floor((px - tol - g.x0) / g.w), gx1 = Math.floor((px + tol - g.x0) / g.w);
    var gy0 = Math.floor((py - tol - g.y0) / g.h), gy1 = Math.floor((py + tol - g.y0) / g.h);
    for (var gy = Math.max(0, gy0); gy <= Math.min(g.side - 1, gy1); gy++) {
      for (var gx = Math.max(0, gx0); gx <= Math.min(g.side - 1, gx1); gx++) {
        for (var c = g.start[gy * g.side + gx]; c < g.start[gy * g.side + gx + 1]; c++) {
          var i = g.items[c];
          if (best >= 0 && d.rank[i] <= d.rank[best]) { continue; }
          if (px < d.box[4 * i] - tol || px > d.box[4 * i + 2] + tol || py < d.box[4 * i + 1] - tol || py > d.box[4 * i + 3] + tol) { continue; }
          var kind = this.geometryKind(i), st = this._data.styles[d.style[i]];
          var hit = kind === 2 ? this._inside(i, px, py) || this._near(i, px, py, 3 / s, true)
            : this._near(i, px, py, (kind === 1 ? Math.max(4, (st.weight || 1) / 2 + 3) : (st.radius || 5) + 2) / s, kind === 1);
          if (hit) { best = i; }
        }
      }
    }
    return best;
  },

  _table: function (i, which) {
    var table = document.createElement("table"), fields = this._data.fields, d = this._d;
    which.forEach(function (j) {
      var tr = table.insertRow(), th = document.createElement("th");
      th.textContent = fields[j];
      tr.appendChild(th);
      tr.insertCell().textContent = d.cols[j][i];
    });
    return table;
  },

  // the topmost canvas layer with a feature under the point, and that feature: [layer, i] or null
  _top: function (latlng) {
    var all = this._map._ecozoneCanvases || [this];
    for (var j = all.length - 1; j >= 0; j--) {
      var i = all[j].featureAt(latlng);
      if (i >= 0) { return [all[j], i]; }
    }
    return null;
  },

  _onMove: function (e) {
    var all = this._map ? this._map._ecozoneCanvases || [this] : [];
    if (all[0] !== this) { return; }  // the first layer answers for all of them
    var top = this._top(e.latlng);
    all.forEach(function (l) { if (!top || l !== top[0]) { l._leave(); } });
    this._map.getContainer().style.cursor = top ? "pointer" : "";
    if (top) { top[0]._show(top[1], e.latlng); }
  },

  _show: function (i, latlng) {
    var tips = this._data.tooltip || [];
    if (!tips.length) { this._hit = i; return; }
    if (!this._tip) { this._tip = L.tooltip({className: "foliumtooltip", sticky: true, offset: [10, 0], direction: "right"}); }
    if (i !== this._hit || !this._map.hasLayer(this._tip)) {
      this._tip.setContent(this._table(i, tips));
      this._map.openTooltip(this._tip, latlng);
    } else {
      this._tip.setLatLng(latlng);
    }
    this._hit = i;
  },

  _leave: function () {
    if (this._tip && this._map) { this._map.closeTooltip(this._tip); }
    if (this._map) { this._map.getContainer().style.cursor = ""; }
    this._hit = -1;
  },

  _onClick: function (e) {
    var all = this._map ? this._map._ecozoneCanvases || [this] : [];
    if (all[0] !== this) { return; }
    var top = this._top(e.latlng), layer = top && top[0], pops = layer ? layer._data.popup || [] : [];
    if (!pops.length) { return; }
    L.popup({className: "foliumpopup", maxWidth: 480}).setLatLng(e.latlng).setContent(layer._table(top[1], pops))
      .openOn(this._map);
  }
});
})();
"""
