// Teller console: check a token's MOD 97-10 check digits as it is typed.
// Only a help for the eyes: the server checks again and is the authority.
(function () {
  "use strict";
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
    if (/[^0-9]/.test(digits)) return { state: "bad", text: "Only digits: check the token." };
    if (digits.length < LENGTH) return { state: "short", text: digits.length + " of " + LENGTH + " digits" };
    if (digits.length > LENGTH) return { state: "bad", text: digits.length + " digits: a token has " + LENGTH + "." };
    if (mod97(digits) === 1) return { state: "ok", text: "✓ Check digits correct" };
    return { state: "bad", text: "✗ Check digits wrong: look at the letter again" };
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
