// Slugs the admin fills in from a title keep German words readable:
// "Gespräche" becomes "gespraeche", as on the server (somehub/lib/slugs.py).
// Django's URLify drops the umlaut's dots; this wraps it before prepopulate runs.
"use strict";
(function () {
  const urlify = window.URLify;
  if (typeof urlify !== "function") {
    return;
  }
  const german = { ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss" };
  window.URLify = function (text, maxLength, allowUnicode) {
    return urlify(text.replace(/[äöüÄÖÜß]/g, (c) => german[c]), maxLength, allowUnicode);
  };
})();
