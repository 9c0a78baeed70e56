/* 棚 tana — the one script of the floor screens (FLOOR_UX.md). No inline scripts anywhere (CSP).

   Every scan goes through one queue, in order, each exactly once (its scan_id):
   - a scan is taken wherever the focus is: typed into the scan field, or a wedge scanner's burst
     of keys ending in Enter while another field, a button or nothing has the focus;
   - while the step asks "are you sure?" (a form with data-awaits-answer), scans wait behind the
     question: the person's answer goes first, then they are sent, each to the step it then meets;
   - when the network or the server fails, scans are kept (in localStorage, so a reload or a closed
     tab keeps them too), numbered on screen, and sent again by themselves until the server answers;
   - every answer sounds and vibrates once, differently for ok, error, confirm, question, offline. */
(function () {
  "use strict";
  var doc = document;
  var SEND_TIMEOUT_MS = 20000;
  var RETRY_MS = [1000, 2000, 3000, 5000];
  var BURST_GAP_MS = 100;
  var BURST_MIN_KEYS = 4;
  var DUPLICATE_WINDOW_MS = 1500;
  var MUTE_KEY = "tana.mute";
  var SHOWN_DONE = 8;

  function csrfToken() {
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function text(key, n) {
    var value = (doc.body && doc.body.dataset["msg" + key]) || key;
    return n === undefined ? value : value.replace("{n}", String(n));
  }

  function newScanId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  doc.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  /* ---------- sound and vibration: one per answer, a different one per result ---------- */
  var audio = null;
  var SIGNALS = {
    ok: { tones: [[1760, 0.09, 0]], vibrate: [40] },
    error: { tones: [[196, 0.16, 0], [196, 0.16, 0.22]], vibrate: [300, 100, 300] },
    confirm: { tones: [[880, 0.12, 0], [660, 0.12, 0.16]], vibrate: [80, 60, 80] },
    question: { tones: [[660, 0.1, 0], [990, 0.14, 0.14]], vibrate: [40, 40, 40, 40, 40] },
    offline: { tones: [[440, 0.07, 0], [440, 0.07, 0.12], [440, 0.07, 0.24]], vibrate: [150, 80, 150, 80, 150] },
    read: { tones: [[2093, 0.05, 0]], vibrate: [20] }
  };

  function isMuted() {
    var chosen = null;  /* this phone's choice, else the warehouse's default (/admin/settings) */
    try { chosen = localStorage.getItem(MUTE_KEY); } catch (e) { chosen = null; }
    return chosen === null ? doc.body.getAttribute("data-sound") === "off" : chosen === "1";
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
  function signal(result) {
    var how = SIGNALS[result];
    if (!how) { return; }
    doc.body.dataset.lastSignal = result;
    how.tones.forEach(function (t) { tone(t[0], t[1], t[2]); });
    if (!isMuted() && navigator.vibrate) { try { navigator.vibrate(how.vibrate); } catch (e) { /* not allowed */ } }
  }

  /* ---------- the step on screen ---------- */
  function mainForm() { return doc.querySelector("#step form[data-scan]"); }
  function codeInput() { return doc.querySelector('#step input[name="code"]:not([type="hidden"])'); }
  function awaitsAnswer() { return !!doc.querySelector("#step form[data-awaits-answer]"); }
  function isEditable(el) {
    if (!el || !el.tagName) { return false; }
    if (el.isContentEditable || el.tagName === "TEXTAREA") { return true; }
    return el.tagName === "INPUT" && !/^(button|submit|reset|checkbox|radio|file|hidden|image|range|color)$/.test(el.type);
  }
  function focusCode() {
    var input = codeInput();
    if (!input || doc.querySelector(".camera-open") || doc.activeElement === input) { return; }
    var active = doc.activeElement;
    if (isEditable(active) && active.closest("#step")) { return; }  /* someone is typing a lot or a quantity */
    input.focus({ preventScroll: true });
  }

  function setFeedback(result, message, action) {
    var box = doc.getElementById("feedback");
    if (!box) { return; }
    box.className = "feedback is-" + result;
    box.dataset.result = result;
    box.setAttribute("role", result === "offline" ? "alert" : "status");
    box.textContent = "";
    var mark = doc.createElement("span");
    mark.className = "mark mark-" + result;
    mark.setAttribute("aria-hidden", "true");
    var span = doc.createElement("span");
    span.className = "message";
    span.textContent = message;
    box.appendChild(mark);
    box.appendChild(span);
    if (action) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "btn primary";
      button.textContent = action.label;
      button.name = action.name;
      button.setAttribute(action.attribute, "");
      box.appendChild(button);
    }
  }

  /* ---------- the queue ---------- */
  var queue = [];       /* items not answered yet, in sending order */
  var finished = [];    /* answered items of the current run, shown with their results */
  var sending = false;
  var offline = false;
  var retryTimer = null;
  var attemptsInRow = 0;
  var held = false;
  var counter = 0;

  function storageKey() { return "tana.queue." + (doc.body.dataset.user || "anon"); }
  function loadStored() {
    try { return JSON.parse(localStorage.getItem(storageKey()) || "[]"); } catch (e) { return []; }
  }
  function persist() {
    var here = location.pathname;
    var others = loadStored().filter(function (s) { return s.page !== here; });
    var mine = queue.filter(function (i) { return i.kind === "scan"; }).map(function (i) {
      return { id: i.id, code: i.code, page: here, n: i.n, at: i.at };
    });
    try { localStorage.setItem(storageKey(), JSON.stringify(others.concat(mine))); } catch (e) { /* full or private */ }
  }

  function enqueue(item, first) {
    item.n = item.n || ++counter;
    item.at = item.at || Date.now();
    item.state = "waiting";
    if (first) { queue.unshift(item); } else { queue.push(item); }
    persist();
    if (item.kind !== "answer") {
      if (offline) {
        setFeedback("offline", text("Offline") + " (#" + item.n + " " + shortCode(item) + ")", retryAction());
        signal("offline");
      } else if (!sending && !(awaitsAnswer() && item.kind !== "answer")) {
        setFeedback("pending", text("Pending") + " " + shortCode(item));
      }
    }
    render();
    pump();
  }

  function scanCode(code) {
    code = (code || "").trim();
    if (!code) { return; }
    enqueue({ kind: "scan", id: newScanId(), code: code });
  }

  function shortCode(item) {
    var code = item.code || (item.kind === "photo" ? "📷" : "");
    return code.length > 24 ? code.slice(0, 22) + "…" : code;
  }

  function pump() {
    if (sending || !queue.length) { render(); return; }
    var item = queue[0];
    if (item.kind !== "answer" && awaitsAnswer()) {
      if (!held) { held = true; signal("confirm"); }
      queue.forEach(function (i) { if (i.kind !== "answer") { i.state = "held"; } });
      render();
      return;
    }
    held = false;
    var request = requestFor(item);
    if (!request) {  /* an answer to a question that is no longer on screen */
      queue.shift();
      pump();
      return;
    }
    sending = true;
    item.state = "sending";
    item.attempts = (item.attempts || 0) + 1;
    render();
    send(request, item).then(function (outcome) {
      sending = false;
      if (outcome === "retry") {
        item.state = "waiting";
        scheduleRetry();
        render();
        return;
      }
      if (outcome === "stop") { return; }
      offline = false;
      attemptsInRow = 0;
      queue.shift();
      item.doneAt = Date.now();
      if (item.kind !== "answer") { finished.push(item); }
      finished = finished.slice(-SHOWN_DONE);
      persist();
      pump();
    });
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    var wait = RETRY_MS[Math.min(attemptsInRow, RETRY_MS.length - 1)];
    attemptsInRow += 1;
    retryTimer = setTimeout(pump, wait);
  }

  function requestFor(item) {
    var form = item.kind === "answer" ? item.form : mainForm();
    if (!form || (item.kind === "answer" && !doc.contains(form))) { return null; }
    var data = new FormData(form);
    if (item.kind === "photo") {
      data.delete("code");
      data.set("image", item.file, item.file.name || "photo.jpg");
    } else if (item.kind === "scan") {
      data.set("code", item.code);
    }
    (item.extra || []).forEach(function (pair) { data.set(pair[0], pair[1]); });
    data.set("scan_id", item.id);
    return { url: form.getAttribute("action") || location.pathname, data: data };
  }

  function send(request, item) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, SEND_TIMEOUT_MS);
    var headers = { "HX-Request": "true", "X-CSRFToken": csrfToken(), "HX-Current-URL": location.href };
    if (item.attempts > 1) { headers["X-Scan-Retry"] = "1"; }
    return fetch(request.url, {
      method: "POST", body: request.data, credentials: "same-origin", headers: headers,
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (response.redirected && /\/login/.test(response.url)) {
        location.href = response.url;  /* the scans stay stored and go once the person is back */
        return "stop";
      }
      if (response.status >= 500) { return failed(item, text("Server")); }
      return response.text().then(function (html) {
        applyAnswer(html, item);
        return "done";
      });
    }).catch(function () {
      clearTimeout(timer);
      return failed(item, text("Offline"));
    });
  }

  function failed(item, message) {
    var first = !offline;
    offline = true;
    if (first || item.kind === "answer") {
      setFeedback("offline", message + " (#" + item.n + " " + shortCode(item) + ")", retryAction());
      signal("offline");
    }
    return "retry";
  }

  function retryAction() { return { label: text("Retry"), attribute: "data-retry", name: "retry" }; }

  function applyAnswer(html, item) {
    var template = doc.createElement("template");
    template.innerHTML = html;
    var go = template.content.querySelector("[data-redirect]");
    if (go) { location.href = go.getAttribute("href"); return; }
    var hasStep = !!template.content.querySelector("#step");
    var box = template.content.querySelector("#feedback");
    var result = box ? box.dataset.result : "";
    item.result = result;
    item.state = result === "error" ? "refused" : "sent";
    item.message = box ? (box.querySelector(".message") || box).textContent.trim() : "";
    var target = hasStep ? doc.getElementById("step") : doc.getElementById("feedback");
    var typing = codeInput() ? codeInput().value : "";
    if (target && (hasStep || box)) {
      applying = true;
      if (window.htmx) {
        window.htmx.swap(target, html, { swapStyle: "outerHTML" });
      } else {
        target.replaceWith(template.content.querySelector(hasStep ? "#step" : "#feedback"));
      }
      applying = false;
    }
    var input = codeInput();
    if (input && typing && !input.value) { input.value = typing; }
    afterAnswer(result);
  }

  /* ---------- spoken prompts (picking): the next shelf and quantity read aloud, per user, off by default ---------- */
  function speechKey() { return "tana.speech." + (doc.body.dataset.user || "anon"); }
  function speechOn() {
    try { return localStorage.getItem(speechKey()) === "1"; } catch (e) { return false; }
  }
  function showSpeechState() {
    var words = doc.getElementById("speech-words");
    doc.querySelectorAll("[data-speech-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(speechOn()));
      if (words) { b.textContent = speechOn() ? words.dataset.on : words.dataset.off; }
    });
  }
  var spoken = "";
  function speakPrompt(force) {
    var prompt = doc.querySelector("#prompt[data-speak]");
    if (!prompt || !speechOn() || !window.speechSynthesis || !window.SpeechSynthesisUtterance) { return; }
    var words = prompt.dataset.speak;
    if (!words || (words === spoken && !force)) { return; }
    spoken = words;
    var utterance = new window.SpeechSynthesisUtterance(words);
    var lang = doc.getElementById("speech-words");
    utterance.lang = lang && lang.dataset.lang === "en" ? "en-US" : "ja-JP";
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }

  var applying = false;
  function afterAnswer(result) {
    speakPrompt(false);
    if (result) { signal(result); }
    keepHistory();
    render();
    focusCode();
  }

  /* The numbered list of scans kept or sent in this run, next to the answer: shown once scans
     wait (offline, behind a question, or several in flight) and until all of them are answered. */
  var listStays = false;
  var queueBox = null;  /* kept by reference: it travels with the answer, outside or inside #step */
  function render() {
    var list = queueBox || (queueBox = doc.getElementById("scan-queue"));
    if (!list) { return; }
    var pending = queue.filter(function (i) { return i.kind !== "answer"; });
    if (!listStays && pending.length && (offline || pending.length > 1 || pending[0].state === "held")) {
      listStays = true;
      var now = Date.now();  /* a new run: these, and the scans answered just before them */
      finished = finished.filter(function (i) { return now - i.doneAt < 5000; });
    }
    updateNet(pending.length);
    if (!listStays) {
      list.hidden = true;
      list.textContent = "";
      return;
    }
    /* next to the answer; below the two choices while a question waits, so they stay in reach */
    var anchor = doc.querySelector("#step form[data-awaits-answer]") || doc.getElementById("feedback");
    if (anchor && anchor.nextElementSibling !== list) { anchor.after(list); }
    list.hidden = false;
    list.textContent = "";
    var title = doc.createElement("p");
    title.className = "queue-title";
    title.textContent = text("QueueTitle");
    list.appendChild(title);
    var ol = doc.createElement("ol");
    ol.className = "queue-items";
    finished.filter(function (i) { return i.kind !== "answer"; }).concat(pending).forEach(function (item) {
      ol.appendChild(queueLine(item));
    });
    list.appendChild(ol);
  }

  function queueLine(item) {
    var li = doc.createElement("li");
    li.className = "queue-item is-" + item.state + (item.result ? " result-" + item.result : "");
    li.dataset.state = item.state;
    li.dataset.n = item.n;
    [["q-n tok", "#" + item.n], ["q-code tok", shortCode(item)], ["q-state", stateWord(item)]].forEach(function (part) {
      var span = doc.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
    });
    if (item.message && item.state === "refused") {
      var why = doc.createElement("span");
      why.className = "q-why";
      why.textContent = item.message;
      li.appendChild(why);
    }
    return li;
  }

  function stateWord(item) {
    if (item.state === "held") { return text("Held"); }
    if (item.state === "sending") { return text("Sending"); }
    if (item.state === "refused") { return text("Refused"); }
    if (item.state === "sent") { return text("Sent"); }
    return text("Waiting");
  }

  var doneTimer = null;
  function updateNet(pending) {
    var net = doc.getElementById("net-status");
    if (!net) { return; }
    var elsewhere = loadStored().filter(function (s) { return s.page !== location.pathname; }).length;
    var state = "online", label = "";
    if (offline) { state = "offline"; label = text("NetOffline") + (pending ? " · " + text("NetWaiting", pending) : ""); }
    else if (pending && queue.some(function (i) { return i.state === "held"; })) { state = "waiting"; label = text("NetWaiting", pending); }
    else if (pending) { state = "sending"; label = text("NetSending", pending); }
    else if (finished.length && listStays) { state = "done"; label = text("NetDone"); }
    if (elsewhere && !pending) { label = (label ? label + " · " : "") + text("Elsewhere", elsewhere); }
    net.dataset.state = state;
    net.textContent = label;
    clearTimeout(doneTimer);
    if (state === "done") {
      doneTimer = setTimeout(function () { listStays = false; finished = []; render(); }, 15000);
    }
  }

  /* ---------- what the person does ---------- */
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-scan]") || !window.fetch) { return; }
    event.preventDefault();
    unlockAudio();
    var submitter = event.submitter;
    var extra = submitter && submitter.name ? [[submitter.name, submitter.value]] : [];
    var input = form.querySelector('input[name="code"]:not([type="hidden"])');
    if (!input || extra.length) {  /* a button answers the step: confirm, a lot to choose, back */
      answer(form, extra);
      return;
    }
    var code = input.value.trim();
    var fromOtherField = doc.activeElement && doc.activeElement !== input && doc.activeElement.form === form &&
      isEditable(doc.activeElement);
    if (!code && !fromOtherField) { focusCode(); return; }  /* an empty Enter from the scanner */
    input.value = "";
    if (!code) { answer(form, extra); return; }  /* Enter in the lot or quantity field: the form as it is */
    scanCode(code);
  });

  function answer(form, extra) {
    var idField = form.querySelector('input[name="scan_id"]');
    var id = idField ? idField.value : newScanId();
    if (queue.some(function (i) { return i.id === id; })) { return; }  /* a double tap */
    form.querySelectorAll("button").forEach(function (b) { b.classList.add("is-chosen"); });
    enqueue({ kind: "answer", id: id, form: form, extra: extra }, true);
  }

  /* A wedge scanner types fast and ends with Enter: wherever the focus is, that is a scan. The
     keys are collected here whatever has the focus (the scan field, another field, a button,
     nothing), so a scan typed while an answer swaps the step, or while a question is open, is
     taken whole. Typing by hand is slower than a burst and stays with its field. */
  var burst = { keys: "", last: 0, field: null, before: "" };
  doc.addEventListener("keydown", function (event) {
    unlockAudio();
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || !mainForm()) { return; }
    var now = event.timeStamp || Date.now();
    if (event.key === "Enter") {
      var fast = burst.keys.length >= BURST_MIN_KEYS && now - burst.last <= BURST_GAP_MS;
      var stray = burst.keys.length > 0 && !isEditable(target);  /* keys nothing could take: a scan */
      var scanned = burst.keys;
      burst.keys = "";
      if (!fast && !stray) { return; }
      event.preventDefault();
      var input = codeInput();
      if (burst.field && burst.field !== input && isEditable(burst.field)) { burst.field.value = burst.before; }
      if (input && input.value.trim() && scanned.indexOf(input.value.trim()) !== -1) { input.value = ""; }
      scanCode(scanned);
      focusCode();
      return;
    }
    if (event.key.length !== 1) { return; }
    if (now - burst.last > BURST_GAP_MS) {
      burst.keys = "";
      burst.field = target;
      burst.before = isEditable(target) ? target.value : "";
    }
    burst.keys += event.key;
    burst.last = now;
    if (!isEditable(target)) { event.preventDefault(); }  /* a button or link must not take the scanner's keys */
  }, true);

  /* A badge scan ends with Enter on the login page: move to the PIN instead of submitting. */
  doc.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.hasAttribute || !input.hasAttribute("data-enter-next") || !input.form) { return; }
    var fields = Array.prototype.filter.call(input.form.elements, function (e) { return e.type !== "hidden" && !e.disabled; });
    var next = fields[fields.indexOf(input) + 1];
    if (next && input.value.trim()) { event.preventDefault(); next.focus(); }
  });

  doc.addEventListener("click", function (event) {
    unlockAudio();
    var target = event.target.closest ? event.target.closest("[data-retry],[data-mute-toggle],[data-speech-toggle],[data-camera],[data-photo]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-retry")) {
      clearTimeout(retryTimer);
      attemptsInRow = 0;
      pump();
    } else if (target.hasAttribute("data-mute-toggle")) {
      try { localStorage.setItem(MUTE_KEY, isMuted() ? "0" : "1"); } catch (e) { /* private mode */ }
      showMuteState();
    } else if (target.hasAttribute("data-speech-toggle")) {
      try { localStorage.setItem(speechKey(), speechOn() ? "0" : "1"); } catch (e) { /* private mode */ }
      showSpeechState();
      spoken = "";
      speakPrompt(true);
      focusCode();
    } else if (target.hasAttribute("data-camera")) {
      openCamera();
    } else if (target.hasAttribute("data-photo")) {
      photoFallback();
    }
  });

  doc.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-camera-file]") || !input.files || !input.files[0]) { return; }
    enqueue({ kind: "photo", id: newScanId(), file: input.files[0] });
    input.value = "";
  });

  /* Swaps htmx makes by itself (office screens, out-of-band parts) sound once too. */
  doc.addEventListener("htmx:afterSwap", function (event) {
    if (applying || !event.detail || !event.detail.xhr) { return; }  /* our own answers signal once, in applyAnswer */
    var swapped = event.detail.target;
    var box = swapped && swapped.id === "feedback" ? swapped : swapped && swapped.querySelector ? swapped.querySelector("#feedback") : null;
    afterAnswer(box ? box.dataset.result : "");
  });

  window.addEventListener("online", function () { clearTimeout(retryTimer); attemptsInRow = 0; pump(); });
  doc.addEventListener("visibilitychange", function () { if (!doc.hidden && queue.length && !sending) { pump(); } });

  function keepHistory() {
    var history = doc.getElementById("history");
    if (!history) { return; }
    var keep = parseInt(history.dataset.keep || "10", 10);
    while (history.children.length > keep) { history.removeChild(history.lastElementChild); }
  }

  /* ---------- camera: static/js/camera.js, loaded only when the camera opens ---------- */
  var lastRead = { code: "", at: 0 };
  function isDuplicate(code) {
    var now = Date.now();
    var duplicate = code === lastRead.code && now - lastRead.at < DUPLICATE_WINDOW_MS;
    lastRead = { code: code, at: now };
    return duplicate;
  }

  function openCamera() {
    var module = doc.body.dataset.cameraModule;
    if (!(window.isSecureContext && navigator.mediaDevices && module)) { photoFallback(); return; }
    var tapped = Date.now();
    import(module).then(function (camera) {
      return camera.open({
        onRead: function () { signal("read"); },
        onCode: function (code) { if (!isDuplicate(code)) { scanCode(code); } },
        onClose: focusCode,
        closeLabel: text("CameraClose")
      });
    }).catch(function () {
      /* A file chooser opens only close to a tap: after a slow failure, offer the photo with a button. */
      if (Date.now() - tapped < 1000) { photoFallback(); }
      else { setFeedback("question", text("CameraFailed"), { label: text("TakePhoto"), attribute: "data-photo", name: "photo" }); }
    });
  }

  function photoFallback() {
    var file = doc.querySelector("#step input[data-camera-file]");
    if (file) { file.click(); }
  }

  doc.addEventListener("DOMContentLoaded", function () {
    showMuteState();
    showSpeechState();
    speakPrompt(false);
    var here = location.pathname;
    loadStored().filter(function (s) { return s.page === here; }).forEach(function (s) {
      counter = Math.max(counter, s.n || 0);
      queue.push({ kind: "scan", id: s.id, code: s.code, n: s.n, at: s.at, state: "waiting", attempts: 1 });
    });
    if (queue.length) { listStays = true; pump(); } else { render(); }
    focusCode();
  });
})();
