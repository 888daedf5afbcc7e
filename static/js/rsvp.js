// The RSVP box after a step: the page opens at the box (#rsvp). Browsers ignore
// `autofocus` on a page opened at a fragment, and move the focus away when they
// scroll to it, so focus here once the page has loaded: the answer (screen readers
// read it out, and it is in view on a phone), or the code field when the code is
// what comes next.
window.addEventListener("load", () => {
  const target = document.querySelector(".rsvp-feedback, #rsvp-code");
  if (target) requestAnimationFrame(() => target.focus());
});
