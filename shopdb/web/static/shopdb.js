/* ShopDB web UI: the theme toggle, keeping the sign-in alive, searchable
   selects. Loaded from a file (the Content-Security-Policy allows no inline
   script); everything works without it, only less smoothly. */
(function () {
  "use strict";

  var REFRESH_CSRF = "shopdb_csrf_refresh";
  var ACCESS_CSRF = "shopdb_csrf_access";
  var THEME_COOKIE = "shopdb_theme";
  // Renew this long before the access token runs out.
  var AHEAD_MS = 60 * 1000;
  var renewal = null;
  var timer = null;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var at = parts[i].indexOf("=");
      if (parts[i].slice(0, at) === name) {
        return decodeURIComponent(parts[i].slice(at + 1));
      }
    }
    return "";
  }

  function secure() {
    return location.protocol === "https:" ? "; Secure" : "";
  }

  // The sign-in -------------------------------------------------------------

  function expiresAt() {
    return parseInt(document.body.getAttribute("data-session-expires") || "0", 10) * 1000;
  }

  function claims(token) {
    var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    while (part.length % 4) {
      part += "=";
    }
    return JSON.parse(atob(part));
  }

  function applied(token) {
    var payload = claims(token);
    var csrf = payload.csrf || cookie(ACCESS_CSRF);
    document.body.setAttribute("data-session-expires", String(payload.exp));
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      input.value = csrf;
    });
    document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRF-TOKEN": csrf}));
    schedule();
    return true;
  }

  // One renewal at a time: POST /api/auth/refresh with the refresh cookie
  // (it travels only there) and its CSRF value. Resolves to true when the
  // sign-in goes on.
  function renew() {
    if (renewal) {
      return renewal;
    }
    var csrf = cookie(REFRESH_CSRF);
    if (!csrf) {
      return Promise.resolve(false);
    }
    renewal = fetch("/api/auth/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRF-TOKEN": csrf, "Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) {
        // Ended or expired: forget it, so pages stop waiting for a renewal.
        document.cookie = REFRESH_CSRF + "=; Max-Age=0; path=/; SameSite=Lax" + secure();
        return false;
      }
      return response.json().then(function (body) {
        return applied(body.data.accesstoken);
      });
    }).catch(function () {
      return false;
    }).then(function (result) {
      renewal = null;
      return result;
    });
    return renewal;
  }

  function schedule() {
    var expires = expiresAt();
    if (timer) {
      clearTimeout(timer);
    }
    if (!expires) {
      return;
    }
    timer = setTimeout(renew, Math.max(5000, expires - Date.now() - AHEAD_MS));
  }

  function signIn(target) {
    location.replace("/signin?next=" + encodeURIComponent(target));
  }

  // A form sent with an expired access token would be refused: renew first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var expires = expiresAt();
    if (form.method.toLowerCase() !== "post" || !expires || form.hasAttribute("data-renewed")) {
      return;
    }
    if (Date.now() < expires - 15000) {
      return;
    }
    event.preventDefault();
    renew().then(function () {
      form.setAttribute("data-renewed", "");
      if (form.requestSubmit) {
        form.requestSubmit(event.submitter || undefined);
      } else {
        form.submit();
      }
    });
  }, true);

  // The theme ---------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-theme-toggle]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var root = document.documentElement;
    var theme = root.getAttribute("data-bs-theme") === "light" ? "dark" : "light";
    root.setAttribute("data-bs-theme", theme);
    document.cookie = THEME_COOKIE + "=" + theme + "; Max-Age=31536000; path=/; SameSite=Lax" + secure();
    button.setAttribute("aria-pressed", theme === "light" ? "true" : "false");
    var field = button.form && button.form.querySelector('input[name="theme"]');
    if (field) {
      field.value = theme === "light" ? "dark" : "light";
    }
  });

  // Searchable selects --------------------------------------------------------

  function searchable(root) {
    if (typeof TomSelect === "undefined") {
      return;
    }
    root.querySelectorAll("select[data-tomselect]").forEach(function (select) {
      if (select.tomselect) {
        return;
      }
      var options = {allowEmptyOption: true, maxOptions: 300, create: false};
      var remote = select.getAttribute("data-remote");
      if (remote) {
        var key = select.getAttribute("data-remote-key");
        var label = select.getAttribute("data-remote-label");
        options.valueField = key;
        options.labelField = label;
        options.searchField = [label];
        options.load = function (query, callback) {
          var url = remote + "?perpage=20&q=" + encodeURIComponent(query);
          fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (response) { return response.json(); })
            .then(function (body) { callback(body.data); })
            .catch(function () { callback(); });
        };
      }
      new TomSelect(select, options);
    });
  }


  // Global search: the box in the navigation bar -------------------------------
  // htmx fills the listbox #searchsuggestions as the user types; this moves
  // through its options by keyboard (the combobox pattern of WAI-ARIA:
  // focus stays in the box, aria-activedescendant names the option).

  function suggestionBox() {
    return document.querySelector("[data-search-box]");
  }

  function suggestionList() {
    return document.getElementById("searchsuggestions");
  }

  function suggestionOptions() {
    var list = suggestionList();
    return list ? Array.prototype.slice.call(list.querySelectorAll('[role="option"]')) : [];
  }

  function showSuggestions(open) {
    var box = suggestionBox();
    var list = suggestionList();
    if (!box || !list) {
      return;
    }
    open = open && suggestionOptions().length > 0;
    list.classList.toggle("show", open);
    box.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      box.removeAttribute("aria-activedescendant");
      suggestionOptions().forEach(function (option) {
        option.classList.remove("active");
        option.setAttribute("aria-selected", "false");
      });
    }
  }

  function activeSuggestion() {
    var options = suggestionOptions();
    for (var i = 0; i < options.length; i++) {
      if (options[i].classList.contains("active")) {
        return i;
      }
    }
    return -1;
  }

  function moveSuggestion(step) {
    var options = suggestionOptions();
    if (!options.length) {
      return;
    }
    showSuggestions(true);
    var at = activeSuggestion();
    var next = at < 0 ? (step > 0 ? 0 : options.length - 1) : (at + step + options.length) % options.length;
    options.forEach(function (option, index) {
      option.classList.toggle("active", index === next);
      option.setAttribute("aria-selected", index === next ? "true" : "false");
    });
    suggestionBox().setAttribute("aria-activedescendant", options[next].id);
    options[next].scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", function (event) {
    var box = event.target.closest ? event.target.closest("[data-search-box]") : null;
    if (!box) {
      // "/" anywhere but in a field goes to the search box.
      var field = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
      if (event.key === "/" && !field && !event.ctrlKey && !event.metaKey && !event.altKey && suggestionBox()) {
        event.preventDefault();
        suggestionBox().focus();
        suggestionBox().select();
      }
      return;
    }
    var open = box.getAttribute("aria-expanded") === "true";
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveSuggestion(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      var at = activeSuggestion();
      if (open && at >= 0) {
        event.preventDefault();
        location.href = suggestionOptions()[at].getAttribute("href");
      }
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        showSuggestions(false);
      } else if (box.value) {
        event.preventDefault();
        box.value = "";
      }
    }
  });

  document.addEventListener("focusout", function (event) {
    var form = event.target.closest && event.target.closest(".sdb-search");
    if (form && !(event.relatedTarget && form.contains(event.relatedTarget))) {
      showSuggestions(false);
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-search-box]") && event.target.value) {
      showSuggestions(true);
    }
  });

  // Lists by keyboard ------------------------------------------------------------
  // In a list's table, up and down arrows move between the rows' links (the
  // first cell of each row opens the record), Home and End to the first
  // and last row; Tab still walks every link.

  document.addEventListener("keydown", function (event) {
    if (["ArrowDown", "ArrowUp", "Home", "End"].indexOf(event.key) < 0 || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var cell = event.target.closest && event.target.closest("table[data-testid=results] tbody td");
    if (!cell || !event.target.matches("a")) {
      return;
    }
    var rows = Array.prototype.slice.call(cell.closest("tbody").rows);
    var row = cell.parentElement;
    var at = rows.indexOf(row);
    var next = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rows.length - 1}[event.key];
    if (next < 0 || next >= rows.length) {
      return;
    }
    var column = cell.cellIndex;
    var target = rows[next].cells[column] && rows[next].cells[column].querySelector("a");
    target = target || rows[next].querySelector("td a");
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  // Keyboard focus survives a list refresh ------------------------------------
  // Sorting or paging by keyboard replaces the table: the focus goes back to
  // the same column header or page link, not to the top of the page. The
  // filter form's "change" from the search field is dropped: the field's own
  // trigger already asked (leaving it would refresh again and lose focus).

  var keptFocus = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (event.detail.elt.id === "filters" && trigger && trigger.type === "change" && trigger.target && trigger.target.id === "q") {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var focused = document.activeElement;
    keptFocus = null;
    if (!focused || !event.detail.target.contains(focused) || focused === event.detail.target) {
      return;
    }
    if (focused.getAttribute("data-sort")) {
      keptFocus = '[data-sort="' + focused.getAttribute("data-sort") + '"]';
    } else if (focused.closest(".pagination")) {
      keptFocus = {text: focused.textContent.trim()};
    } else if (focused.getAttribute("href")) {
      keptFocus = 'a[href="' + focused.getAttribute("href").replace(/"/g, '\\"') + '"]';
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!keptFocus) {
      return;
    }
    var target = event.detail.target;
    var found = null;
    if (typeof keptFocus === "string") {
      found = target.querySelector(keptFocus);
    } else {
      var wanted = keptFocus.text;
      target.querySelectorAll(".pagination a").forEach(function (link) {
        if (!found && link.textContent.trim() === wanted) {
          found = link;
        }
      });
    }
    keptFocus = null;
    if (found) {
      found.focus();
    }
  });

  // How many filters are on ----------------------------------------------------
  // The folded "Filters" section of a list says how many of its controls
  // hold a value, so a list narrowed by a hidden filter says so.

  function filterCount() {
    var summary = document.querySelector("#filters details > summary");
    if (!summary) {
      return;
    }
    var count = 0;
    summary.parentElement.querySelectorAll("input, select").forEach(function (control) {
      // Only what the form sends: not the tree's find box, not unchosen radios.
      var box = control.type === "radio" || control.type === "checkbox";
      if (!control.name || (box && !control.checked)) {
        return;
      }
      if (control.value && control.value.trim()) {
        count += 1;
      }
    });
    var badge = summary.querySelector("[data-filter-count]");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge text-bg-primary ms-1";
      badge.setAttribute("data-filter-count", "");
      summary.appendChild(badge);
    }
    badge.textContent = count ? count + " on" : "";
    badge.hidden = !count;
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#filters details")) {
      filterCount();
    }
  });

  // Forms sent once --------------------------------------------------------------
  // A form marked data-send-once (an import) takes seconds: once sent, its
  // buttons wait (after the browser read the pressed one's value), so a
  // second click does not send it again; coming back to the page frees them.

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-send-once")) {
      return;
    }
    var pressed = event.submitter;
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
      form.setAttribute("aria-busy", "true");
      if (pressed && pressed.getAttribute("data-busy-text")) {
        pressed.textContent = pressed.getAttribute("data-busy-text");
      }
    }, 0);
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-send-once]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
      });
    });
  });

  // Export links follow the list ----------------------------------------------
  // A list changed by htmx pushes its new address; the export links take its
  // query string (without paging), as the server writes them on a full load.

  function exportLinks() {
    var given = new URLSearchParams(location.search);
    ["page", "perpage", "cursor", "format"].forEach(function (name) {
      given.delete(name);
    });
    document.querySelectorAll("a[data-export]").forEach(function (link) {
      var query = new URLSearchParams(given.toString());
      query.set("format", link.getAttribute("data-export"));
      link.setAttribute("href", link.getAttribute("data-export-base") + "?" + query.toString());
    });
  }

  // Selecting rows for the bulk actions ---------------------------------------

  function selectionChanged() {
    var boxes = document.querySelectorAll("input[data-select-row]");
    var chosen = 0;
    boxes.forEach(function (box) {
      if (box.checked) {
        chosen += 1;
      }
    });
    document.querySelectorAll("[data-selected-count]").forEach(function (counter) {
      counter.textContent = String(chosen);
    });
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      all.checked = boxes.length > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-select-all]")) {
      document.querySelectorAll("input[data-select-row]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches && target.matches("input[data-select-all], input[data-select-row]")) {
      selectionChanged();
    }
    if (target.matches && target.matches("input[data-remove-row]")) {
      var row = target.closest("tr");
      if (row) {
        row.classList.toggle("opacity-50", target.checked);
      }
    }
  });

  // The bulk form returns to the list as it is now (htmx changes its address).
  document.addEventListener("submit", function (event) {
    var next = event.target.querySelector && event.target.querySelector("input[data-bulk-next]");
    if (next) {
      next.value = location.pathname + location.search;
    }
  }, true);

  // Nested rows: "Add a row" copies the part's row template with a new number.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row]");
    if (!button) {
      return;
    }
    var name = button.getAttribute("data-add-row");
    var table = document.querySelector('table[data-rows="' + name + '"]');
    var template = document.querySelector('template[data-row-template="' + name + '"]');
    if (!table || !template) {
      return;
    }
    var number = parseInt(table.getAttribute("data-next-row") || "0", 10);
    table.setAttribute("data-next-row", String(number + 1));
    var html = template.innerHTML.split("__row__").join(String(number));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    table.tBodies[0].appendChild(row);
    var first = row.querySelector("input");
    if (first) {
      first.focus();
    }
  });

  // Location tree: branches fold behind their button; typing narrows the
  // tree to matching places and the places that hold them.

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var list = document.getElementById(button.getAttribute("aria-controls"));
    if (list) {
      list.hidden = !open;
    }
  }

  function foldTrees(root) {
    root.querySelectorAll("button[data-tree-folded]").forEach(function (button) {
      button.removeAttribute("data-tree-folded");
      setOpen(button, false);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-tree-toggle]");
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    }
  });

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("input[data-tree-search]")) {
      return;
    }
    var tree = document.getElementById(field.getAttribute("data-tree-search"));
    if (!tree) {
      return;
    }
    var words = field.value.trim().toLowerCase();
    var items = tree.querySelectorAll("li[data-tree-name]");
    items.forEach(function (item) {
      var hit = !words || item.getAttribute("data-tree-name").indexOf(words) >= 0;
      item.setAttribute("data-tree-hit", hit ? "1" : "");
    });
    items.forEach(function (item) {
      var shown = !words || item.getAttribute("data-tree-hit") === "1" ||
        item.querySelector('li[data-tree-hit="1"]') !== null;
      item.hidden = !shown;
      var button = item.querySelector(":scope > button[data-tree-toggle]");
      if (button && words && shown) {
        setOpen(button, true);
      }
    });
  });

  // Start ---------------------------------------------------------------------

  function start() {
    var target = document.body.getAttribute("data-renew");
    if (target) {
      // A renewal that did not take (cookies refused) must not loop.
      var last = parseInt(sessionStorage.getItem("shopdb-renewed") || "0", 10);
      if (Date.now() - last < 10000) {
        signIn(target);
        return;
      }
      renew().then(function (ok) {
        if (ok) {
          sessionStorage.setItem("shopdb-renewed", String(Date.now()));
          location.replace(target);
        } else {
          signIn(target);
        }
      });
      return;
    }
    schedule();
    searchable(document);
    filterCount();
    foldTrees(document);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      searchable(event.target);
      selectionChanged();
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target.id === "searchsuggestions") {
        var box = suggestionBox();
        showSuggestions(Boolean(box && document.activeElement === box && box.value.trim()));
      }
    });
    document.body.addEventListener("htmx:pushedIntoHistory", exportLinks);
    document.body.addEventListener("htmx:historyRestore", exportLinks);
    window.addEventListener("popstate", exportLinks);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
