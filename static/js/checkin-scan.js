// Door check-in by QR code: where the browser can read QR codes itself
// (BarcodeDetector, no library), the phone's camera scans a member's personal
// code and posts it to the check-in endpoint. One code is sent once per sighting;
// the answer ("checked in", "already here", "another evening") is shown large.
// Browsers without BarcodeDetector keep the search below as the way in.
"use strict";

(() => {
  const section = document.querySelector("[data-scan]");
  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) {
    return;
  }
  const video = section.querySelector("[data-scan-video]");
  const view = section.querySelector("[data-scan-view]");
  const start = section.querySelector("[data-scan-start]");
  const stop = section.querySelector("[data-scan-stop]");
  const result = section.querySelector("[data-scan-result]");
  const form = section.querySelector("[data-scan-form]");
  const texts = section.querySelector("[data-scan-messages]").content;
  const text = (key) => texts.querySelector(`[data-key="${key}"]`)?.textContent ?? "";

  // A code held in view is one scan; out of view for this long, it is a new one.
  const SAME_SCAN_MS = 1500;
  let stream = null;
  let detector = null;
  let busy = false;
  let last = { code: "", at: 0 };

  const show = (message, kind) => {
    result.textContent = message;
    result.className = `checkin-scan-result is-${kind}`;
  };

  const markHere = (memberId, hereCount) => {
    const row = document.getElementById(`member-${memberId}`);
    if (row) {
      row.classList.add("is-here");
      const button = row.querySelector(".checkin-button");
      button?.setAttribute("aria-pressed", "true");
      const here = row.querySelector('input[name="here"]');
      if (here) {
        here.value = "0";
      }
    }
    const count = document.querySelector("[data-here-count]");
    if (count && hereCount !== undefined) {
      count.textContent = String(hereCount);
    }
  };

  const send = async (code) => {
    const body = new FormData(form);
    body.set("code", code);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (data.ok) {
        show(data.message, data.new ? "ok" : "repeat");
        markHere(data.member, data.here_count);
      } else {
        show(data.message, "error");
      }
    } catch {
      show(text("network"), "error");
      last = { code: "", at: 0 };
    }
  };

  const tick = async () => {
    if (!stream) {
      return;
    }
    if (!busy && video.readyState >= 2) {
      busy = true;
      try {
        const codes = await detector.detect(video);
        const code = codes.find((c) => c.rawValue)?.rawValue;
        const now = Date.now();
        if (code && !(code === last.code && now - last.at < SAME_SCAN_MS)) {
          last = { code, at: now };
          await send(code);
          last.at = Date.now();
        } else if (code) {
          last.at = now;
        }
      } catch {
        // A frame the detector could not read: try the next one.
      }
      busy = false;
    }
    window.setTimeout(tick, 250);
  };

  const stopCamera = () => {
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  };

  start.addEventListener("click", async () => {
    try {
      detector = detector ?? new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch {
      show(text("camera-denied"), "error");
      return;
    }
    video.srcObject = stream;
    view.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    await video.play().catch(() => {});
    show(text("scanning"), "info");
    tick();
  });
  stop.addEventListener("click", stopCamera);
  window.addEventListener("pagehide", stopCamera);

  // Only offer the scanner when QR codes are among what the browser reads.
  const offer = async () => {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      section.hidden = !formats.includes("qr_code");
    } catch {
      section.hidden = true;
    }
  };
  offer();
})();
