/* Keel: apply the stored theme before the first paint (loaded without defer, in <head>).
   Without a stored choice the stylesheet follows the OS (prefers-color-scheme). */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("keel-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (err) {
    /* storage disabled: the OS preference applies */
  }
})();
