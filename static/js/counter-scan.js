// Camera scanning at the counter desk. The form works without it: a handheld scanner types the code.
// The browser's BarcodeDetector is used where there is one (Chrome on Android, macOS, ChromeOS); elsewhere
// (Chrome and Edge on Windows and Linux desk PCs, Firefox) jsQR, vendored under static/vendor and loaded
// only then, reads frames of the video drawn on a canvas.
(function () {
  "use strict";
  var button = document.getElementById("camera-button");
  var video = document.getElementById("camera-preview");
  var input = document.getElementById("id_code");
  var form = document.getElementById("scan-form");
  var status = document.getElementById("camera-status");
  var media = navigator.mediaDevices;
  if (!button || !media || !media.getUserMedia) { return; }
  var hasNative = "BarcodeDetector" in window;
  var FALLBACK_INTERVAL_MS = 150; // a frame every 150 ms is quick for a person and light for the CPU
  var MAX_WIDTH = 800; // frames are scaled down before jsQR reads them
  button.hidden = false;

  function say(text) { status.textContent = text; }

  function loadFallback() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.getAttribute("data-fallback-src");
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("jsQR did not load")); };
      document.head.appendChild(script);
    });
  }

  function nativeReader() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function () {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    };
  }

  function fallbackReader() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var scale = Math.min(1, MAX_WIDTH / (video.videoWidth || 1));
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      if (!width || !height) { return Promise.resolve(null); }
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height);
      return Promise.resolve(code ? code.data : null);
    };
  }

  function scan(read, stream) {
    var next = function () {
      if (hasNative) { window.requestAnimationFrame(tick); } else { window.setTimeout(tick, FALLBACK_INTERVAL_MS); }
    };
    var tick = function () {
      read().then(function (value) {
        if (!value) { next(); return; }
        stream.getTracks().forEach(function (track) { track.stop(); });
        input.value = value;
        say(button.getAttribute("data-found"));
        form.submit();
      }).catch(next);
    };
    tick();
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    var ready = hasNative ? Promise.resolve(nativeReader) : loadFallback().then(function () { return fallbackReader; });
    ready.then(function (makeReader) {
      return media.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        say(button.getAttribute("data-scanning"));
        return video.play().then(function () { scan(makeReader(), stream); });
      });
    }).catch(function () {
      button.disabled = false;
      say(button.getAttribute("data-unavailable"));
    });
  });
})();
