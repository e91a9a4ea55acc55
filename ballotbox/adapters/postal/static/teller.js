// Teller console: check a token's MOD 97-10 check digits as it is typed.
// Only a help for the eyes: the server checks again and is the authority.
// Sentences go through _("…") so that pybabel extracts them; the page carries their
// translations as JSON (#js-messages; the console itself is English only for now).
(function () {
  "use strict";
  var MESSAGES = {};
  var block = document.getElementById("js-messages");
  if (block) { try { MESSAGES = JSON.parse(block.textContent); } catch (e) { MESSAGES = {}; } }

  function _(text, values) {
    var out = Object.prototype.hasOwnProperty.call(MESSAGES, text) ? MESSAGES[text] : text;
    return out.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  var LENGTH = 20;
  var SEPARATORS = /[\s\-._\u00a0\u2009\u202f\u2010-\u2014]/g;

  function mod97(digits) {
    // Piecewise so it works without BigInt: (r * 10^k + chunk) mod 97.
    var r = 0;
    for (var i = 0; i < digits.length; i += 7) {
      var chunk = digits.slice(i, i + 7);
      r = Number(String(r) + chunk) % 97;
    }
    return r;
  }

  function verdict(text) {
    var digits = text.replace(SEPARATORS, "");
    if (!digits) return { state: "empty", text: "" };
    if (/[^0-9]/.test(digits)) return { state: "bad", text: _("Only digits: check the token.") };
    if (digits.length < LENGTH) return { state: "short", text: _("{count} of {length} digits", { count: digits.length, length: LENGTH }) };
    if (digits.length > LENGTH) return { state: "bad", text: _("{count} digits: a token has {length}.", { count: digits.length, length: LENGTH }) };
    if (mod97(digits) === 1) return { state: "ok", text: _("✓ Check digits correct") };
    return { state: "bad", text: _("✗ Check digits wrong: look at the letter again") };
  }

  function attach(input) {
    var out = document.getElementById("token-check");
    if (!out) return;
    function update() {
      var v = verdict(input.value);
      out.textContent = v.text;
      out.className = "check check-" + v.state;
      if (v.state === "bad") input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    input.addEventListener("input", update);
    if (input.value) update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var token = document.getElementById("token");
    if (token) attach(token);
    var problem = document.querySelector(".error-summary[role=alert]");
    var bad = document.querySelector(
      "input[aria-invalid=true], select[aria-invalid=true], fieldset[aria-invalid=true] input");
    if (problem && bad) bad.focus();
  });
})();
