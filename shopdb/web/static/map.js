/* The floor map page (web/map.html): Leaflet in plan pixels (L.CRS.Simple;
   a point x right, y down is the LatLng [-y, x]). Everything comes from one
   request, GET /api/locations/<id>/map; positions are written through
   PATCH /api/assets/<id> (the one write path, audited). Loaded from a file,
   only on this page (the Content-Security-Policy allows no inline script).
   Text from the database goes into the page as text, never as HTML. */
(function () {
  "use strict";

  var root = document.getElementById("floormap");
  if (!root || !window.L) {
    return;
  }
  var L = window.L;
  var COLOURS = 10;
  var FALLBACK_SIZE = 1000;
  var editButton = document.querySelector("[data-map-edit]");
  var undoButton = document.querySelector("[data-map-undo]");
  var filterForm = document.querySelector("[data-map-filter]");
  var statusBox = document.querySelector("[data-map-status]");
  var unplacedList = document.querySelector("[data-map-unplaced]");
  var unplacedCount = document.querySelector("[data-map-unplaced-count]");
  var regionList = document.querySelector("[data-map-regions]");

  var map = L.map(root, {
    crs: L.CRS.Simple,
    minZoom: -6,
    maxZoom: 4,
    zoomSnap: 0.25,
    attributionControl: false
  });
  var state = {
    data: null,
    size: null, // [width, height] of the plan
    overlay: null,
    fitted: false,
    editing: false,
    placing: null, // the asset chosen in the side list, waiting for a click on the plan
    undo: null, // {asset, mapx, mapy}: the position the last change replaced
    hidden: {}, // asset type ids whose layer is switched off
    layers: [],
    control: null,
    regions: null,
    busy: false
  };

  // Small helpers -------------------------------------------------------------

  function say(text) {
    statusBox.textContent = text;
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text !== undefined && text !== null) {
      made.textContent = String(text);
    }
    return made;
  }

  function link(href, text) {
    var made = element("a", "", text);
    made.href = href;
    return made;
  }

  function escaped(text) {
    var holder = document.createElement("span");
    holder.textContent = String(text);
    return holder.innerHTML;
  }

  // Icon names come from the database: only letters, digits and dashes.
  function iconName(type) {
    var icon = type.icon || "";
    return /^[a-z0-9-]{1,50}$/.test(icon) ? icon : "box";
  }

  function csrf() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRF-TOKEN"]) {
        return headers["X-CSRF-TOKEN"];
      }
    } catch (ignored) {
      // fall through to the cookie
    }
    var found = document.cookie.split("; ").filter(function (part) {
      return part.indexOf("shopdb_csrf_access=") === 0;
    })[0];
    return found ? decodeURIComponent(found.split("=")[1]) : "";
  }

  function toLatLng(mapx, mapy) {
    return L.latLng(-mapy, mapx);
  }

  function rounded(value) {
    return Math.round(value * 10) / 10;
  }

  // Plan pixels of a LatLng, kept on the plan.
  function toPoint(latlng) {
    var width = state.size[0];
    var height = state.size[1];
    return {
      mapx: rounded(Math.min(Math.max(latlng.lng, 0), width)),
      mapy: rounded(Math.min(Math.max(-latlng.lat, 0), height))
    };
  }

  function query() {
    var field = filterForm ? filterForm.querySelector("[name=q]") : null;
    return field ? field.value.trim() : "";
  }

  // Loading ---------------------------------------------------------------------

  function load() {
    var url = root.getAttribute("data-map-url");
    var text = query();
    if (text) {
      url += "?q=" + encodeURIComponent(text);
    }
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body.data && body.data.error ? body.data.error.message : response.statusText);
          }
          return body.data;
        });
      })
      .then(function (data) {
        state.data = data;
        return planSize(data.plan);
      })
      .then(function () {
        draw();
      })
      .catch(function (error) {
        say("The map could not be loaded: " + error.message);
      });
  }

  function planSize(plan) {
    if (state.size) {
      return Promise.resolve();
    }
    if (!plan) {
      state.size = [FALLBACK_SIZE, FALLBACK_SIZE];
      return Promise.resolve();
    }
    if (plan.width && plan.height) {
      state.size = [plan.width, plan.height];
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      var image = new Image();
      image.onload = function () {
        state.size = [image.naturalWidth || FALLBACK_SIZE, image.naturalHeight || FALLBACK_SIZE];
        resolve();
      };
      image.onerror = function () {
        state.size = [FALLBACK_SIZE, FALLBACK_SIZE];
        resolve();
      };
      image.src = plan.url;
    });
  }

  // Drawing ---------------------------------------------------------------------

  function draw() {
    var data = state.data;
    var bounds = L.latLngBounds(toLatLng(0, state.size[1]), toLatLng(state.size[0], 0));
    if (!state.overlay && data.plan) {
      state.overlay = L.imageOverlay(data.plan.url, bounds, {alt: "Floor plan"}).addTo(map);
    }
    if (!state.fitted) {
      // A location that shows an ancestor's plan opens on its own assets.
      var placed = data.assets.filter(function (asset) { return asset.rule; });
      if (data.plan && data.plan.inherited && placed.length) {
        var around = L.latLngBounds(placed.map(function (asset) { return toLatLng(asset.mapx, asset.mapy); }));
        map.fitBounds(around.pad(0.3), {maxZoom: 1});
      } else {
        map.fitBounds(bounds);
      }
      map.setMaxBounds(bounds.pad(0.5));
      state.fitted = true;
    }
    drawRegions();
    drawMarkers();
    drawUnplaced();
    var placed = data.assets.filter(function (asset) { return asset.rule; }).length;
    var parts = [placed + " of " + data.assets.length + " assets on this map"];
    if (!data.plan) {
      parts.push("no floor plan at this location or above it");
    } else if (data.plan.inherited) {
      parts.push("the plan is that of " + data.plan.name);
    }
    if (state.editing) {
      parts.push("edit mode: drag a solid marker to move it");
    }
    say(parts.join("; ") + ".");
  }

  function locationName(locationid) {
    var data = state.data;
    if (data.location.locationid === locationid) {
      return data.location.name;
    }
    var region = data.regions.filter(function (each) { return each.locationid === locationid; })[0];
    return region ? region.name : "location " + locationid;
  }

  function assetNumber(assetid) {
    var found = state.data.assets.filter(function (each) { return each.assetid === assetid; })[0];
    return found ? found.assetnumber : "asset " + assetid;
  }

  function drawRegions() {
    if (state.regions) {
      map.removeLayer(state.regions);
    }
    state.regions = L.layerGroup().addTo(map);
    regionList.replaceChildren();
    var radius = Math.max(state.size[0], state.size[1]) / 40;
    state.data.regions.forEach(function (region) {
      var circle = L.circle(toLatLng(region.mapx, region.mapy), {
        radius: radius,
        weight: 1,
        dashArray: "4 4",
        color: "#6c757d",
        fillOpacity: 0.05,
        interactive: false
      });
      circle.bindTooltip(escaped(region.name), {
        permanent: true,
        direction: "center",
        className: "sdb-region-label"
      });
      state.regions.addLayer(circle);
      var item = element("li");
      item.appendChild(link("/locations/" + region.locationid + "/map", region.name));
      if (region.hasplan) {
        item.appendChild(element("span", "text-body-secondary", " (own plan)"));
      }
      regionList.appendChild(item);
    });
    if (!state.data.regions.length) {
      regionList.appendChild(element("li", "text-body-secondary", "None with a position."));
    }
  }

  function colourOf(typeid) {
    var ids = [];
    state.data.assets.forEach(function (asset) {
      if (ids.indexOf(asset.assettype.assettypeid) < 0) {
        ids.push(asset.assettype.assettypeid);
      }
    });
    ids.sort(function (a, b) { return a - b; });
    return ids.indexOf(typeid) % COLOURS;
  }

  function markerIcon(asset, draggable) {
    var classes = [
      "sdb-marker",
      "sdb-rule-" + asset.rule,
      "sdb-colour-" + colourOf(asset.assettype.assettypeid),
      "sdb-asset-" + asset.assetid
    ];
    if (asset.assetstatus.assetstatus !== "active") {
      classes.push("sdb-inactive");
    }
    if (draggable) {
      classes.push("sdb-draggable");
    }
    return L.divIcon({
      className: "",
      html: '<span class="' + classes.join(" ") + '" data-rule="' + asset.rule + '" data-assetid="' +
        asset.assetid + '"><i class="bi bi-' + iconName(asset.assettype) + '" aria-hidden="true"></i></span>',
      // A follower is drawn smaller, beside the point, so what it follows
      // stays visible (and can be grabbed) under it.
      iconSize: asset.rule === "asset" ? [26, 26] : [20, 20],
      iconAnchor: asset.rule === "asset" ? [13, 13] : [-7, -7],
      popupAnchor: asset.rule === "asset" ? [0, -12] : [10, -2]
    });
  }

  function placement(asset) {
    var box = element("div", "small");
    if (asset.rule === "asset") {
      box.appendChild(document.createTextNode("Placed by its own position (x " + asset.mapx + ", y " + asset.mapy + ")."));
    } else if (asset.rule === "related") {
      box.appendChild(document.createTextNode("Follows "));
      box.appendChild(link("/assets/" + asset.fromassetid, assetNumber(asset.fromassetid)));
      if (asset.fromlocationid) {
        box.appendChild(document.createTextNode(", placed by its location "));
        box.appendChild(link("/locations/" + asset.fromlocationid, locationName(asset.fromlocationid)));
      }
      box.appendChild(document.createTextNode(" (partof or controls); move what it follows, or give it a position of its own."));
    } else {
      box.appendChild(document.createTextNode("At the point of its location "));
      box.appendChild(link("/locations/" + asset.fromlocationid, locationName(asset.fromlocationid)));
      box.appendChild(document.createTextNode("."));
    }
    if (asset.vialocationid) {
      var via = element("div", "mt-1");
      via.appendChild(document.createTextNode("Shown at the point of "));
      via.appendChild(link("/locations/" + asset.vialocationid + "/map", locationName(asset.vialocationid)));
      via.appendChild(document.createTextNode(", which has a plan of its own: open its map to move it."));
      box.appendChild(via);
    }
    return box;
  }

  function popup(asset) {
    var box = element("div", "sdb-map-popup");
    var title = element("div", "fw-semibold");
    title.appendChild(link("/assets/" + asset.assetid, asset.assetnumber));
    if (asset.name) {
      title.appendChild(document.createTextNode(" " + asset.name));
    }
    box.appendChild(title);
    box.appendChild(element("div", "small", asset.assettype.label + ", " + asset.assetstatus.assetstatus));
    box.appendChild(placement(asset));
    return box;
  }

  function drawMarkers() {
    // The control goes first: removing its layers while it is on the map
    // would read as the user switching them off.
    if (state.control) {
      state.control.remove();
      state.control = null;
    }
    state.layers.forEach(function (entry) {
      map.removeLayer(entry.layer);
    });
    state.layers = [];
    var groups = {};
    var order = [];
    state.data.assets.forEach(function (asset) {
      if (!asset.rule) {
        return;
      }
      var typeid = asset.assettype.assettypeid;
      if (!groups[typeid]) {
        // Clustering is off while editing, so every marker can be grabbed.
        groups[typeid] = {
          type: asset.assettype,
          count: 0,
          layer: state.editing ? L.layerGroup() : L.markerClusterGroup({maxClusterRadius: 40, showCoverageOnHover: false})
        };
        order.push(typeid);
      }
      var draggable = state.editing && asset.isdraggable && asset.rule === "asset";
      var marker = L.marker(toLatLng(asset.mapx, asset.mapy), {
        icon: markerIcon(asset, draggable),
        draggable: draggable,
        title: asset.assetnumber + (asset.name ? " " + asset.name : ""),
        alt: asset.assetnumber,
        autoPan: true,
        zIndexOffset: draggable ? 2000 : (asset.rule === "asset" ? 1000 : 0)
      });
      marker.bindPopup(function () { return popup(asset); });
      if (draggable) {
        marker.on("dragend", function () {
          var point = toPoint(marker.getLatLng());
          move(asset, point.mapx, point.mapy, {mapx: asset.mapx, mapy: asset.mapy});
        });
      }
      groups[typeid].layer.addLayer(marker);
      groups[typeid].count += 1;
    });
    var overlays = {};
    order.sort(function (a, b) { return a - b; });
    order.forEach(function (typeid) {
      var group = groups[typeid];
      var label = '<i class="bi bi-' + iconName(group.type) + '" aria-hidden="true"></i> ' +
        escaped(group.type.label) + " (" + group.count + ")";
      overlays[label] = group.layer;
      if (!state.hidden[typeid]) {
        group.layer.addTo(map);
      }
      group.layer.sdbTypeId = typeid;
      state.layers.push(group);
    });
    if (order.length) {
      state.control = L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
    }
  }

  map.on("overlayadd", function (event) {
    delete state.hidden[event.layer.sdbTypeId];
  });
  map.on("overlayremove", function (event) {
    state.hidden[event.layer.sdbTypeId] = true;
  });

  function drawUnplaced() {
    var unplaced = state.data.assets.filter(function (asset) { return !asset.rule; });
    unplacedCount.textContent = String(unplaced.length);
    unplacedList.replaceChildren();
    unplaced.forEach(function (asset) {
      var item = element("li", "list-group-item px-1 py-1");
      var label = asset.assetnumber + (asset.name ? " " + asset.name : "") + " (" + asset.assettype.label + ")";
      if (editButton && asset.isdraggable) {
        var button = element("button", "btn btn-link btn-sm p-0 text-start", label);
        button.type = "button";
        button.disabled = !state.editing;
        button.setAttribute("data-place", String(asset.assetid));
        button.setAttribute("aria-pressed", state.placing === asset ? "true" : "false");
        if (state.placing && state.placing.assetid === asset.assetid) {
          item.classList.add("active");
        }
        button.addEventListener("click", function () {
          state.placing = asset;
          root.classList.add("sdb-placing");
          drawUnplaced();
          say("Click the plan where " + asset.assetnumber + " stands (Escape to cancel).");
        });
        item.appendChild(button);
      } else {
        item.appendChild(link("/assets/" + asset.assetid, label));
      }
      unplacedList.appendChild(item);
    });
    if (!unplaced.length) {
      unplacedList.appendChild(element("li", "list-group-item px-1 py-1 text-body-secondary", "Every asset here is on the map."));
    }
  }

  // Writing ---------------------------------------------------------------------

  function patch(assetid, mapx, mapy) {
    return fetch("/api/assets/" + assetid, {
      method: "PATCH",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-TOKEN": csrf()},
      body: JSON.stringify({mapx: mapx, mapy: mapy})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var message = body.data && body.data.error ? body.data.error.message : response.statusText;
          throw new Error(message);
        }
        return body.data;
      });
    });
  }

  function move(asset, mapx, mapy, previous) {
    if (state.busy) {
      return;
    }
    state.busy = true;
    say("Saving the position of " + asset.assetnumber + "...");
    patch(asset.assetid, mapx, mapy).then(function () {
      state.undo = {asset: asset, mapx: previous.mapx, mapy: previous.mapy};
      if (undoButton) {
        undoButton.disabled = false;
      }
      return load().then(function () {
        say(asset.assetnumber + " now stands at x " + mapx + ", y " + mapy + ". Undo puts it back.");
      });
    }).catch(function (error) {
      say("Not saved: " + error.message);
      return load();
    }).then(function () {
      state.busy = false;
    });
  }

  if (undoButton) {
    undoButton.addEventListener("click", function () {
      var last = state.undo;
      if (!last || state.busy) {
        return;
      }
      state.busy = true;
      patch(last.asset.assetid, last.mapx, last.mapy).then(function () {
        state.undo = null;
        undoButton.disabled = true;
        return load().then(function () {
          say("Undone: " + last.asset.assetnumber + " is back where it was.");
        });
      }).catch(function (error) {
        say("Not undone: " + error.message);
      }).then(function () {
        state.busy = false;
      });
    });
  }

  if (editButton) {
    editButton.addEventListener("click", function () {
      state.editing = !state.editing;
      state.placing = null;
      root.classList.remove("sdb-placing");
      editButton.setAttribute("aria-pressed", state.editing ? "true" : "false");
      editButton.classList.toggle("active", state.editing);
      if (state.data) {
        draw();
      }
    });
  }

  map.on("click", function (event) {
    var asset = state.placing;
    if (!asset || !state.editing) {
      return;
    }
    state.placing = null;
    root.classList.remove("sdb-placing");
    var point = toPoint(event.latlng);
    move(asset, point.mapx, point.mapy, {mapx: null, mapy: null});
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.placing) {
      state.placing = null;
      root.classList.remove("sdb-placing");
      drawUnplaced();
      say("Placing cancelled.");
    }
  });

  if (filterForm) {
    filterForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = query();
      var address = location.pathname + (text ? "?q=" + encodeURIComponent(text) : "");
      history.replaceState(null, "", address);
      load();
    });
  }

  load();
}());
