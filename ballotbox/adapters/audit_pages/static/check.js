/* "Check my vote": download the published token → vote list once, look a token up here.
 *
 * The typed token never leaves this page: there is no request per lookup, the
 * input has no name (a form post would carry nothing), and the list is the
 * same file for everyone.  Unused and void tokens are published only as keyed
 * hashes, so this script computes BLAKE2b(token, key = the revealed token key)
 * itself (RFC 7693, below) to say whether a token that did not vote was issued.
 *
 * Every sentence goes through _("…"): pybabel extracts them into the catalogue
 * and the page carries the page language's translations as JSON
 * (#js-messages, see ballotbox/adapters/httpkit/language.py).
 */
(function () {
  "use strict";

  // ---- the page's language ----
  var MESSAGES = {};
  if (typeof document !== "undefined") {
    var block = document.getElementById("js-messages");
    if (block) { try { MESSAGES = JSON.parse(block.textContent); } catch (e) { MESSAGES = {}; } }
  }

  /** `text` in the page's language, its {name} placeholders filled from `values`. */
  function _(text, values) {
    var out = Object.prototype.hasOwnProperty.call(MESSAGES, text) ? MESSAGES[text] : text;
    return out.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  var CHANNELS = { web: _("web"), sms: _("sms"), phone: _("phone"), postal: _("postal") };

  // ---- BLAKE2b (RFC 7693) on BigInt 64-bit words: one short hash per lookup ----
  var MASK = (1n << 64n) - 1n;
  var IV = [
    0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
    0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
  ];
  var SIGMA = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
  ];

  function rotr(x, n) { return ((x >> n) | (x << (64n - n))) & MASK; }

  function mix(v, a, b, c, d, x, y) {
    v[a] = (v[a] + v[b] + x) & MASK; v[d] = rotr(v[d] ^ v[a], 32n);
    v[c] = (v[c] + v[d]) & MASK;     v[b] = rotr(v[b] ^ v[c], 24n);
    v[a] = (v[a] + v[b] + y) & MASK; v[d] = rotr(v[d] ^ v[a], 16n);
    v[c] = (v[c] + v[d]) & MASK;     v[b] = rotr(v[b] ^ v[c], 63n);
  }

  function compress(h, block, counter, last) {
    var v = h.concat(IV), m = [], i, r, s;
    v[12] ^= counter & MASK;
    v[13] ^= counter >> 64n;
    if (last) { v[14] ^= MASK; }
    for (i = 0; i < 16; i++) {
      var word = 0n;
      for (var j = 7; j >= 0; j--) { word = (word << 8n) | BigInt(block[i * 8 + j]); }
      m.push(word);
    }
    for (r = 0; r < 12; r++) {
      s = SIGMA[r % 10];
      mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);   mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
      mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);  mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
      mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);  mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
      mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]); mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (i = 0; i < 8; i++) { h[i] ^= v[i] ^ v[i + 8]; }
  }

  /** BLAKE2b of `data` (Uint8Array) with an optional key, `outlen` bytes, as hex. */
  function blake2bHex(data, key, outlen) {
    var h = IV.slice();
    h[0] ^= 0x01010000n ^ (BigInt(key.length) << 8n) ^ BigInt(outlen);
    var input = new Uint8Array((key.length ? 128 : 0) + data.length);
    input.set(key, 0);
    input.set(data, key.length ? 128 : 0);
    var blocks = Math.max(1, Math.ceil(input.length / 128));
    for (var b = 0; b < blocks; b++) {
      var block = new Uint8Array(128);
      block.set(input.subarray(b * 128, b * 128 + 128));
      var last = b === blocks - 1;
      compress(h, block, BigInt(last ? input.length : (b + 1) * 128), last);
    }
    var out = "";
    for (var i = 0; i < outlen; i++) {
      var byte = Number((h[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
      out += (byte < 16 ? "0" : "") + byte.toString(16);
    }
    return out;
  }

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  // ---- the token: 20 digits, ISO 7064 MOD 97-10 (the number is ≡ 1 mod 97) ----
  function readToken(text) {
    var digits = text.replace(/[\s.\-]/g, "");
    if (!/^[0-9]*$/.test(digits)) { return { error: _("A token has only digits (spaces, dashes and dots are ignored).") }; }
    if (digits.length !== 20) { return { error: _("A token has 20 digits; you typed {count}.", { count: digits.length }) }; }
    if (BigInt(digits) % 97n !== 1n) { return { error: _("Those 20 digits are not a valid token: please check for a typing mistake.") }; }
    return { digits: digits };
  }

  function grouped(digits) { return digits.replace(/(\d{4})(?=\d)/g, "$1 "); }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  /** Candidate numbers as a numbered list of "number · name". */
  function choiceList(numbers, candidates) {
    var choices = el("ol", undefined, "review");
    numbers.forEach(function (number) {
      choices.appendChild(el("li", number + " · " + (candidates[String(number)] || "?")));
    });
    return choices;
  }

  function start() {
    var form = document.getElementById("check-form");
    if (!form) { return; }
    var input = document.getElementById("check-token");
    var status = document.getElementById("check-status");
    var answer = document.getElementById("check-answer");
    var list = null, unused = null, voided = null;

    form.hidden = false;
    status.textContent = _("Downloading the published list…");
    fetch(form.getAttribute("data-list"), { credentials: "omit", cache: "force-cache" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        list = data;
        unused = new Set(data.unused);
        voided = new Set(data.void);
        status.textContent = _("The list is here: {count} ballots. Lookups happen on this device only.",
          { count: Object.keys(data.ballots).length });
        form.setAttribute("data-ready", "true");
      })
      .catch(function (error) {
        status.textContent = _("The published list could not be downloaded ({reason}). Use the download link below instead.",
          { reason: error.message });
      });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      answer.textContent = "";
      answer.className = "check-answer";
      if (!list) { answer.textContent = _("The list has not arrived yet; try again in a moment."); return; }
      var token = readToken(input.value);
      if (token.error) {
        answer.classList.add("check-problem");
        answer.appendChild(el("p", token.error));
        input.setAttribute("aria-invalid", "true");
        answer.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      var ballot = list.ballots[token.digits];
      answer.appendChild(el("p", _("Token {token}", { token: grouped(token.digits) }), "check-token"));
      if (ballot) {
        answer.classList.add("check-voted");
        answer.appendChild(el("h3", _("A vote is recorded for this token")));
        answer.appendChild(el("p", _("Cast by {channel}.", { channel: CHANNELS[ballot[0]] || ballot[0] }) +
          " " + _("Receipt code") + ": ", ""));
        answer.lastChild.appendChild(el("strong", ballot[2], "code"));
        if (Array.isArray(ballot[1])) {
          answer.appendChild(el("p", _("Recorded choices, in the order given:")));
          answer.appendChild(choiceList(ballot[1], list.candidates));
        } else {
          // A ballot of several contests: every contest of the row, in ballot order.
          answer.appendChild(el("p", _("Recorded choices in each contest, in the order given:")));
          (list.contests || []).forEach(function (contest) {
            var picked = ballot[1][contest.key] || [];
            answer.appendChild(el("h4", _("Contest {key}: {title}", { key: contest.key, title: contest.title }),
              "contest-heading"));
            if (picked.length) {
              answer.appendChild(choiceList(picked, contest.candidates));
            } else {
              answer.appendChild(el("p", _("Left blank"), "blank"));
            }
          });
        }
      } else {
        var hash = blake2bHex(new TextEncoder().encode(token.digits), hexBytes(list.token_key), 32);
        if (unused.has(hash)) {
          answer.classList.add("check-unused");
          answer.appendChild(el("h3", _("No vote is recorded for this token")));
          answer.appendChild(el("p", _("It was issued for this ballot and never used. If you did not vote, this is what you should see.")));
        } else if (voided.has(hash)) {
          answer.classList.add("check-unused");
          answer.appendChild(el("h3", _("This token was made void before voting opened")));
          answer.appendChild(el("p", _("A void token could never vote.")));
        } else {
          answer.classList.add("check-problem");
          answer.appendChild(el("h3", _("This token is not in this election's list")));
          answer.appendChild(el("p", _("Check the digits against your card, and that this is the right ballot.")));
        }
      }
      answer.focus();
    });
  }

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
  }
  if (typeof module !== "undefined") { module.exports = { blake2bHex: blake2bHex, readToken: readToken }; }
})();
