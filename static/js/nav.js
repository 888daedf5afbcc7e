// The account menu is a <details> disclosure, so it works without JavaScript. With
// it, the menu also closes like other menus do: on Escape (focus back on its
// button) and on a click or tap anywhere else.
(() => {
  const menu = document.querySelector(".user-menu details");
  if (!menu) return;
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();
