/* 棚 tana — live camera scanning, loaded on demand by floor.js (placeholder until the
   BarcodeDetector polyfill lands: rejecting makes floor.js take a photo instead). */
export function open() {
  return Promise.reject(new Error("live camera scanning is not available yet"));
}
