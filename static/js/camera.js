/* 棚 tana — live camera scanning, loaded on demand by floor.js (openCamera).

   The browser's own BarcodeDetector where it reads our formats (Chrome on Android); anywhere
   else (Safari on iPhone, Firefox, desktop Chrome) the vendored ZXing polyfill, fetched from
   our static folder only now. open() rejects when live scanning cannot work here, and floor.js
   takes a photo instead. The view is a panel at the top; the page moves down under it so the
   scan's answer (#feedback) stays in sight. No inline styles (CSP): floor.css "Live camera". */

const VENDOR = new URL("./vendor/barcode-detector-3.2.2/", import.meta.url);
const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf", "qr_code", "data_matrix", "codabar"];
const SAME_CODE_MS = 1500;  // a code seen again within this time (held in view) is not handed over again
const PAUSE_MS = 50;        // between two detections
const MAX_ERRORS = 25;      // detections failing in a row: the camera is closed

let current = null;
let detectorPromise = null;

export function open(options) {
  if (current) { return Promise.resolve(); }
  const media = navigator.mediaDevices;
  if (!media || !media.getUserMedia) { return Promise.reject(new Error("getUserMedia is not available")); }
  const session = { options: options || {}, closed: false, seen: new Map(), errors: 0 };
  current = session;
  const detecting = detector();
  detecting.catch(() => {});  // awaited below; the camera may fail first
  return media.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
  }).then((stream) => {
    session.stream = stream;
    if (session.closed) { stream.getTracks().forEach((track) => track.stop()); return null; }
    show(session);
    return session.video.play();
  }).then(() => detecting).then((found) => {
    if (session.closed) { return; }  /* closed by the person while the detector loaded */
    session.detector = found;
    loop(session);
  }, (error) => {
    if (session.closed) { return; }  /* the person closed it first: no photo instead */
    shut(session, false);
    throw error;
  });
}

export function close() {
  if (current) { shut(current, true); }
}

/* Native when it reads every format we need, else the polyfill (kept for the page's life). */
function detector() {
  if (!detectorPromise) {
    detectorPromise = nativeDetector().then((native) => native || polyfillDetector());
    detectorPromise.catch(() => { detectorPromise = null; });
  }
  return detectorPromise;
}

function nativeDetector() {
  const Native = window.BarcodeDetector;
  if (!Native || !Native.getSupportedFormats) { return Promise.resolve(null); }
  return Native.getSupportedFormats().then((supported) => (
    FORMATS.every((f) => supported.includes(f)) ? new Native({ formats: FORMATS }) : null
  ), () => null);
}

function polyfillDetector() {
  return import(new URL("ponyfill.js", VENDOR).href).then((zxing) => zxing.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? new URL(path, VENDOR).href : prefix + path) },
    fireImmediately: true
  }).then(() => new zxing.BarcodeDetector({ formats: FORMATS })));
}

function show(session) {
  const doc = document;
  const view = doc.createElement("div");
  view.className = "camera-view camera-live";
  const video = doc.createElement("video");
  video.className = "camera-video";
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("playsinline", "");
  video.setAttribute("muted", "");
  video.setAttribute("aria-hidden", "true");
  video.srcObject = session.stream;
  const button = doc.createElement("button");
  button.type = "button";
  button.className = "btn camera-close";
  button.name = "camera-close";
  button.textContent = session.options.closeLabel || "×";
  button.addEventListener("click", () => shut(session, true));
  view.append(video, button);
  doc.body.append(view);
  doc.body.classList.add("camera-open");
  session.view = view;
  session.video = video;
  session.onKey = (event) => { if (event.key === "Escape") { shut(session, true); } };
  session.onHide = () => shut(session, true);
  doc.addEventListener("keydown", session.onKey);
  window.addEventListener("pagehide", session.onHide);
  session.stream.getVideoTracks().forEach((track) => track.addEventListener("ended", session.onHide));
  keepAnswerInView(view);
}

/* Scroll so the step (or at least its answer) sits just under the panel. */
function keepAnswerInView(view) {
  const step = document.getElementById("step");
  const answer = document.getElementById("feedback") || step;
  if (!answer) { return; }
  const under = view.getBoundingClientRect().bottom;
  const top = answer.getBoundingClientRect().top;
  const stepTop = step ? step.getBoundingClientRect().top : top;
  const anchor = top - stepTop + 64 <= window.innerHeight - under ? stepTop : top;
  window.scrollBy(0, anchor - under - 8);
}

function loop(session) {
  if (session.closed) { return; }
  const video = session.video;
  const ready = video.readyState >= 2 && video.videoWidth > 0 && !document.hidden;
  const detection = ready ? session.detector.detect(video) : Promise.resolve(null);
  detection.then((barcodes) => {
    session.errors = 0;
    if (barcodes && barcodes.length && !session.closed) { take(session, nearestCentre(barcodes, video)); }
  }, () => {
    session.errors += 1;
    if (session.errors >= MAX_ERRORS) { shut(session, true); }
  }).then(() => { session.timer = setTimeout(() => loop(session), PAUSE_MS); });
}

/* Several codes in the frame (a JAN next to a case code): the one nearest the aiming line. */
function nearestCentre(barcodes, video) {
  const cx = video.videoWidth / 2;
  const cy = video.videoHeight / 2;
  const distance = (b) => {
    const box = b.boundingBox;
    return box ? Math.hypot(box.x + box.width / 2 - cx, box.y + box.height / 2 - cy) : 0;
  };
  return barcodes.reduce((best, b) => (distance(b) < distance(best) ? b : best));
}

/* A code is handed over when it was not seen in the last SAME_CODE_MS: held in view, it goes
   over once. rawValue goes as the detector gives it: GS1 keeps GS (\x1d) where it puts them. */
function take(session, barcode) {
  const text = barcode.rawValue;
  if (!text) { return; }
  const now = Date.now();
  const seen = session.seen;
  const fresh = !seen.has(text) || now - seen.get(text) >= SAME_CODE_MS;
  seen.forEach((at, code) => { if (now - at >= SAME_CODE_MS) { seen.delete(code); } });
  seen.set(text, now);
  if (!fresh) { return; }
  const { onRead, onCode } = session.options;
  if (onRead) { onRead(text); }
  if (onCode) { onCode(text); }
}

function shut(session, notify) {
  if (session.closed) { return; }
  session.closed = true;
  clearTimeout(session.timer);
  if (session.stream) { session.stream.getTracks().forEach((track) => track.stop()); }
  if (session.video) { session.video.srcObject = null; }
  if (session.view) { session.view.remove(); }
  document.body.classList.remove("camera-open");
  document.removeEventListener("keydown", session.onKey);
  window.removeEventListener("pagehide", session.onHide);
  if (current === session) { current = null; }
  if (notify && session.options.onClose) { session.options.onClose(); }
}
