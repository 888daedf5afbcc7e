// On a phone the main navigation is one row that scrolls sideways: start it where
// the link of the current page can be seen. Without JavaScript it starts at the
// left, as before.
(() => {
  const row = document.querySelector(".site-nav ul");
  const current = row && row.querySelector("[aria-current]");
  if (!current || row.scrollWidth <= row.clientWidth) return;
  const item = current.closest("li");
  const offset = item.getBoundingClientRect().left - row.getBoundingClientRect().left;
  row.scrollLeft += offset - (row.clientWidth - item.offsetWidth) / 2;
})();
