/* Keel's browser glue: theme toggle, toasts, htmx error reporting, keyboard shortcuts,
   menus. No framework; everything works without it, this only makes it nicer.
   Public API: window.Keel.toast(message, category), window.Keel.shortcuts.register(keys,
   description, handler). A server response can raise a toast with the header
   `HX-Trigger: {"keel:toast": {"message": "...", "category": "success"}}`. */
(function () {
  "use strict";

  var root = document.documentElement;
  var THEME_KEY = "keel-theme";
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var reducedMotion = window.matchMedia
    ? window.matchMedia("(prefers-reduced-motion: reduce)")
    : { matches: false };

  /* ------------------------------------------------------------ theme */
  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") return chosen;
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function syncThemeToggles() {
    var dark = currentTheme() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-label", "Dark theme");
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    });
  }

  function setTheme(theme) {
    root.setAttribute("data-theme", theme);
    try {
      window.localStorage.setItem(THEME_KEY, theme);
    } catch (err) {
      /* storage disabled: the choice lasts for this page only */
    }
    syncThemeToggles();
  }

  function toggleTheme() {
    setTheme(currentTheme() === "dark" ? "light" : "dark");
  }

  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", syncThemeToggles);
  }

  /* ----------------------------------------------------------- toasts */
  var TOAST_MS = { success: 5000, info: 6000, warning: 8000, error: 10000 };
  var CLOSE_ICON =
    '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">' +
    '<path fill="currentColor" d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6' +
    'L6.4 19 5 17.6 10.6 12 5 6.4 6.4 5Z"/></svg>';
  var ICONS = { success: "\u2713", info: "i", warning: "!", error: "\u00d7" };

  function toastKind(toast) {
    var match = /toast--(success|info|warning|error)/.exec(toast.className);
    return match ? match[1] : "info";
  }

  function dismissToast(toast) {
    if (!toast || toast.hasAttribute("data-leaving")) return;
    toast.setAttribute("data-leaving", "");
    toast.classList.add("toast--leaving");
    window.setTimeout(function () {
      toast.remove();
    }, reducedMotion.matches ? 0 : 200);
  }

  function scheduleToast(toast) {
    if (toast.hasAttribute("data-scheduled")) return;
    toast.setAttribute("data-scheduled", "");
    var timer = null;
    var start = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        dismissToast(toast);
      }, TOAST_MS[toastKind(toast)]);
    };
    var pause = function () {
      window.clearTimeout(timer);
    };
    toast.addEventListener("mouseenter", pause);
    toast.addEventListener("focusin", pause);
    toast.addEventListener("mouseleave", start);
    toast.addEventListener("focusout", start);
    start();
  }

  function toastRegion() {
    var region = document.getElementById("toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "toasts";
      region.className = "toasts";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function showToast(message, category) {
    var kind = ICONS[category] ? category : category === "danger" ? "error" : "info";
    var toast = document.createElement("div");
    toast.className = "toast toast--" + kind;
    toast.setAttribute("data-toast", "");
    if (kind === "error") toast.setAttribute("role", "alert");
    var icon = document.createElement("span");
    icon.className = "toast__icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = ICONS[kind];
    var text = document.createElement("p");
    text.className = "toast__message";
    text.textContent = String(message);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("data-toast-close", "");
    close.setAttribute("aria-label", "Dismiss");
    close.innerHTML = CLOSE_ICON;
    toast.append(icon, text, close);
    toastRegion().appendChild(toast);
    scheduleToast(toast);
    return toast;
  }

  function watchToasts() {
    var region = toastRegion();
    region.querySelectorAll("[data-toast]").forEach(scheduleToast);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.hasAttribute("data-toast")) scheduleToast(node);
          node.querySelectorAll("[data-toast]").forEach(scheduleToast);
        });
      });
    }).observe(region, { childList: true, subtree: true });
  }

  /* ------------------------------------------------------ htmx errors */
  var STATUS_TEXT = {
    0: "Keel could not be reached. Check your connection and try again.",
    400: "That request could not be processed. Reload the page and try again.",
    401: "Your session has ended. Sign in again to continue.",
    403: "You don't have permission to do that.",
    404: "That item no longer exists, or isn't shared with you.",
    409: "Someone else changed this at the same time. Reload and try again.",
    413: "That is larger than Keel accepts.",
    429: "Too many requests in a short time. Wait a moment, then try again."
  };

  function errorMessage(xhr) {
    var type = (xhr.getResponseHeader("Content-Type") || "").toLowerCase();
    try {
      if (type.indexOf("application/json") !== -1) {
        var body = JSON.parse(xhr.responseText);
        if (body && body.error && body.error.message) return body.error.message;
      } else if (type.indexOf("text/html") !== -1 && xhr.responseText) {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var node = doc.querySelector("[data-error-message]");
        if (node && node.textContent.trim()) return node.textContent.trim();
      }
    } catch (err) {
      /* unreadable body: fall back to the status */
    }
    if (STATUS_TEXT[xhr.status]) return STATUS_TEXT[xhr.status];
    if (xhr.status >= 500) return "Something went wrong on our side. Try again in a moment.";
    return "That didn't work (error " + xhr.status + "). Try again.";
  }

  document.addEventListener("htmx:responseError", function (event) {
    showToast(errorMessage(event.detail.xhr), "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(STATUS_TEXT[0], "error");
  });
  document.addEventListener("htmx:timeout", function () {
    showToast("Keel took too long to answer. Try again.", "error");
  });
  document.addEventListener("keel:toast", function (event) {
    var detail = event.detail || {};
    if (detail.message) showToast(detail.message, detail.category || "info");
  });

  /* -------------------------------------------------------- shortcuts */
  var shortcuts = [];
  var pending = "";
  var pendingTimer = null;

  function register(keys, description, handler) {
    shortcuts.push({ keys: keys, description: description, handler: handler });
  }

  function fillShortcutList(list) {
    list.textContent = "";
    shortcuts.forEach(function (shortcut) {
      var row = document.createElement("div");
      row.className = "shortcuts__row";
      var dt = document.createElement("dt");
      shortcut.keys.split(" ").forEach(function (key, index) {
        if (index > 0) dt.append(" then ");
        var kbd = document.createElement("kbd");
        kbd.textContent = key;
        dt.appendChild(kbd);
      });
      var dd = document.createElement("dd");
      dd.textContent = shortcut.description;
      row.append(dt, dd);
      list.appendChild(row);
    });
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open || typeof dialog.showModal !== "function") return;
    var list = dialog.querySelector("[data-shortcuts-list]");
    if (list) fillShortcutList(list);
    closeMenus();
    dialog.showModal();
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      closeMenus(true);
      return;
    }
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    if (!event.key || event.key.length !== 1) return;
    var sequence = pending ? pending + " " + event.key : event.key;
    var exact = null;
    var prefix = false;
    shortcuts.forEach(function (shortcut) {
      if (shortcut.keys === sequence) exact = shortcut;
      else if (shortcut.keys.indexOf(sequence + " ") === 0) prefix = true;
    });
    window.clearTimeout(pendingTimer);
    if (exact) {
      pending = "";
      event.preventDefault();
      exact.handler(event);
    } else if (prefix) {
      pending = sequence;
      pendingTimer = window.setTimeout(function () {
        pending = "";
      }, 1200);
    } else {
      pending = "";
    }
  });

  register("?", "Show keyboard shortcuts", openShortcuts);
  register("g h", "Go to Home", function () {
    window.location.assign("/");
  });
  register("t", "Switch between light and dark theme", toggleTheme);

  /* ------------------------------------------------------------ menus */
  function closeMenus(restoreFocus) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (restoreFocus && hadFocus) {
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      }
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-theme-toggle]")) {
      toggleTheme();
      return;
    }
    if (target.closest("[data-shortcuts-open]")) {
      openShortcuts();
      return;
    }
    var close = target.closest("[data-toast-close]");
    if (close) {
      dismissToast(close.closest("[data-toast]"));
      return;
    }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.open = false;
    });
  });

  /* ------------------------------------------------------------- init */
  function init() {
    // Controls that only work with this script are hidden in the markup until now.
    document.querySelectorAll("[data-needs-js][hidden]").forEach(function (el) {
      el.hidden = false;
    });
    syncThemeToggles();
    watchToasts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  window.Keel = {
    toast: showToast,
    setTheme: setTheme,
    shortcuts: { register: register, open: openShortcuts }
  };
})();
