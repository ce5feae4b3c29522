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
    document.body.addEventListener("htmx:afterSwap", function (event) {
      searchable(event.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
