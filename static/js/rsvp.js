// After an answer the event page opens at the RSVP box (#rsvp). Move the focus to
// the answer in it, so that screen readers read it out and it is in view on a phone.
(() => {
  const answer = document.querySelector(".rsvp-feedback");
  if (answer) answer.focus();
})();
