/* 棚 tana — the one script of the floor screens: CSRF for htmx, the scan queue, focus,
   sound and vibration, camera scanning. No inline scripts anywhere (CSP). */
(function () {
  "use strict";
  var doc = document;
  var SEND_TIMEOUT_MS = 20000;
  var DUPLICATE_WINDOW_MS = 1500;
  var MUTE_KEY = "tana.mute";

  function csrfToken() {
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function text(key) {
    return (doc.body && doc.body.dataset["msg" + key]) || key;
  }

  function newScanId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  doc.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  /* ---------- sound and vibration ---------- */
  var audio = null;
  function isMuted() {
    try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }
  function showMuteState() {
    doc.body.classList.toggle("muted", isMuted());
    doc.querySelectorAll("[data-mute-toggle]").forEach(function (b) { b.setAttribute("aria-pressed", String(isMuted())); });
  }
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  function tone(freq, seconds, delay) {
    if (!audio || isMuted()) { return; }
    var start = audio.currentTime + (delay || 0);
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.15, start);
    gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
    osc.connect(gain); gain.connect(audio.destination);
    osc.start(start); osc.stop(start + seconds + 0.02);
  }
  function vibrate(pattern) {
    if (!isMuted() && navigator.vibrate) { try { navigator.vibrate(pattern); } catch (e) { /* not allowed */ } }
  }
  function signal(result) {
    if (result === "ok") { tone(1760, 0.09); vibrate(40); }
    else if (result === "error") { tone(196, 0.16); tone(196, 0.16, 0.22); vibrate([300, 100, 300]); }
    else if (result === "confirm") { tone(880, 0.12); tone(660, 0.12, 0.16); vibrate([80, 60, 80]); }
  }

  /* ---------- the scan step ---------- */
  function stepForm() { return doc.querySelector("#step form[data-scan]"); }
  function codeInput() { return doc.querySelector('#step input[name="code"]'); }
  function focusCode() {
    var input = codeInput();
    if (input && doc.activeElement !== input && !doc.querySelector(".camera-view")) {
      var active = doc.activeElement;
      var typing = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active !== doc.body && active.closest("#step") && active.name !== "code";
      if (!typing) { input.focus({ preventScroll: true }); }
    }
  }

  function setFeedback(result, message, withRetry) {
    var box = doc.getElementById("feedback");
    if (!box) { return; }
    box.className = "feedback is-" + result;
    box.dataset.result = result;
    box.setAttribute("role", result === "offline" ? "alert" : "status");
    box.textContent = "";
    var span = doc.createElement("span");
    span.className = "message";
    span.textContent = message;
    box.appendChild(span);
    if (withRetry) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "btn primary";
      button.name = "retry";
      button.dataset.retry = "";
      button.textContent = text("Retry");
      box.appendChild(button);
    }
  }

  var queue = [];
  var sending = false;
  var stalled = false;

  function showQueue() {
    var note = doc.querySelector("#step .queue-note");
    var waiting = queue.length - (sending || stalled ? 1 : 0);
    if (!note) {
      var form = stepForm();
      if (!form || waiting <= 0) { return; }
      note = doc.createElement("p");
      note.className = "queue-note";
      note.setAttribute("aria-live", "polite");
      form.appendChild(note);
    }
    note.textContent = waiting > 0 ? "+" + waiting + " " + text("Queued") : "";
  }

  function enqueue(item) {
    queue.push(item);
    showQueue();
    pump();
  }

  function pump() {
    if (sending || stalled || !queue.length) { return; }
    sending = true;
    var item = queue[0];
    send(item).then(function (outcome) {
      sending = false;
      if (outcome === "retry") {
        stalled = true;
        return;
      }
      queue.shift();
      showQueue();
      pump();
    });
  }

  function bodyFor(item) {
    var form = stepForm();
    var data = form ? new FormData(form) : new FormData();
    if (item.file) {
      data.delete("code");
      data.set("image", item.file, item.file.name || "photo.jpg");
      data.set("step_action", form ? form.getAttribute("action") : "");
    } else {
      data.set("code", item.code);
    }
    data.set("scan_id", item.scanId);
    (item.extra || []).forEach(function (pair) { data.set(pair[0], pair[1]); });
    return { url: item.file ? "/scan/decode" : (form ? form.getAttribute("action") : location.pathname), data: data };
  }

  function send(item) {
    var request = bodyFor(item);
    setFeedback("pending", text("Pending") + " " + (item.code || ""), false);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, SEND_TIMEOUT_MS);
    return fetch(request.url, {
      method: "POST",
      body: request.data,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken(), "HX-Current-URL": location.href },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (response.redirected && /\/login/.test(response.url)) {
        location.href = response.url;
        return "stop";
      }
      if (response.status >= 500) {
        offline(item, text("Server"));
        return "retry";
      }
      return response.text().then(function (html) {
        applyAnswer(html);
        return "done";
      });
    }).catch(function () {
      clearTimeout(timer);
      offline(item, text("Offline"));
      return "retry";
    });
  }

  function offline(item, message) {
    setFeedback("offline", message + (item.code ? " (" + item.code + ")" : ""), true);
    signal("error");
  }

  function applyAnswer(html) {
    var template = doc.createElement("template");
    template.innerHTML = html;
    var partial = codeInput() ? codeInput().value : "";
    var go = template.content.querySelector("[data-redirect]");
    if (go) {
      location.href = go.getAttribute("href");
      return;
    }
    var hasStep = template.content.querySelector("#step");
    var target = hasStep ? doc.getElementById("step") : doc.getElementById("feedback");
    if (!hasStep && !template.content.querySelector("#feedback")) { return; }
    if (window.htmx && target) {
      window.htmx.swap(target, html, { swapStyle: "outerHTML" });
    } else if (target) {
      var node = template.content.querySelector(hasStep ? "#step" : "#feedback");
      target.replaceWith(node);
    }
    var input = codeInput();
    if (input && partial && !input.value) { input.value = partial; }
    afterSwap();
  }

  function afterSwap() {
    var box = doc.getElementById("feedback");
    if (box && box.dataset.result) { signal(box.dataset.result); }
    showQueue();
    focusCode();
  }

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-scan]") || !window.fetch) { return; }
    event.preventDefault();
    unlockAudio();
    var submitter = event.submitter;
    var extra = submitter && submitter.name ? [[submitter.name, submitter.value]] : [];
    var input = form.querySelector('input[name="code"]:not([type="hidden"])');
    if (!input) {  /* a confirming step: its button is the answer */
      enqueue({ code: "", scanId: newScanId(), extra: extra });
      return;
    }
    var code = input.value.trim();
    var fromOtherField = doc.activeElement && doc.activeElement !== input && doc.activeElement.form === form &&
      doc.activeElement.type !== "submit";
    if (!code && !fromOtherField) { focusCode(); return; }  /* an empty Enter from the scanner */
    input.value = "";
    enqueue({ code: code, scanId: newScanId(), extra: extra });
  });

  doc.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-retry],[data-mute-toggle],[data-camera]") : null;
    unlockAudio();
    if (!target) { return; }
    if (target.hasAttribute("data-retry")) {
      stalled = false;
      pump();
    } else if (target.hasAttribute("data-mute-toggle")) {
      try { localStorage.setItem(MUTE_KEY, isMuted() ? "0" : "1"); } catch (e) { /* private mode */ }
      showMuteState();
    } else if (target.hasAttribute("data-camera")) {
      openCamera();
    }
  });

  doc.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-camera-file]") || !input.files || !input.files[0]) { return; }
    enqueue({ code: "", file: input.files[0], scanId: newScanId() });
    input.value = "";
  });

  /* A scanner ends a badge scan with Enter: move on to the next field instead of submitting. */
  doc.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.hasAttribute || !input.hasAttribute("data-enter-next") || !input.form) { return; }
    var fields = Array.prototype.filter.call(input.form.elements, function (e) { return e.type !== "hidden" && !e.disabled; });
    var next = fields[fields.indexOf(input) + 1];
    if (next && input.value.trim()) { event.preventDefault(); next.focus(); }
  });

  doc.addEventListener("htmx:afterSwap", function () { afterSwap(); });
  doc.addEventListener("keydown", unlockAudio, { once: true });

  /* ---------- camera: live BarcodeDetector where it exists, else a photo sent to the server ---------- */
  var lastRead = { code: "", at: 0 };

  function isDuplicate(code) {
    var now = Date.now();
    var duplicate = code === lastRead.code && now - lastRead.at < DUPLICATE_WINDOW_MS;
    lastRead = { code: code, at: now };
    return duplicate;
  }

  /* Live scanning is static/js/camera.js, loaded only when the camera opens (it brings a
     BarcodeDetector polyfill where the browser has none); it rejects when live scanning is
     impossible here, and the photo upload takes over. */
  function openCamera() {
    var module = doc.body.dataset.cameraModule;
    var canTry = window.isSecureContext && navigator.mediaDevices && module;
    if (!canTry) { photoFallback(); return; }
    import(module).then(function (camera) {
      return camera.open({
        onRead: function () { unlockAudio(); tone(2093, 0.05); vibrate(20); },
        onCode: function (code) { if (!isDuplicate(code)) { enqueue({ code: code, scanId: newScanId() }); } },
        onClose: focusCode,
        closeLabel: text("CameraClose")
      });
    }).catch(photoFallback);
  }

  function photoFallback() {
    var file = doc.querySelector("#step input[data-camera-file]");
    if (file) { file.click(); }
  }

  doc.addEventListener("DOMContentLoaded", function () {
    showMuteState();
    focusCode();
  });
})();
