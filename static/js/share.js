// "Share" on an event page: the phone's share sheet where the browser has one (Web
// Share API), else the link copied to the clipboard. Without JavaScript, or when
// both fail, the button stays what it is in the HTML: a link to the event.
(() => {
  for (const link of document.querySelectorAll(".share-link")) {
    const status = link.parentElement.querySelector(".share-status");
    link.addEventListener("click", async (event) => {
      const url = link.href;
      if (navigator.share) {
        event.preventDefault();
        try {
          await navigator.share({ title: link.dataset.shareTitle, url });
        } catch {
          // Closed by the visitor: nothing to do.
        }
      } else if (navigator.clipboard && window.isSecureContext) {
        event.preventDefault();
        try {
          await navigator.clipboard.writeText(url);
          if (status) status.textContent = link.dataset.copied;
        } catch {
          window.location.href = url;
        }
      }
    });
  }
})();
